/**
 * The plugin's public options and their resolution: environment defaults, and every missing or
 * contradictory setting rejected at construction with a message that names what to set and why.
 * The limits enforced here are Azure's, as Microsoft documents them (sources beside each check).
 */
import { checkNeuralVoice, defaultNeuralVoice } from '../common/azure-languages.ts';
import {
  SpeechResourceEnv,
  SpeechResourceError,
  checkPersonalVoice,
  maxTargetsPerRecognizer,
  parseResourceKind,
  parseTier,
  regionOfEndpoint,
  type SpeechResourceKind,
  type SpeechTier,
} from '../common/azure-resource.ts';
import { parseLocale } from '../common/locale.ts';
import { type ResolvedTerminology, type SegmentationOptions, resolveTerminology } from './terminology.ts';

export type ProfanityMode = 'masked' | 'removed' | 'raw';
export type OutputSampleRate = 16000 | 24000 | 48000;

export interface ReconnectOptions {
  /** Recognizers recreated in a row without a successful connection before giving up. Default 6. */
  maxAttempts?: number;
  /** First back-off delay; doubles per attempt, with jitter. Default 250 ms. */
  initialDelayMs?: number;
  /** Ceiling of the back-off delay. Default 10 000 ms. */
  maxDelayMs?: number;
}

/** Credentials and endpoint are named as in LiveKit's own Azure plugin (`speechKey`, `speechRegion`, `speechEndpoint`). */
export interface LiveInterpreterOptions {
  /** Speech resource key. Default: env `AZURE_SPEECH_KEY`. */
  speechKey?: string;
  /**
   * Speech resource region (e.g. `westeurope`). Default: env `AZURE_SPEECH_REGION`. Builds the
   * endpoint when none is given, and tells the personal-voice check where the resource is.
   */
  speechRegion?: string;
  /** Full WebSocket endpoint. Default: env `AZURE_SPEECH_ENDPOINT`, else the region's V2 endpoint. */
  speechEndpoint?: string | URL;
  /**
   * `speech` (default; env `AZURE_SPEECH_RESOURCE_KIND`): a Speech resource, at most two target
   * languages per session. `foundry`: an AI Foundry resource, more targets (billed as text translation).
   */
  resourceKind?: SpeechResourceKind;
  /** `S0` (default; env `AZURE_SPEECH_TIER`) or `F0`, which has no personal voice. */
  tier?: SpeechTier;
  /** Text translation targets (`fr`, `de`, `zh-Hans`). Exactly one when the session speaks. */
  targetLanguages: string[];
  /** `auto` = open-range, continuous language identification; or a list of candidate locales. */
  sourceLanguages?: 'auto' | string[];
  /** The one target synthesized as speech. Default `targetLanguages[0]`; `null` = text only. */
  spokenLanguage?: string | null;
  /** `personal-voice` or a neural voice name (`fr-FR-DeniseNeural`). Default: the catalog's voice. */
  voice?: string;
  /**
   * Sample rate of the AudioFrames this plugin produces. Default 16000, the rate Azure
   * synthesizes translations at (so nothing is resampled); 24000 or 48000 resample here.
   */
  sampleRate?: OutputSampleRate;
  profanity?: ProfanityMode;
  reconnect?: ReconnectOptions;
  /** Input audio kept while the recognizer is being recreated. Default 30 000 ms. */
  maxBufferedAudioMs?: number;
  /**
   * Safety net only: a generation that has heard nothing for this long is closed. Generations end
   * when the service says so (synthesis completed, the next phrase, speech end, the end of the
   * session); this catches a service that says nothing at all. Default 8000 ms, under the 10 s
   * after which AgentSession stops forwarding a silent audio stream (agents 1.9,
   * `DEFAULT_FORWARD_AUDIO_IDLE_TIMEOUT_MS`); 0 = never.
   */
  generationTimeoutMs?: number;
  /**
   * Words and phrases recognition should favour (names, products, acronyms): Azure's phrase list, at
   * most 2,000. Fixed for the session's life: open a new session to change them.
   */
  phrases?: string[];
  /** How strongly the phrases are favoured, 0 (off) to 2; Azure's default 1. Needs `phrases`. */
  phraseWeight?: number;
  /** A Custom Translator category id (`<workspace id>-<label>-<CODE>`): translate with a customer's own model. */
  translatorCategory?: string;
  /** How the service ends a phrase, and so how soon each translation is spoken. */
  segmentation?: SegmentationOptions;
}

