/**
 * Terminology and phrase timing for a session: a phrase list with its weight, a Custom Translator
 * category, and how the service ends a phrase (segmentation). Checked here against Azure's documented
 * limits, then handed to the Speech SDK through its own APIs, so `speech.context` carries exactly what
 * the SDK writes for them:
 * - `PhraseListGrammar` -> `dgi: { groups: [{ type: "Generic", items: [{ text }] }], bias: weight }`
 *   (SDK 1.52 `common.speech/DynamicGrammarBuilder.js` generateGrammarObject; `SpeechContext.toJSON`
 *   rebuilds `dgi` for every `speech.context` it sends);
 * - `SpeechServiceConnection_TranslationCategoryId` -> `translation.category`
 *   (`ServiceRecognizerBase.setTranslationJson`);
 * - `Speech_SegmentationStrategy` / `_SilenceTimeoutMs` / `_MaximumTimeMs` ->
 *   `phraseDetection.conversation.segmentation: { mode, segmentationSilenceTimeoutMs, segmentationForcedTimeoutMs }`
 *   (`ServiceRecognizerBase.setSpeechSegmentationTimeoutJson`; the silence also goes in the URL as
 *   `segmentationSilenceTimeoutMs`, `ConnectionFactoryBase.setCommonUrlParams`).
 *
 * The phrase list is fixed for a session's life. The SDK would take a change on a running recognizer
 * only "at the start of the next recognition, or the next time the SpeechSDK must reconnect"
 * (`sdk/PhraseListGrammar.js`): in continuous recognition that is the next turn the service opens
 * or the next dropped connection, minutes away or never. A new session applies a new list at once.
 */
import { PhraseListGrammar, PropertyId, type SpeechTranslationConfig, type TranslationRecognizer } from 'microsoft-cognitiveservices-speech-sdk';
import {
  CATEGORY_EXAMPLE,
  CATEGORY_PATTERN,
  MAX_PHRASE_RANGE_S,
  MAX_PHRASES,
  PHRASE_WEIGHT_RANGE,
  SEGMENTATION_SILENCE_RANGE_MS,
  distinctPhrases,
  segmentationProblem,
  type SegmentationStrategy,
} from '../common/azure-terminology.ts';

export { MAX_PHRASES, type SegmentationStrategy };

export interface SegmentationOptions {
  /** `default` (the service's own), `time` (silence plus a maximum phrase length) or `semantic` (ends phrases at sentence ends). */
  strategy?: SegmentationStrategy;
  /** Silence that ends a phrase, 100-5000 ms. Sooner translations, but choppier; not with `semantic`. */
  silenceMs?: number;
  /** With `time` (required there): the longest phrase, 20-70 s. */
  maxPhraseSeconds?: number;
}

export interface ResolvedSegmentation {
  strategy: SegmentationStrategy | undefined;
  silenceMs: number | undefined;
  maxPhraseMs: number | undefined;
}

export interface ResolvedTerminology {
  /** Empty: no phrase list is sent. */
  phrases: string[];
  phraseWeight: number | undefined;
  translatorCategory: string | undefined;
  segmentation: ResolvedSegmentation | undefined;
}

export interface TerminologyInput {
  phrases?: string[];
  phraseWeight?: number;
  translatorCategory?: string;
  segmentation?: SegmentationOptions;
}

/** Checks the terminology options; `fail` throws with the plugin's own error type. */
export function resolveTerminology(options: TerminologyInput, fail: (message: string) => never): ResolvedTerminology {
  const phrases = resolvePhrases(options.phrases, fail);
  const weight = options.phraseWeight;
  if (weight !== undefined) {
    if (typeof weight !== 'number' || !(weight >= PHRASE_WEIGHT_RANGE.min && weight <= PHRASE_WEIGHT_RANGE.max)) {
      fail(`phraseWeight ${String(weight)} is outside Azure's range 0 to 2 (0 disables the list, 1 is the default, 2 the strongest)`);
    }
    if (phrases.length === 0) fail('`phraseWeight` is set but there are no `phrases`: the weight applies to a phrase list');
  }
  const category = options.translatorCategory;
  if (category !== undefined && (typeof category !== 'string' || !CATEGORY_PATTERN.test(category))) {
    fail(
      `translatorCategory ${JSON.stringify(category)} cannot be a Custom Translator category id: it is the workspace id, ` +
        `project label and category code joined by dashes, e.g. ${CATEGORY_EXAMPLE} (see Custom Translator, "Publish")`,
    );
  }
  return {
    phrases,
    phraseWeight: weight,
    translatorCategory: category,
    segmentation: options.segmentation === undefined ? undefined : resolveSegmentation(options.segmentation, fail),
  };
}

