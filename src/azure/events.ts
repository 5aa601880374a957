/** Payloads this plugin adds to the framework's realtime events. */
import type { metrics } from '@livekit/agents';

/** Emitted as `translation` for every interim and final result of an utterance. */
export interface TranslationEvent {
  /** Same id as the utterance's `input_audio_transcription_completed` events. */
  itemId: string;
  isFinal: boolean;
  /** Detected source language as the service reports it (a bare code such as `de` with open range). */
  sourceLanguage?: string;
  /** Source-language transcript (accumulated for interim results). */
  transcript: string;
  /** Text per target language, keyed by the codes given in `targetLanguages`. */
  translations: Record<string, string>;
  /** Start of the utterance in the session's input audio, in ms since the first pushed sample. */
  offsetMs: number;
  durationMs: number;
}

/**
 * `metrics_collected` payload, one per utterance: the framework's RealtimeModelMetrics (tokens are
 * zero: the service bills audio time, not tokens) plus the two latencies an interpreter is judged by.
 * "End of speech" is when the last sample of the utterance (offset + duration) was pushed.
 */
export interface LiveInterpreterMetrics extends metrics.RealtimeModelMetrics {
  /** End of speech -> final translation received. -1 if it could not be dated. */
  translationLatencyMs: number;
  /** End of speech -> first synthesized AudioFrame readable (= ttftMs). -1 without audio. */
  audioLatencyMs: number;
  /** Synthesized audio produced for the utterance, in ms. */
  synthesizedAudioMs: number;
  sourceLanguage?: string;
  /** Input audio lost so far because a reconnect outlasted `maxBufferedAudioMs`. */
  droppedAudioMs: number;
}

/** Fields of `LiveInterpreterSession.stats`, for operators and tests. */
export interface LiveInterpreterStats {
  /** Recognizers created after the first one, because the SDK gave up on a connection. */
  recognizerRestarts: number;
  /** Input audio lost because a reconnect outlasted `maxBufferedAudioMs`. */
  droppedAudioMs: number;
  /** Input audio held for replay right now. */
  bufferedAudioMs: number;
  /** Input audio pushed since the session began. */
  pushedAudioMs: number;
}