export interface ResolvedReconnect {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ResolvedOptions {
  key: string;
  endpoint: URL;
  resourceKind: SpeechResourceKind;
  tier: SpeechTier;
  region: string | undefined;
  targetLanguages: string[];
  sourceLanguages: 'auto' | string[];
  spokenLanguage: string | null;
  /** Undefined exactly when `spokenLanguage` is null. */
  voice: string | undefined;
  sampleRate: OutputSampleRate;
  profanity: ProfanityMode | undefined;
  reconnect: ResolvedReconnect;
  maxBufferedAudioMs: number;
  generationTimeoutMs: number;
  terminology: ResolvedTerminology;
  /** Settings that will work but may disappoint; each session logs them once. */
  warnings: string[];
}

export class LiveInterpreterOptionsError extends Error {
  override name = 'LiveInterpreterOptionsError';
}

export const PERSONAL_VOICE = 'personal-voice';

/** The path the Speech SDK itself uses for translation (TranslationConnectionFactory `universalUri`). */
export const V2_PATH = '/stt/speech/universal/v2';

const OUTPUT_RATES: readonly number[] = [16000, 24000, 48000];

export function resolveOptions(options: LiveInterpreterOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const fail = (message: string): never => {
    throw new LiveInterpreterOptionsError(`LiveInterpreterModel: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options are required ({ targetLanguages: [...] })');

  const key = options.speechKey ?? env.AZURE_SPEECH_KEY;
  if (!key) fail('no Speech key: pass `speechKey` or set AZURE_SPEECH_KEY');
  if (typeof key !== 'string') fail(`\`speechKey\` is a ${typeof key}, not a string`);
  if (options.speechRegion !== undefined && typeof options.speechRegion !== 'string') {
    fail(`\`speechRegion\` is ${JSON.stringify(options.speechRegion)}, not a string such as "westeurope"`);
  }

  const endpoint = resolveEndpoint(options, env, fail);
  const { resourceKind, tier } = resolveResource(options, env, fail);
  const region = (options.speechRegion ?? env.AZURE_SPEECH_REGION)?.toLowerCase() || regionOfEndpoint(endpoint);

  const targets = options.targetLanguages;
  if (!Array.isArray(targets) || targets.length === 0) {
    fail('`targetLanguages` is empty: give at least one language code, e.g. ["fr"]');
  }
  for (const target of targets) {
    if (typeof target !== 'string' || parseLocale(target) === undefined) {
      fail(`target language ${JSON.stringify(target)} is not a language code such as "fr" or "zh-Hans"`);
    }
  }
  const lowerTargets = targets.map((t) => t.toLowerCase());
  if (new Set(lowerTargets).size !== targets.length) fail('`targetLanguages` lists a language twice');
  const maxTargets = maxTargetsPerRecognizer(resourceKind);
  if (targets.length > maxTargets) {
    // speech-translation.md, "Multiple target languages translation": two targets per call on a Speech resource.
    fail(
      `${targets.length} target languages on a Speech resource: Azure translates into at most ${maxTargets} per session. ` +
        `Split them over sessions of at most ${maxTargets}, or, with an AI Foundry resource, set resourceKind: 'foundry' (env ${SpeechResourceEnv.kind}=foundry)`,
    );
  }

  const sourceLanguages = options.sourceLanguages ?? 'auto';
  if (sourceLanguages !== 'auto') {
    if (!Array.isArray(sourceLanguages) || sourceLanguages.length === 0) {
      fail('`sourceLanguages` must be "auto" or a non-empty list of locales such as ["en-US", "de-DE"]');
    }
    for (const locale of sourceLanguages) {
      if (typeof locale !== 'string' || parseLocale(locale)?.region === undefined) {
        fail(`source language ${JSON.stringify(locale)} is not a locale such as "en-US"`);
      }
    }
  }

  const spokenLanguage = options.spokenLanguage === undefined ? (targets[0] ?? null) : options.spokenLanguage;
  if (spokenLanguage !== null && !lowerTargets.includes(spokenLanguage.toLowerCase())) {
    fail(`spokenLanguage "${spokenLanguage}" is not among targetLanguages [${targets.join(', ')}]: add it there or pick one of them`);
  }
  if (spokenLanguage !== null && targets.length > 1) {
    // how-to-translate-speech (C#), "Event-based synthesis": "works only with a single translation. Do not
    // add multiple target translation languages"; the SDK gives the one voice to every target and its
    // audio carries no language tag (.NET AddTargetLanguage: "synthesized only for the first language").
    fail(
      `a session that speaks translates into one language only, got [${targets.join(', ')}]: Azure synthesizes a single translation per session. ` +
        `Open one session per spoken language (targetLanguages: ["${spokenLanguage}"]) and a text-only session (spokenLanguage: null) for the others`,
    );
  }
  if (spokenLanguage === null && options.voice !== undefined) {
    fail('`voice` is set but spokenLanguage is null (a text-only session): remove `voice` or set `spokenLanguage`');
  }
  const warnings: string[] = [];
  const voice = spokenLanguage === null ? undefined : resolveVoice(options.voice, spokenLanguage, fail);
  if (voice === PERSONAL_VOICE) {
    const check = checkPersonalVoice({ tier, region });
    if (!check.ok) fail(check.reason);
    else if (check.warning) warnings.push(check.warning);
  }

  const sampleRate = options.sampleRate ?? 16000;
  if (!OUTPUT_RATES.includes(sampleRate)) fail(`sampleRate ${String(sampleRate)} is not supported: use 16000 (Azure's own rate), 24000 or 48000`);

  const profanity = options.profanity;
  if (profanity !== undefined && !['masked', 'removed', 'raw'].includes(profanity)) {
    fail(`profanity "${String(profanity)}" is not one of masked, removed, raw`);
  }

  const reconnect: ResolvedReconnect = {
    maxAttempts: options.reconnect?.maxAttempts ?? 6,
    initialDelayMs: options.reconnect?.initialDelayMs ?? 250,
    maxDelayMs: options.reconnect?.maxDelayMs ?? 10_000,
  };
  if (!Number.isInteger(reconnect.maxAttempts) || reconnect.maxAttempts < 0) fail('`reconnect.maxAttempts` must be a whole number >= 0');
  if (!(reconnect.initialDelayMs >= 0) || !(reconnect.maxDelayMs >= reconnect.initialDelayMs)) {
    fail('`reconnect` delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  }
  const maxBufferedAudioMs = options.maxBufferedAudioMs ?? 30_000;
  if (!(maxBufferedAudioMs >= 0) || !Number.isFinite(maxBufferedAudioMs)) fail('`maxBufferedAudioMs` must be a number of milliseconds >= 0');
  const generationTimeoutMs = options.generationTimeoutMs ?? 8000;
  if (!(generationTimeoutMs >= 0) || !Number.isFinite(generationTimeoutMs)) fail('`generationTimeoutMs` must be a number of milliseconds >= 0 (0 = never)');

  const terminology = resolveTerminology(options, fail);

  return {
    key: key as string,
    endpoint,
    resourceKind,
    tier,
    region,
    targetLanguages: [...targets],
    sourceLanguages: sourceLanguages === 'auto' ? 'auto' : [...sourceLanguages],
    spokenLanguage,
    voice,
    sampleRate,
    profanity,
    reconnect,
    maxBufferedAudioMs,
    generationTimeoutMs,
    terminology,
    warnings,
  };
}

function resolveResource(options: LiveInterpreterOptions, env: NodeJS.ProcessEnv, fail: (m: string) => never): { resourceKind: SpeechResourceKind; tier: SpeechTier } {
  // A JavaScript caller (or a config read from JSON) can pass anything; parse* would throw a bare TypeError.
  if (options.resourceKind !== undefined && typeof options.resourceKind !== 'string') {
    fail(`\`resourceKind\` is ${JSON.stringify(options.resourceKind)}, not a string: use "speech" or "foundry"`);
  }
  if (options.tier !== undefined && typeof options.tier !== 'string') fail(`\`tier\` is ${JSON.stringify(options.tier)}, not a string: use "S0" (standard) or "F0" (free)`);
  try {
    const kind = options.resourceKind ?? env[SpeechResourceEnv.kind];
    const tier = options.tier ?? env[SpeechResourceEnv.tier];
    const from = (option: string, variable: string, given: unknown) => (given === undefined ? variable : `\`${option}\``);
    return {
      resourceKind: kind ? parseResourceKind(kind, from('resourceKind', SpeechResourceEnv.kind, options.resourceKind)) : 'speech',
      tier: tier ? parseTier(tier, from('tier', SpeechResourceEnv.tier, options.tier)) : 'S0',
    };
  } catch (error) {
    if (error instanceof SpeechResourceError) return fail(error.message);
    throw error;
  }
}

function resolveEndpoint(options: LiveInterpreterOptions, env: NodeJS.ProcessEnv, fail: (m: string) => never): URL {
  const configured = options.speechEndpoint ?? env.AZURE_SPEECH_ENDPOINT;
  if (configured !== undefined && configured !== '') {
    let url: URL;
    try {
      url = configured instanceof URL ? new URL(configured.href) : new URL(configured);
    } catch {
      return fail(`endpoint ${JSON.stringify(String(configured))} is not a URL; expected e.g. wss://<resource>.cognitiveservices.azure.com${V2_PATH}`);
    }
    if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) fail(`endpoint ${url.href} must be a ws://, wss://, http:// or https:// URL`);
    // A root path makes the SDK probe https://host:443 for a redirect (notes: azure-speech 2.6).
    if (url.pathname === '' || url.pathname === '/') fail(`endpoint ${url.href} needs a path, e.g. ${url.origin}${V2_PATH}`);
    return url;
  }
  const region = options.speechRegion ?? env.AZURE_SPEECH_REGION;
  if (!region) fail('no region or endpoint: pass `speechRegion` (or set AZURE_SPEECH_REGION), or pass `speechEndpoint` (AZURE_SPEECH_ENDPOINT)');
  if (!/^[a-z0-9]+$/.test(region as string)) fail(`region "${region}" is not an Azure region name such as "westeurope"`);
  // What SpeechTranslationConfig.fromSubscription(key, region) connects to (TranslationConnectionFactory).
  return new URL(`wss://${region}.stt.speech.microsoft.com${V2_PATH}`);
}

function resolveVoice(voice: string | undefined, spokenLanguage: string, fail: (m: string) => never): string {
  if (voice === undefined) {
    const fallback = defaultNeuralVoice(spokenLanguage);
    if (!fallback) fail(`no default voice is known for "${spokenLanguage}": set \`voice\` to "personal-voice" or a neural voice name`);
    return fallback as string;
  }
  if (voice === PERSONAL_VOICE) return voice;
  // The same check the profile validator runs (src/common), so a voice a profile accepts is never refused here.
  const check = checkNeuralVoice(voice, spokenLanguage);
  if (check.ok) return voice;
  if (check.reason === 'not-a-voice-name') {
    return fail(`voice "${voice}" is neither "personal-voice" nor a neural voice name such as "fr-FR-DeniseNeural" or "sr-Latn-RS-SophieNeural"`);
  }
  if (check.reason === 'no-voices') return fail(`Azure has no neural voice for "${spokenLanguage}": use personal-voice, or a text-only session (spokenLanguage: null)`);
  return fail(`voice "${voice}" speaks ${check.locale ?? 'another language'}, not the spoken language "${spokenLanguage}": pick a ${spokenLanguage} voice or change spokenLanguage`);
}
