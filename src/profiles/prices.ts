/**
 * Azure prices and the assumptions behind cost estimates: the ONE place they are kept.
 *
 * Sources (list prices, USD, pay-as-you-go, as read 2026-11; check your agreement and region):
 * - Speech translation: "The speech translation list price is $2.50 per hour, covering up to 2
 *   target languages" (learn.microsoft.com/azure/ai-services/speech-service/speech-translation,
 *   "Pricing note"). Languages beyond the second are billed as Translator text characters, and
 *   interim results count too.
 * - Translator text, standard translation: $10 per million characters
 *   (azure.microsoft.com/pricing/details/cognitive-services/translator/).
 * - Live Interpreter / personal voice synthesis: no list price was published in the material we
 *   could read; estimates do not include a surcharge for them.
 */
export const PRICES = {
  /** USD per hour of audio sent to one speech translation recognizer. */
  speechTranslationPerHour: 2.5,
  /** Target languages included in `speechTranslationPerHour`. */
  includedTargetLanguages: 2,
  /** USD per million characters of Translator text, for each language beyond the included ones. */
  translatorPerMillionCharacters: 10,
} as const;

export const COST_ASSUMPTIONS = {
  /**
   * Characters of translated text per target language per hour of speech: ~150 words/minute
   * x ~6 characters per word (with the space) x 60 minutes = 54 000, doubled because interim
   * results are billed too.
   */
  charactersPerTargetHour: 108_000,
  /**
   * Audio is billed for as long as it is streamed; the agent streams a speaker's microphone for
   * the whole meeting, so an hour of meeting is an hour of audio per speaker session. An upper bound.
   */
  streamedFractionOfMeeting: 1,
} as const;

/** USD per meeting hour for one recognizer translating into `targetLanguages` languages. */
export function recognizerCostPerHour(targetLanguages: number): number {
  const extra = Math.max(0, targetLanguages - PRICES.includedTargetLanguages);
  const audio = PRICES.speechTranslationPerHour * COST_ASSUMPTIONS.streamedFractionOfMeeting;
  const text = (extra * COST_ASSUMPTIONS.charactersPerTargetHour * PRICES.translatorPerMillionCharacters) / 1_000_000;
  return audio + text * COST_ASSUMPTIONS.streamedFractionOfMeeting;
}
