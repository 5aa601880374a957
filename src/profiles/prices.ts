/**
 * Azure prices and the assumptions behind cost estimates: the ONE place they are kept, and the
 * method is Microsoft's own (speech-translation.md, "Multiple target languages translation pricing",
 * MicrosoftDocs/azure-ai-docs, ms.date 2025-08-07):
 * - "The speech translation list price is $2.50 per hour, covering up to 2 target languages."
 * - Each target language beyond the second (possible only on an AI Foundry resource) is billed as
 *   Translator text: "$10 per million characters", times "a weighting coefficient of intermediate
 *   traffic" of 3 in their example, because interim results are translated too. Open-range
 *   (multilingual) translation has no interim results ("Intermediate translation results aren't
 *   available when you use multi-lingual speech translation", how-to-translate-speech), so the
 *   weighting applies only to sessions with candidate source languages.
 * The docs call their figures illustrative; check the pricing pages for your region and agreement:
 * azure.microsoft.com/pricing/details/cognitive-services/speech-services/ and .../translator/.
 * Live Interpreter and personal voice synthesis have no published surcharge in what we could read;
 * a third-party guide (Nov 2025) lists separate output-voice prices, unverified: not included.
 */
export const PRICES = {
  /** USD per hour of audio sent to one speech translation recognizer. */
  speechTranslationPerHour: 2.5,
  /** Target languages included in `speechTranslationPerHour`. */
  includedTargetLanguages: 2,
  /** USD per million characters of Translator text, for each language beyond the included ones. */
  translatorPerMillionCharacters: 10,
  /** Microsoft's example weighting for translated interim results (only where interim results exist). */
  interimResultsWeighting: 3,
} as const;

export const COST_ASSUMPTIONS = {
  /**
   * Characters of translated text per target language per hour of speech: ~150 words/minute
   * x ~6 characters per word (with the space) x 60 minutes. An upper bound: a meeting is not one
   * continuous monologue (Microsoft's example assumes 10 000 characters for an hour of audio).
   */
  charactersPerTargetHour: 54_000,
  /**
   * Audio is billed for as long as it is streamed; the agent streams a speaker's microphone for
   * the whole meeting, so an hour of meeting is an hour of audio per speaker session. An upper bound.
   */
  streamedFractionOfMeeting: 1,
  /**
   * With the speech gate, audio sent per second of speech: each phrase goes with its pre-roll
   * (300 ms), hangover (600 ms) and the silence that ends it (600 ms), less the pauses inside it.
   * Measured on the speech-in-noise fixture: 5.61 s sent for 4.55 s of speech (x1.23);
   * `npm run bench` measures it for a scripted meeting (bench/results/agent.json).
   */
  gatedAudioPerSpeechSecond: 1.25,
} as const;

/** Share of the meeting one speaker's sessions are streamed: all of it without the gate, their speech (and its margins) with it. */
export function streamedShare(gate: boolean, speakingShare: number): number {
  if (!gate) return COST_ASSUMPTIONS.streamedFractionOfMeeting;
  return Math.min(1, Math.max(0, speakingShare) * COST_ASSUMPTIONS.gatedAudioPerSpeechSecond);
}

export interface RecognizerCostInput {
  targetLanguages: number;
  /** The session gets interim results (candidate source languages; not open range). */
  interimResults: boolean;
  /** Share of the meeting hour audio is streamed (default: all of it). */
  streamed?: number;
}

/** USD per meeting hour for one recognizer, by Microsoft's method. */
export function recognizerCostPerHour({ targetLanguages, interimResults, streamed = COST_ASSUMPTIONS.streamedFractionOfMeeting }: RecognizerCostInput): number {
  const extra = Math.max(0, targetLanguages - PRICES.includedTargetLanguages);
  const weighting = interimResults ? PRICES.interimResultsWeighting : 1;
  const audio = PRICES.speechTranslationPerHour;
  const text = (extra * COST_ASSUMPTIONS.charactersPerTargetHour * PRICES.translatorPerMillionCharacters * weighting) / 1_000_000;
  // Translated text is kept at its upper bound (a full hour of words) with or without the gate.
  return audio * streamed + text;
}
