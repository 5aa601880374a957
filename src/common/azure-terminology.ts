/**
 * Azure's limits on terminology and phrase timing, shared by the plugin (which refuses them at
 * construction) and the profile checks (which refuse them at file:line:col). Data and small pure
 * functions only.
 */

export type SegmentationStrategy = 'default' | 'time' | 'semantic';

/**
 * Phrases one list may hold: improve-accuracy-phrase-list (learn.microsoft.com, the current page,
 * which also lists LLM Speech) says a phrase list "can't contain more than 2,000 phrases" and that
 * long lists cost quality and latency; the older text of the same page (MicrosoftDocs/azure-ai-docs,
 * ms.date 10/21/2025) said it "shouldn't have more than 500".
 */
export const MAX_PHRASES = 2000;
/** improve-accuracy-phrase-list, "Phrase list weight": 0.0 disables the list, 1.0 default, 2.0 maximum (also PhraseListGrammar.setWeight). */
export const PHRASE_WEIGHT_RANGE = { min: 0, max: 2 } as const;
/** how-to-recognize-speech (C# include), "Change how silence is handled": "integer values between 100 and 5000, in milliseconds, with 500 a typical default". */
export const SEGMENTATION_SILENCE_RANGE_MS = { min: 100, max: 5000, typical: 500 } as const;
/** PropertyId.Speech_SegmentationMaximumTimeMs (Speech SDK 1.52 doc comment): "Valid range: 20,000 to 70,000 milliseconds". */
export const MAX_PHRASE_RANGE_S = { min: 20, max: 70 } as const;

/**
 * A Custom Translator category id "is created by concatenating the WorkspaceID, project label, and
 * category code" (translator/custom-translator/how-to/translate-with-custom-model, example
 * `a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH`); `general`, the Translator's default category, is
 * accepted too.
 */
export const CATEGORY_PATTERN = /^(general|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(-[A-Za-z0-9_]+)+)$/;
export const CATEGORY_EXAMPLE = 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH';

/** Which of silence and maximum a strategy takes; undefined when the combination is one Azure accepts. */
export function segmentationProblem(
  strategy: SegmentationStrategy | undefined,
  silenceMs: number | undefined,
  maxPhraseSeconds: number | undefined,
): { field: 'strategy' | 'silenceMs' | 'maxPhraseSeconds'; message: string } | undefined {
  if (strategy === 'semantic' && (silenceMs !== undefined || maxPhraseSeconds !== undefined)) {
    // PropertyId.Speech_SegmentationStrategy: Semantic has "No adjustable parameters"; and the SDK would
    // quietly turn the mode into Custom once a silence or maximum is set (setSpeechSegmentationTimeoutJson).
    return {
      field: silenceMs !== undefined ? 'silenceMs' : 'maxPhraseSeconds',
      message: 'the semantic strategy takes no silenceMs or maxPhraseSeconds: the service ends phrases at sentence ends; remove them, or use the time strategy',
    };
  }
  if (maxPhraseSeconds !== undefined && strategy !== 'time') {
    return { field: 'maxPhraseSeconds', message: "maxPhraseSeconds applies only with the time strategy (Speech_SegmentationMaximumTimeMs is the Time strategy's maximum)" };
  }
  if (strategy === 'time' && maxPhraseSeconds === undefined) {
    return { field: 'strategy', message: 'the time strategy needs maxPhraseSeconds (20 to 70): it "requires Speech_SegmentationMaximumTimeMs" (PropertyId.Speech_SegmentationStrategy)' };
  }
  return undefined;
}

/** Distinct phrases, trimmed, in first-seen order (case-insensitive: a repeat only spends the cap). */
export function distinctPhrases(...lists: readonly (readonly string[] | undefined)[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const list of lists) {
    for (const phrase of list ?? []) {
      const text = phrase.trim();
      const key = text.toLowerCase();
      if (text === '' || seen.has(key)) continue;
      seen.add(key);
      out.push(text);
    }
  }
  return out;
}
