/** Defaults and canonical spelling: a checked `RawProfile` becomes a `Profile`. */
import { defaultNeuralVoice, findSpeechLocale, findTargetLanguage } from '../common/azure-languages.ts';
import type { RawProfile, RawTarget } from './raw.ts';
import { normalizeTerminology, normalizeTiming } from './terminology.ts';
import type { Profile, TargetLanguage, VoiceChoice } from './types.ts';

export const PROFILE_DEFAULTS = {
  priority: 0,
  // Azure synthesizes translations at 16 kHz (notes azure-speech 9): publishing at that rate resamples nothing.
  sampleRate: 16000,
  captions: true,
  profanity: 'masked',
  maxSessionMinutes: 240,
  maxSpeakers: 10,
  emptyRoomTimeoutSeconds: 120,
  onDemand: false,
  // A person picking a language clicks through a list: 250 ms gathers one pick into one re-plan.
  replanDebounceMs: 250,
  // Longer than a listener takes to change their mind, shorter than an idle session costs much.
  languageLingerSeconds: 30,
  sessionOpensPerMinute: 120,
  speechGate: { enabled: false, preRollMs: 300, hangoverMs: 600, speakingShare: 0.25 },
  // LiveKit's own behaviour: clients choose what to subscribe to and which captions to show.
  listeners: { audio: 'all', captions: 'all' },
} as const;

/** Applies defaults to a profile that passed `checkShape` and `checkMeaning` without errors. */
export function normalizeProfile(raw: RawProfile, origin: { file: string; line: number }, filePhrases?: readonly string[]): Profile {
  const profile: Profile = {
    name: raw.name,
    priority: raw.priority ?? PROFILE_DEFAULTS.priority,
    match: { rooms: [...(raw.match.rooms ?? [])], metadata: { ...(raw.match.metadata ?? {}) } },
    languages: {
      source: Array.isArray(raw.languages.source) ? raw.languages.source.map(canonicalLocale) : 'auto',
      targets: raw.languages.targets.map(normalizeTarget),
    },
    speakers: (raw.speakers ?? []).map((s) => {
      const rule: Profile['speakers'][number] = { identity: s.identity, personalVoice: s.personalVoice ?? false, translate: s.translate ?? true };
      if (s.language !== undefined) rule.language = canonicalLocale(s.language);
      if (s.phrases !== undefined) rule.phrases = s.phrases.map((p) => p.trim());
      return rule;
    }),
    audio: { sampleRate: raw.audio?.sampleRate ?? PROFILE_DEFAULTS.sampleRate },
    captions: raw.captions ?? PROFILE_DEFAULTS.captions,
    profanity: raw.profanity ?? PROFILE_DEFAULTS.profanity,
    limits: {
      maxSessionMinutes: raw.limits?.maxSessionMinutes ?? PROFILE_DEFAULTS.maxSessionMinutes,
      maxSpeakers: raw.limits?.maxSpeakers ?? PROFILE_DEFAULTS.maxSpeakers,
      emptyRoomTimeoutSeconds: raw.limits?.emptyRoomTimeoutSeconds ?? PROFILE_DEFAULTS.emptyRoomTimeoutSeconds,
      replanDebounceMs: raw.limits?.replanDebounceMs ?? PROFILE_DEFAULTS.replanDebounceMs,
      languageLingerSeconds: raw.limits?.languageLingerSeconds ?? PROFILE_DEFAULTS.languageLingerSeconds,
      sessionOpensPerMinute: raw.limits?.sessionOpensPerMinute ?? PROFILE_DEFAULTS.sessionOpensPerMinute,
    },
    onDemand: raw.onDemand ?? PROFILE_DEFAULTS.onDemand,
    speechGate: { ...PROFILE_DEFAULTS.speechGate, ...raw.speechGate },
    listeners: { ...PROFILE_DEFAULTS.listeners, ...raw.listeners },
    origin,
  };
  if (raw.description !== undefined) profile.description = raw.description;
  const terminology = normalizeTerminology(raw, filePhrases);
  if (terminology) profile.terminology = terminology;
  const timing = normalizeTiming(raw);
  if (timing) profile.timing = timing;
  return profile;
}

function canonicalLocale(locale: string): string {
  return findSpeechLocale(locale) ?? locale;
}

function normalizeTarget(target: RawTarget): TargetLanguage {
  const language = findTargetLanguage(target.language)?.code ?? target.language;
  return { language, voice: voiceChoice(target, language) };
}

function voiceChoice(target: RawTarget, language: string): VoiceChoice {
  const fallback = defaultNeuralVoice(language) ?? '';
  if (target.voice === 'none') return { kind: 'none' };
  if (target.voice === 'personal') return { kind: 'personal', fallback: target.fallbackVoice ?? fallback };
  return { kind: 'neural', name: target.voice ?? fallback };
}

/** The YAML shape of a profile (what `normalizeProfile` would turn back into it): used to re-validate bundles. */
export function toRawProfile(profile: Profile): RawProfile {
  const raw: RawProfile = {
    name: profile.name,
    priority: profile.priority,
    match: {},
    languages: {
      source: profile.languages.source === 'auto' ? 'auto' : [...profile.languages.source],
      targets: profile.languages.targets.map((t): RawTarget => {
        if (t.voice.kind === 'none') return { language: t.language, voice: 'none' };
        if (t.voice.kind === 'personal') return { language: t.language, voice: 'personal', fallbackVoice: t.voice.fallback };
        return { language: t.language, voice: t.voice.name };
      }),
    },
    speakers: profile.speakers.map((s) => ({ ...s })),
    audio: { sampleRate: profile.audio.sampleRate },
    captions: profile.captions,
    profanity: profile.profanity,
    limits: { ...profile.limits },
    onDemand: profile.onDemand,
  };
  if (profile.speechGate) raw.speechGate = { ...profile.speechGate };
  if (profile.listeners) raw.listeners = { ...profile.listeners };
  if (profile.description !== undefined) raw.description = profile.description;
  // The phrase file was read at load time: a bundle carries its phrases inline.
  if (profile.terminology) raw.terminology = { ...profile.terminology, phrases: [...profile.terminology.phrases] };
  if (profile.timing) raw.timing = { ...profile.timing };
  if (profile.match.rooms.length > 0) raw.match.rooms = [...profile.match.rooms];
  if (Object.keys(profile.match.metadata).length > 0) raw.match.metadata = { ...profile.match.metadata };
  return raw;
}
