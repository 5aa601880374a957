/**
 * What the Azure resource behind the key allows: the plugin refuses what would fail in a meeting,
 * and `interpreter plan` / `validate` warn about it. Data and small pure functions only.
 *
 * Sources (MicrosoftDocs/azure-ai-docs, articles/ai-services/speech-service/):
 * - `regions.md` (ms.date 2025-11-09), "Speech translation" tab, column "Live interpreter":
 *   eastus, japaneast, southeastasia, westeurope, westus2. "Text to speech" tab, column
 *   "Personal voice": eastasia, eastus, eastus2, southeastasia, swedencentral, westeurope, westus2.
 *   So japaneast runs Live Interpreter but lists no personal voice.
 * - `speech-translation.md` (ms.date 2025-08-07), "Multiple target languages translation": "the
 *   Speech service directly offers the ability for you to translate the input language into two
 *   target languages ... If you need translation into more than two target languages, you need to
 *   either Create an AI Foundry resource or utilize separate translation services".
 * - `speech-services-quotas-and-limits.md` (ms.date 2024-09-24): concurrent real-time speech to
 *   text and speech translation requests, combined: Free (F0) 1, not adjustable; Standard (S0) 100
 *   by default, adjustable. "Custom neural voice - personal voice": "Not available for F0".
 */

/** `speech`: a Speech resource (two targets per recognizer). `foundry`: an AI Foundry (multi-service) resource. */
export type SpeechResourceKind = 'speech' | 'foundry';
export type SpeechTier = 'S0' | 'F0';

/** Settings that say what the resource is; read by the agent, `plan`, `validate` and the plugin. */
export const SpeechResourceEnv = {
  kind: 'AZURE_SPEECH_RESOURCE_KIND',
  tier: 'AZURE_SPEECH_TIER',
  region: 'AZURE_SPEECH_REGION',
} as const;

export const LIVE_INTERPRETER_REGIONS: readonly string[] = ['eastus', 'japaneast', 'southeastasia', 'westeurope', 'westus2'];
export const PERSONAL_VOICE_REGIONS: readonly string[] = ['eastasia', 'eastus', 'eastus2', 'southeastasia', 'swedencentral', 'westeurope', 'westus2'];
/** Live Interpreter regions that also list personal voice: where `personal-voice` can work. */
export const PERSONAL_VOICE_INTERPRETER_REGIONS: readonly string[] = LIVE_INTERPRETER_REGIONS.filter((r) => PERSONAL_VOICE_REGIONS.includes(r));

/** Target languages one recognizer may carry on a Speech resource. */
export const SPEECH_RESOURCE_MAX_TARGETS = 2;

export const SESSION_QUOTA: Readonly<Record<SpeechTier, number>> = { S0: 100, F0: 1 };

export interface SpeechResource {
  kind: SpeechResourceKind;
  tier: SpeechTier;
  /** Lower case; undefined when neither configured nor readable from the endpoint's host. */
  region?: string;
}

export const DEFAULT_SPEECH_RESOURCE: SpeechResource = { kind: 'speech', tier: 'S0' };

/** Target languages one recognizer may carry on this kind of resource. */
export function maxTargetsPerRecognizer(kind: SpeechResourceKind): number {
  return kind === 'foundry' ? Number.POSITIVE_INFINITY : SPEECH_RESOURCE_MAX_TARGETS;
}

export class SpeechResourceError extends Error {
  override name = 'SpeechResourceError';
}

export function parseResourceKind(value: string, from: string): SpeechResourceKind {
  const lower = value.trim().toLowerCase();
  if (lower === 'speech' || lower === 'foundry') return lower;
  throw new SpeechResourceError(`${from} is "${value}": use "speech" (a Speech resource, two target languages per session) or "foundry" (an AI Foundry resource)`);
}

export function parseTier(value: string, from: string): SpeechTier {
  const upper = value.trim().toUpperCase();
  if (upper === 'S0' || upper === 'F0') return upper;
  throw new SpeechResourceError(`${from} is "${value}": use S0 (standard) or F0 (free)`);
}

/**
 * The region in a Speech endpoint's host: `wss://westeurope.stt.speech.microsoft.com/...`,
 * `<region>.s2s.speech.microsoft.com`, `<region>.api.cognitive.microsoft.com`. A resource host
 * (`<name>.cognitiveservices.azure.com`) or a local emulator names no region: undefined.
 */
export function regionOfEndpoint(endpoint: URL): string | undefined {
  const match = /^([a-z0-9]+)\.(?:stt\.speech|s2s\.speech|api\.cognitive)\.microsoft\.com$/i.exec(endpoint.hostname);
  return match?.[1]?.toLowerCase();
}

/** Resource settings from the environment; throws SpeechResourceError naming the variable for a bad value. */
export function speechResourceFromEnv(env: NodeJS.ProcessEnv, endpoint?: URL): SpeechResource {
  const kind = env[SpeechResourceEnv.kind];
  const tier = env[SpeechResourceEnv.tier];
  const region = env[SpeechResourceEnv.region] || (endpoint ? regionOfEndpoint(endpoint) : undefined);
  const resource: SpeechResource = {
    kind: kind ? parseResourceKind(kind, SpeechResourceEnv.kind) : DEFAULT_SPEECH_RESOURCE.kind,
    tier: tier ? parseTier(tier, SpeechResourceEnv.tier) : DEFAULT_SPEECH_RESOURCE.tier,
  };
  if (region) resource.region = region.toLowerCase();
  return resource;
}

export type PersonalVoiceCheck =
  | { ok: true; warning?: string }
  | { ok: false; reason: string };

/** Whether `personal-voice` can work on this resource: F0 never, regions without Live Interpreter never, japaneast only with a warning. */
export function checkPersonalVoice(resource: Pick<SpeechResource, 'tier' | 'region'>): PersonalVoiceCheck {
  const usable = PERSONAL_VOICE_INTERPRETER_REGIONS.join(', ');
  if (resource.tier === 'F0') {
    return { ok: false, reason: `personal voice is not available on a free (F0) Speech resource (Azure's quotas page: "Not available for F0"); use a neural voice, or an S0 resource in ${usable}` };
  }
  const region = resource.region;
  if (region === undefined) return { ok: true };
  if (!LIVE_INTERPRETER_REGIONS.includes(region)) {
    return { ok: false, reason: `Live Interpreter (personal voice) runs only in ${LIVE_INTERPRETER_REGIONS.join(', ')}, not ${region}; create the resource in ${usable}, or use a neural voice` };
  }
  if (!PERSONAL_VOICE_REGIONS.includes(region)) {
    return { ok: true, warning: `${region} runs Live Interpreter but Azure lists no personal voice there: synthesis in the speaker's voice will likely fail; prefer ${usable}` };
  }
  return { ok: true };
}