function resolvePhrases(phrases: string[] | undefined, fail: (message: string) => never): string[] {
  if (phrases === undefined) return [];
  if (!Array.isArray(phrases)) fail('`phrases` must be a list of words or phrases, e.g. ["Contoso", "Rehaan"]');
  phrases.forEach((phrase, index) => {
    if (typeof phrase !== 'string' || phrase.trim() === '') fail(`phrases[${index}] is ${JSON.stringify(phrase)}: each phrase is a non-empty word or phrase`);
  });
  const out = distinctPhrases(phrases);
  if (out.length > MAX_PHRASES) {
    fail(`${out.length} phrases: Azure takes at most ${MAX_PHRASES} in one phrase list (improve-accuracy-phrase-list); for more, train a Custom Speech model`);
  }
  return out;
}

function resolveSegmentation(segmentation: SegmentationOptions, fail: (message: string) => never): ResolvedSegmentation {
  if (typeof segmentation !== 'object' || segmentation === null) fail('`segmentation` must be { strategy?, silenceMs?, maxPhraseSeconds? }');
  const { strategy, silenceMs, maxPhraseSeconds } = segmentation;
  if (strategy !== undefined && !['default', 'time', 'semantic'].includes(strategy)) {
    fail(`segmentation.strategy "${String(strategy)}" is not one of default, time, semantic`);
  }
  if (silenceMs !== undefined) {
    const { min, max } = SEGMENTATION_SILENCE_RANGE_MS;
    if (!Number.isInteger(silenceMs) || silenceMs < min || silenceMs > max) {
      fail(`segmentation.silenceMs ${String(silenceMs)} is outside Azure's range: a whole number of milliseconds from ${min} to ${max} (500 is typical)`);
    }
  }
  if (maxPhraseSeconds !== undefined) {
    const { min, max } = MAX_PHRASE_RANGE_S;
    if (typeof maxPhraseSeconds !== 'number' || !(maxPhraseSeconds >= min && maxPhraseSeconds <= max)) {
      fail(`segmentation.maxPhraseSeconds ${String(maxPhraseSeconds)} is outside Azure's range of ${min} to ${max} seconds`);
    }
  }
  const problem = segmentationProblem(strategy, silenceMs, maxPhraseSeconds);
  if (problem) fail(`segmentation: ${problem.message}`);
  // The maximum works only with a silence timeout set (PropertyId.Speech_SegmentationMaximumTimeMs):
  // without one given, the documented typical default.
  const silence = strategy === 'time' ? (silenceMs ?? SEGMENTATION_SILENCE_RANGE_MS.typical) : silenceMs;
  return { strategy, silenceMs: silence, maxPhraseMs: maxPhraseSeconds === undefined ? undefined : Math.round(maxPhraseSeconds * 1000) };
}

const STRATEGY_VALUE: Record<SegmentationStrategy, string> = { default: 'Default', time: 'Time', semantic: 'Semantic' };

/** Sets the category and segmentation properties on a config before the recognizer is built from it. */
export function applyToConfig(terminology: ResolvedTerminology, config: SpeechTranslationConfig): void {
  if (terminology.translatorCategory !== undefined) config.setProperty(PropertyId.SpeechServiceConnection_TranslationCategoryId, terminology.translatorCategory);
  const segmentation = terminology.segmentation;
  if (!segmentation) return;
  if (segmentation.strategy !== undefined) config.setProperty(PropertyId.Speech_SegmentationStrategy, STRATEGY_VALUE[segmentation.strategy]);
  if (segmentation.silenceMs !== undefined) config.setProperty(PropertyId.Speech_SegmentationSilenceTimeoutMs, String(segmentation.silenceMs));
  if (segmentation.maxPhraseMs !== undefined) config.setProperty(PropertyId.Speech_SegmentationMaximumTimeMs, String(segmentation.maxPhraseMs));
}

/** Gives the recognizer its phrase list (before it starts, so the first `speech.context` carries it). */
export function applyToRecognizer(terminology: ResolvedTerminology, recognizer: TranslationRecognizer): void {
  if (terminology.phrases.length === 0) return;
  const list = PhraseListGrammar.fromRecognizer(recognizer);
  list.addPhrases(terminology.phrases);
  if (terminology.phraseWeight !== undefined) list.setWeight(terminology.phraseWeight);
}
