/**
 * Service results and finished utterances turned into the plugin's payloads.
 */
import type { TranslationRecognitionResult } from 'microsoft-cognitiveservices-speech-sdk';
import { SERVICE_SAMPLE_RATE } from './audio-input.ts';
import type { LiveInterpreterMetrics, TranslationEvent } from './events.ts';
import type { PendingGeneration } from './pending-generations.ts';

/** Results count time in 100-ns ticks. */
export const TICKS_PER_SAMPLE = 10_000_000 / SERVICE_SAMPLE_RATE;

export function samplesToMs(samples: number): number {
  return (samples * 1000) / SERVICE_SAMPLE_RATE;
}

/** Text per requested target, keyed by the code as the user wrote it (the service may change its case). */
export function translationsOf(result: TranslationRecognitionResult, targets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const map = result.translations;
  if (!map) return out;
  const available = map.languages ?? [];
  for (const target of targets) {
    let text = map.get(target, '');
    if (!text) {
      const key = available.find((l) => l.toLowerCase() === target.toLowerCase());
      if (key) text = map.get(key, '');
    }
    if (text) out[target] = text;
  }
  return out;
}

/** `recognizerBase`: the session sample the recognizer's offset 0 stands for. */
export function translationEvent(
  itemId: string,
  isFinal: boolean,
  result: TranslationRecognitionResult,
  translations: Record<string, string>,
  recognizerBase: number,
): TranslationEvent {
  return {
    itemId,
    isFinal,
    sourceLanguage: result.language || undefined,
    transcript: result.text ?? '',
    translations,
    offsetMs: Math.round(samplesToMs(recognizerBase + result.offset / TICKS_PER_SAMPLE)),
    durationMs: Math.round(result.duration / 10_000),
  };
}

export interface MetricsContext {
  label: string;
  modelName: string;
  modelProvider: string;
  droppedAudioMs: number;
}

export function utteranceMetrics(pending: PendingGeneration, context: MetricsContext): LiveInterpreterMetrics {
  const generation = pending.generation;
  const sinceSpeechEnd = (t: number | undefined): number =>
    t === undefined || pending.speechEndedAt === undefined ? -1 : Math.max(0, Math.round(t - pending.speechEndedAt));
  const audioLatencyMs = sinceSpeechEnd(generation?.firstAudioAt);
  return {
    type: 'realtime_model_metrics',
    label: context.label,
    requestId: generation?.responseId ?? pending.itemId,
    timestamp: pending.createdAt,
    durationMs: Math.round(performance.now() - pending.createdPerf),
    ttftMs: audioLatencyMs,
    // Cut off by a dropped connection or the stall timer: the service never finished this one.
    cancelled: pending.cutOff !== undefined,
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    tokensPerSecond: 0,
    inputTokenDetails: { audioTokens: 0, textTokens: 0, imageTokens: 0, cachedTokens: 0 },
    outputTokenDetails: { textTokens: 0, audioTokens: 0, imageTokens: 0 },
    metadata: { modelName: context.modelName, modelProvider: context.modelProvider },
    translationLatencyMs: sinceSpeechEnd(pending.createdPerf),
    audioLatencyMs,
    synthesizedAudioMs: generation ? Math.round((generation.synthesizedSamples * 1000) / generation.outputRate) : 0,
    sourceLanguage: pending.sourceLanguage,
    droppedAudioMs: context.droppedAudioMs,
  };
}
