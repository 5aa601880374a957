import type { Profile, TargetLanguage } from '../../src/profiles/types.ts';

const neural: Record<string, string> = { fr: 'fr-FR-DeniseNeural', de: 'de-DE-KatjaNeural', en: 'en-US-JennyNeural', es: 'es-ES-ElviraNeural' };

/** A validated profile as the agent receives it, built directly so tests state exactly what they need. */
export function agentProfile(overrides: Partial<Profile> & { targets?: TargetLanguage[] } = {}): Profile {
  const { targets, ...rest } = overrides;
  return {
    name: 'test-meeting',
    priority: 0,
    match: { rooms: ['*'], metadata: {} },
    languages: {
      source: 'auto',
      targets: targets ?? [
        { language: 'fr', voice: { kind: 'neural', name: neural.fr! } },
        { language: 'de', voice: { kind: 'neural', name: neural.de! } },
        { language: 'en', voice: { kind: 'neural', name: neural.en! } },
      ],
    },
    speakers: [],
    audio: { sampleRate: 24000 },
    captions: true,
    profanity: 'masked',
    limits: { maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60 },
    onDemand: false,
    origin: { file: 'test', line: 1 },
    ...rest,
  };
}

export function neuralTarget(language: string): TargetLanguage {
  return { language, voice: { kind: 'neural', name: neural[language] ?? `${language}-XX-TestNeural` } };
}
