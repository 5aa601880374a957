/**
 * What a room costs in Azure sessions: per speaker, one recognizer per voiced language (the
 * service synthesizes one language per recognizer) and text-only recognizers for the caption
 * languages (at most two per recognizer on a Speech resource); then the room's total, its hourly
 * cost and the limits it would pass. The agent opens exactly these sessions (captionGroups).
 */
import { findTargetLanguage, isSameLanguage } from '../common/azure-languages.ts';
import { DEFAULT_SPEECH_RESOURCE, SESSION_QUOTA, checkPersonalVoice, maxTargetsPerRecognizer, type SpeechResource, type SpeechResourceKind } from '../common/azure-resource.ts';
import { matchesPattern } from './patterns.ts';
import { recognizerCostPerHour, streamedShare } from './prices.ts';
import type { Profile, SpeakerPlanInput, SpeakerRule, SpeakerSessionPlan, TargetLanguage } from './types.ts';

export const PERSONAL_VOICE_NAME = 'personal-voice';

/** The first rule whose identity equals, or as a glob matches, the participant's identity. */
export function findSpeakerRule(profile: Profile, identity: string): SpeakerRule | undefined {
  return profile.speakers.find((rule) => rule.identity === identity || (/[*?]/.test(rule.identity) && matchesPattern(rule.identity, identity)));
}

/** Whether some listener's language selects `target` (exact code first, else the same language, `fr-FR` -> `fr`). */
function chosenByListeners(target: TargetLanguage, targets: readonly TargetLanguage[], listeners: readonly string[]): boolean {
  return listeners.some((listener) => chooses(listener, target, targets));
}

/** A listener's choice (attribute `language`) names this target: exactly, or as the same language when no target is exact. */
function chooses(listener: string, target: TargetLanguage, targets: readonly TargetLanguage[]): boolean {
  if (listener.toLowerCase() === target.language.toLowerCase()) return true;
  const exact = targets.some((t) => t.language.toLowerCase() === listener.toLowerCase());
  return !exact && isSameLanguage(listener, target.language);
}

/**
 * The target languages a listener who chose `listener` gets, by the rule `onDemand` plans with:
 * `fr` and `FR` give `fr`; `fr-FR` gives `fr` unless `fr-FR` is a target itself; `zh-TW` gives
 * `zh-Hant` (scripts count). Empty when the profile has no such language.
 */
export function targetsChosenBy(profile: Profile, listener: string): string[] {
  const targets = profile.languages.targets;
  return targets.filter((target) => chooses(listener, target, targets)).map((target) => target.language);
}

/**
 * The sessions one speaker needs. On a resource that cannot use personal voice (F0, a region
 * without Live Interpreter) consenting speakers get the target's fallback voice instead of a
 * session that would fail.
 */
export function planSpeaker(profile: Profile, input: SpeakerPlanInput, resource: SpeechResource = DEFAULT_SPEECH_RESOURCE): SpeakerSessionPlan {
  const rule = findSpeakerRule(profile, input.identity);
  const source: SpeakerSessionPlan['source'] = rule?.language ? [rule.language] : profile.languages.source === 'auto' ? 'auto' : [...profile.languages.source];
  const plan: SpeakerSessionPlan = { identity: input.identity, translate: rule?.translate ?? true, source, voiced: [], captionOnly: [] };
  if (rule) plan.rule = rule;
  if (!plan.translate) return plan;

  const personalVoice = Boolean(rule?.personalVoice) && checkPersonalVoice(resource).ok;
  const own = rule?.language ?? input.detectedLanguage;
  const listeners = input.listenerLanguages ?? [];
  for (const target of profile.languages.targets) {
    if (own !== undefined && isSameLanguage(own, target.language)) continue;
    if (profile.onDemand && !chosenByListeners(target, profile.languages.targets, listeners)) continue;
    const voice = target.voice;
    if (voice.kind === 'neural') plan.voiced.push({ language: target.language, voice: voice.name });
    else if (voice.kind === 'personal') plan.voiced.push({ language: target.language, voice: personalVoice ? PERSONAL_VOICE_NAME : voice.fallback });
    else if (profile.captions) plan.captionOnly.push(target.language);
  }
  return plan;
}

/**
 * Caption-only languages split into text-only sessions: at most two per session on a Speech
 * resource (speech-translation.md: "translate the input language into two target languages"),
 * all in one on an AI Foundry resource. Sorted, so the same languages always make the same sessions.
 */
export function captionGroups(languages: readonly string[], kind: SpeechResourceKind = DEFAULT_SPEECH_RESOURCE.kind): string[][] {
  const sorted = [...languages].sort();
  const size = maxTargetsPerRecognizer(kind);
  const groups: string[][] = [];
  for (let i = 0; i < sorted.length; i += size) groups.push(sorted.slice(i, i + size));
  return groups;
}

/** Azure recognizers one speaker plan opens. */
export function sessionsOf(plan: SpeakerSessionPlan, kind: SpeechResourceKind = DEFAULT_SPEECH_RESOURCE.kind): number {
  return plan.voiced.length + captionGroups(plan.captionOnly, kind).length;
}

