/**
 * The plugin's public options and their resolution: environment defaults, and every missing or
 * contradictory setting rejected at construction with a message that names what to set.
 */
import { defaultNeuralVoice, findTargetLanguage } from '../common/azure-languages.ts';

export type ProfanityMode = 'masked' | 'removed' | 'raw';

export interface ReconnectOptions {
  /** Recognizers recreated in a row without a successful connection before giving up. Default 6. */
  maxAttempts?: number;
  /** First back-off delay; doubles per attempt, with jitter. Default 250 ms. */
  initialDelayMs?: number;
  /** Ceiling of the back-off delay. Default 10 000 ms. */
  maxDelayMs?: number;
}

export interface LiveInterpreterOptions {
  /** Speech resource key. Default: env `AZURE_SPEECH_KEY`. */
  key?: string;
  /** Speech resource region (e.g. `westeurope`). Default: env `AZURE_SPEECH_REGION`. */
  region?: string;
  /** Full WebSocket endpoint. Default: env `AZURE_SPEECH_ENDPOINT`, else the region's V2 endpoint. */
  endpoint?: string | URL;
  /** Text translation targets (`fr`, `de`, `zh-Hans`). At least one. */
  targetLanguages: string[];
  /** `auto` = open-range, continuous language identification; or a list of candidate locales. */
  sourceLanguages?: 'auto' | string[];
  /** The one target synthesized as speech. Default `targetLanguages[0]`; `null` = text only. */
  spokenLanguage?: string | null;
  /** `personal-voice` or a neural voice name (`fr-FR-DeniseNeural`). Default: the catalog's voice. */
  voice?: string;
  /** Sample rate of the AudioFrames this plugin produces. Default 24000. */
  sampleRate?: 16000 | 24000;
  profanity?: ProfanityMode;
  reconnect?: ReconnectOptions;
  /** Input audio kept while the recognizer is being recreated. Default 30 000 ms. */
  maxBufferedAudioMs?: number;
}

