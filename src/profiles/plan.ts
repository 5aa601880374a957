/**
 * What a room costs in Azure sessions: per speaker, one recognizer per voiced language (the
 * service synthesizes one language per recognizer) and one shared text-only recognizer for the
 * caption languages; then the room's total, its hourly cost and the limits it would pass.
 */
import { findTargetLanguage, isSameLanguage } from '../common/azure-languages.ts';
import { matchesPattern } from './patterns.ts';
import { recognizerCostPerHour } from './prices.ts';
import type { Profile, SpeakerPlanInput, SpeakerRule, SpeakerSessionPlan, TargetLanguage } from './types.ts';

export const PERSONAL_VOICE_NAME = 'personal-voice';

/** The first rule whose identity equals, or as a glob matches, the participant's identity. */
export function findSpeakerRule(profile: Profile, identity: string): SpeakerRule | undefined {
  return profile.speakers.find((rule) => rule.identity === identity || (/[*?]/.test(rule.identity) && matchesPattern(rule.identity, identity)));
}

/** Whether some listener's language selects `target` (exact code first, else the same language, `fr-FR` -> `fr`). */
function chosenByListeners(target: TargetLanguage, targets: readonly TargetLanguage[], listeners: readonly string[]): boolean {
  return listeners.some((listener) => {
    if (listener.toLowerCase() === target.language.toLowerCase()) return true;
    const exact = targets.some((t) => t.language.toLowerCase() === listener.toLowerCase());
    return !exact && isSameLanguage(listener, target.language);
  });
}

export function planSpeaker(profile: Profile, input: SpeakerPlanInput): SpeakerSessionPlan {
  const rule = findSpeakerRule(profile, input.identity);
  const source: SpeakerSessionPlan['source'] = rule?.language ? [rule.language] : profile.languages.source === 'auto' ? 'auto' : [...profile.languages.source];
  const plan: SpeakerSessionPlan = { identity: input.identity, translate: rule?.translate ?? true, source, voiced: [], captionOnly: [] };
  if (rule) plan.rule = rule;
  if (!plan.translate) return plan;

  const own = rule?.language ?? input.detectedLanguage;
  const listeners = input.listenerLanguages ?? [];
  for (const target of profile.languages.targets) {
    if (own !== undefined && isSameLanguage(own, target.language)) continue;
    if (profile.onDemand && !chosenByListeners(target, profile.languages.targets, listeners)) continue;
    const voice = target.voice;
    if (voice.kind === 'neural') plan.voiced.push({ language: target.language, voice: voice.name });
    else if (voice.kind === 'personal') plan.voiced.push({ language: target.language, voice: rule?.personalVoice ? PERSONAL_VOICE_NAME : voice.fallback });
    else if (profile.captions) plan.captionOnly.push(target.language);
  }
  return plan;
}

/** Azure recognizers one speaker plan opens. */
export function sessionsOf(plan: SpeakerSessionPlan): number {
  return plan.voiced.length + (plan.captionOnly.length > 0 ? 1 : 0);
}

export interface RoomPlanInput {
  speakers: readonly SpeakerPlanInput[];
  /** Concurrent speech translation sessions the Azure resource allows (default 100, Azure's S0 default). */
  quota?: number;
}

export interface RecognizerPlan {
  speaker: string;
  /** Languages this recognizer translates into. */
  targets: string[];
  /** The language it synthesizes and the voice, or undefined for the text-only caption recognizer. */
  spoken?: { language: string; voice: string };
  costPerHour: number;
}

export interface RoomPlan {
  profile: string;
  speakers: SpeakerSessionPlan[];
  /** Speakers beyond `limits.maxSpeakers`: the agent would not interpret them. */
  skippedSpeakers: string[];
  recognizers: RecognizerPlan[];
  costPerHour: number;
  warnings: string[];
}

export const DEFAULT_SESSION_QUOTA = 100;

export function planRoom(profile: Profile, input: RoomPlanInput): RoomPlan {
  const quota = input.quota ?? DEFAULT_SESSION_QUOTA;
  const interpreted = input.speakers.slice(0, profile.limits.maxSpeakers);
  const skipped = input.speakers.slice(profile.limits.maxSpeakers).map((s) => s.identity);
  const speakers = interpreted.map((speaker) => planSpeaker(profile, speaker));
  const recognizers: RecognizerPlan[] = [];
  for (const plan of speakers) {
    for (const voiced of plan.voiced) {
      recognizers.push({ speaker: plan.identity, targets: [voiced.language], spoken: voiced, costPerHour: recognizerCostPerHour(1) });
    }
    if (plan.captionOnly.length > 0) {
      recognizers.push({ speaker: plan.identity, targets: [...plan.captionOnly], costPerHour: recognizerCostPerHour(plan.captionOnly.length) });
    }
  }
  const warnings: string[] = [];
  if (skipped.length > 0) {
    warnings.push(`${input.speakers.length} speakers exceed limits.maxSpeakers (${profile.limits.maxSpeakers}): ${skipped.length} would not be interpreted (${skipped.join(', ')})`);
  }
  if (recognizers.length > quota) {
    warnings.push(`${recognizers.length} concurrent Azure sessions exceed the resource's quota of ${quota}: sessions past it would be refused; ask Azure for a higher limit, lower limits.maxSpeakers, or use onDemand / captions-only languages`);
  }
  for (const target of profile.languages.targets) {
    if (!findTargetLanguage(target.language)) warnings.push(`target ${target.language} is not in the Azure language list`);
  }
  const costPerHour = recognizers.reduce((sum, r) => sum + r.costPerHour, 0);
  return { profile: profile.name, speakers, skippedSpeakers: skipped, recognizers, costPerHour, warnings };
}