export interface RoomPlanInput {
  speakers: readonly SpeakerPlanInput[];
  /** The Azure resource assumed (default: a Speech resource, S0, region unknown). */
  resource?: SpeechResource;
  /** Concurrent speech translation sessions the resource allows (default: the tier's, 100 on S0, 1 on F0). */
  quota?: number;
  /** Share of the meeting each speaker talks (default: the profile's speechGate.speakingShare, else 0.25). */
  speakingShare?: number;
}

export interface RecognizerPlan {
  speaker: string;
  /** Languages this recognizer translates into. */
  targets: string[];
  /** The language it synthesizes and the voice, or undefined for a text-only caption recognizer. */
  spoken?: { language: string; voice: string };
  /** The session gets interim results (and pays for their translation): candidate source languages. */
  interimResults: boolean;
  costPerHour: number;
  /** The same with the speech gate on: only speech (and its margins) streamed. */
  costPerHourGated: number;
}

export interface RoomPlan {
  profile: string;
  resource: SpeechResource;
  quota: number;
  speakers: SpeakerSessionPlan[];
  /** Speakers beyond `limits.maxSpeakers`: the agent would not interpret them. */
  skippedSpeakers: string[];
  recognizers: RecognizerPlan[];
  /** Every speaker streamed the whole hour (the gate off): an upper bound. */
  costPerHour: number;
  /** With the speech gate on, at `speakingShare`. */
  costPerHourGated: number;
  speakingShare: number;
  /** Whether the profile turns the gate on (then `costPerHourGated` is what it is expected to cost). */
  gateEnabled: boolean;
  warnings: string[];
}

export const DEFAULT_SESSION_QUOTA = SESSION_QUOTA.S0;

export function planRoom(profile: Profile, input: RoomPlanInput): RoomPlan {
  const resource = input.resource ?? DEFAULT_SPEECH_RESOURCE;
  const quota = input.quota ?? SESSION_QUOTA[resource.tier];
  const interpreted = input.speakers.slice(0, profile.limits.maxSpeakers);
  const skipped = input.speakers.slice(profile.limits.maxSpeakers).map((s) => s.identity);
  const speakers = interpreted.map((speaker) => planSpeaker(profile, speaker, resource));
  const speakingShare = input.speakingShare ?? profile.speechGate?.speakingShare ?? 0.25;
  const gated = streamedShare(true, speakingShare);
  const cost = (targetLanguages: number, interimResults: boolean) => ({
    costPerHour: recognizerCostPerHour({ targetLanguages, interimResults }),
    costPerHourGated: recognizerCostPerHour({ targetLanguages, interimResults, streamed: gated }),
  });
  const recognizers: RecognizerPlan[] = [];
  for (const plan of speakers) {
    // Open range is multilingual translation, which has no interim results; candidates do.
    const interimResults = plan.source !== 'auto';
    for (const voiced of plan.voiced) {
      recognizers.push({ speaker: plan.identity, targets: [voiced.language], spoken: voiced, interimResults, ...cost(1, interimResults) });
    }
    for (const group of captionGroups(plan.captionOnly, resource.kind)) {
      recognizers.push({ speaker: plan.identity, targets: group, interimResults, ...cost(group.length, interimResults) });
    }
  }
  const warnings: string[] = [];
  if (skipped.length > 0) {
    warnings.push(`${input.speakers.length} speakers exceed limits.maxSpeakers (${profile.limits.maxSpeakers}): ${skipped.length} would not be interpreted (${skipped.join(', ')})`);
  }
  if (recognizers.length > quota) {
    const remedy = resource.tier === 'F0' ? "a free (F0) resource allows one session and Azure does not raise it: use an S0 resource" : 'ask Azure for a higher limit, lower limits.maxSpeakers, or use onDemand / captions-only languages';
    warnings.push(`${recognizers.length} concurrent Azure sessions exceed the resource's quota of ${quota}: sessions past it would be refused; ${remedy}`);
  }
  warnings.push(...personalVoiceWarnings(profile, resource));
  for (const target of profile.languages.targets) {
    if (!findTargetLanguage(target.language)) warnings.push(`target ${target.language} is not in the Azure language list`);
  }
  const costPerHour = recognizers.reduce((sum, r) => sum + r.costPerHour, 0);
  const costPerHourGated = recognizers.reduce((sum, r) => sum + r.costPerHourGated, 0);
  const gateEnabled = profile.speechGate?.enabled ?? false;
  return { profile: profile.name, resource, quota, speakers, skippedSpeakers: skipped, recognizers, costPerHour, costPerHourGated, speakingShare, gateEnabled, warnings };
}

/** What the resource means for the profile's personal-voice targets, one line each. */
export function personalVoiceWarnings(profile: Profile, resource: SpeechResource): string[] {
  const personal = profile.languages.targets.filter((t) => t.voice.kind === 'personal');
  if (personal.length === 0) return [];
  const check = checkPersonalVoice(resource);
  if (check.ok) return check.warning ? [`voice: personal (${personal.map((t) => t.language).join(', ')}): ${check.warning}`] : [];
  const fallbacks = personal.map((t) => `${t.language} -> ${t.voice.kind === 'personal' ? t.voice.fallback : ''}`).join(', ');
  return [`voice: personal cannot work here: ${check.reason}. Consenting speakers get the fallback voices (${fallbacks})`];
}