export interface ResolvedReconnect {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface ResolvedOptions {
  key: string;
  endpoint: URL;
  targetLanguages: string[];
  sourceLanguages: 'auto' | string[];
  spokenLanguage: string | null;
  /** Undefined exactly when `spokenLanguage` is null. */
  voice: string | undefined;
  sampleRate: 16000 | 24000;
  profanity: ProfanityMode | undefined;
  reconnect: ResolvedReconnect;
  maxBufferedAudioMs: number;
}

export class LiveInterpreterOptionsError extends Error {
  override name = 'LiveInterpreterOptionsError';
}

export const PERSONAL_VOICE = 'personal-voice';

/** Azure neural voice names start with their locale: `fr-FR-DeniseNeural`, `zh-CN-henan-YundengNeural`. */
const VOICE_LOCALE = /^([a-z]{2,3})-([A-Za-z]{2,4})-\w/;

export function resolveOptions(options: LiveInterpreterOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  const fail = (message: string): never => {
    throw new LiveInterpreterOptionsError(`LiveInterpreterModel: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options are required ({ targetLanguages: [...] })');

  const key = options.key ?? env.AZURE_SPEECH_KEY;
  if (!key) fail('no Speech key: pass `key` or set AZURE_SPEECH_KEY');

  const endpoint = resolveEndpoint(options, env, fail);

  const targets = options.targetLanguages;
  if (!Array.isArray(targets) || targets.length === 0) {
    fail('`targetLanguages` is empty: give at least one language code, e.g. ["fr"]');
  }
  for (const target of targets) {
    if (typeof target !== 'string' || !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(target)) {
      fail(`target language ${JSON.stringify(target)} is not a language code such as "fr" or "zh-Hans"`);
    }
  }
  const lowerTargets = targets.map((t) => t.toLowerCase());
  if (new Set(lowerTargets).size !== targets.length) fail('`targetLanguages` lists a language twice');

  const sourceLanguages = options.sourceLanguages ?? 'auto';
  if (sourceLanguages !== 'auto') {
    if (!Array.isArray(sourceLanguages) || sourceLanguages.length === 0) {
      fail('`sourceLanguages` must be "auto" or a non-empty list of locales such as ["en-US", "de-DE"]');
    }
    for (const locale of sourceLanguages) {
      if (typeof locale !== 'string' || !/^[a-z]{2,3}-[A-Za-z0-9]{2,8}/.test(locale)) {
        fail(`source language ${JSON.stringify(locale)} is not a locale such as "en-US"`);
      }
    }
  }

  const spokenLanguage = options.spokenLanguage === undefined ? (targets[0] ?? null) : options.spokenLanguage;
  if (spokenLanguage !== null && !lowerTargets.includes(spokenLanguage.toLowerCase())) {
    fail(`spokenLanguage "${spokenLanguage}" is not among targetLanguages [${targets.join(', ')}]: add it there or pick one of them`);
  }
  if (spokenLanguage === null && options.voice !== undefined) {
    fail('`voice` is set but spokenLanguage is null (a text-only session): remove `voice` or set `spokenLanguage`');
  }
  const voice = spokenLanguage === null ? undefined : resolveVoice(options.voice, spokenLanguage, fail);

  const sampleRate = options.sampleRate ?? 24000;
  if (sampleRate !== 16000 && sampleRate !== 24000) fail(`sampleRate ${String(sampleRate)} is not supported: use 16000 or 24000`);

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

  return {
    key: key as string,
    endpoint,
    targetLanguages: [...targets],
    sourceLanguages: sourceLanguages === 'auto' ? 'auto' : [...sourceLanguages],
    spokenLanguage,
    voice,
    sampleRate,
    profanity,
    reconnect,
    maxBufferedAudioMs,
  };
}

function resolveEndpoint(options: LiveInterpreterOptions, env: NodeJS.ProcessEnv, fail: (m: string) => never): URL {
  const configured = options.endpoint ?? env.AZURE_SPEECH_ENDPOINT;
  if (configured !== undefined && configured !== '') {
    let url: URL;
    try {
      url = configured instanceof URL ? new URL(configured.href) : new URL(configured);
    } catch {
      return fail(`endpoint ${JSON.stringify(String(configured))} is not a URL; expected e.g. wss://westeurope.stt.speech.microsoft.com/speech/universal/v2`);
    }
    if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) fail(`endpoint ${url.href} must be a ws://, wss://, http:// or https:// URL`);
    // A root path makes the SDK probe https://host:443 for a redirect (notes: azure-speech 2.6).
    if (url.pathname === '' || url.pathname === '/') fail(`endpoint ${url.href} needs a path, e.g. ${url.origin}/speech/universal/v2`);
    return url;
  }
  const region = options.region ?? env.AZURE_SPEECH_REGION;
  if (!region) fail('no region or endpoint: pass `region` (or set AZURE_SPEECH_REGION), or pass `endpoint` (AZURE_SPEECH_ENDPOINT)');
  if (!/^[a-z0-9]+$/.test(region as string)) fail(`region "${region}" is not an Azure region name such as "westeurope"`);
  return new URL(`wss://${region}.stt.speech.microsoft.com/speech/universal/v2`);
}

function resolveVoice(voice: string | undefined, spokenLanguage: string, fail: (m: string) => never): string {
  if (voice === undefined) {
    const fallback = defaultNeuralVoice(spokenLanguage);
    if (!fallback) fail(`no default voice is known for "${spokenLanguage}": set \`voice\` to "personal-voice" or a neural voice name`);
    return fallback as string;
  }
  if (voice === PERSONAL_VOICE) return voice;
  const match = VOICE_LOCALE.exec(voice);
  if (!match || !voice.endsWith('Neural')) {
    fail(`voice "${voice}" is neither "personal-voice" nor a neural voice name such as "fr-FR-DeniseNeural"`);
  }
  const locale = `${match?.[1]}-${match?.[2]}`.toLowerCase();
  if (!voiceFitsLanguage(locale, spokenLanguage)) {
    fail(`voice "${voice}" speaks ${locale}, not the spoken language "${spokenLanguage}": pick a ${spokenLanguage} voice or change spokenLanguage`);
  }
  return voice;
}

/** A voice fits when the catalog lists its locale for the language, or (uncatalogued) the base language agrees. */
function voiceFitsLanguage(voiceLocale: string, language: string): boolean {
  const catalogued = findTargetLanguage(language)?.voiceLocales;
  if (catalogued && catalogued.length > 0) return catalogued.some((l) => l.toLowerCase() === voiceLocale);
  return voiceLocale.split('-')[0] === language.toLowerCase().split('-')[0];
}
