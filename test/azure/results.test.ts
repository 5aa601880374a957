import { ResultReason, TranslationRecognitionResult, Translations } from 'microsoft-cognitiveservices-speech-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import type { PendingGeneration } from '../../src/azure/pending-generations.ts';
import { samplesToMs, TICKS_PER_SAMPLE, translationEvent, translationsOf, utteranceMetrics } from '../../src/azure/results.ts';

function result(texts: Record<string, string>, fields: { text?: string; offset?: number; duration?: number; language?: string } = {}): TranslationRecognitionResult {
  const translations = new Translations();
  for (const [language, text] of Object.entries(texts)) translations.set(language, text);
  return new TranslationRecognitionResult(translations, 'id', ResultReason.TranslatedSpeech, fields.text, fields.duration ?? 0, fields.offset ?? 0, fields.language);
}

const context = { label: 'azure.LiveInterpreter', modelName: 'live-interpreter', modelProvider: 'azure', droppedAudioMs: 7 };

function pending(fields: Partial<PendingGeneration> = {}): PendingGeneration {
  return { generation: undefined, itemId: 'item_1', createdAt: 1_700_000_000_000, createdPerf: 1000, speechEndedAt: undefined, sourceLanguage: 'de', ...fields };
}

describe('translation results', () => {
  it('keys each translation by the target code as the user wrote it, whatever case the service uses', () => {
    const out = translationsOf(result({ 'fr-FR': 'bonjour', es: 'hola' }), ['fr-fr', 'es', 'it']);
    expect(out).toEqual({ 'fr-fr': 'bonjour', es: 'hola' });
  });

  it('leaves out targets the service returned empty text for', () => {
    expect(translationsOf(result({ fr: '', de: 'hallo' }), ['fr', 'de'])).toEqual({ de: 'hallo' });
    expect(translationsOf(result({}), ['fr'])).toEqual({});
  });

  it('places an event on the session timeline: the recognizer base plus the result offset', () => {
    // 1 s into this recognizer (10^7 ticks), whose offset 0 is 16000 samples (1 s) into the session.
    const event = translationEvent('item_1', true, result({ fr: 'bonjour' }, { text: 'hello', offset: 10_000_000, duration: 12_345_678, language: 'en-US' }), { fr: 'bonjour' }, 16000);
    expect(event).toEqual({ itemId: 'item_1', isFinal: true, sourceLanguage: 'en-US', transcript: 'hello', translations: { fr: 'bonjour' }, offsetMs: 2000, durationMs: 1235 });
  });

  it('gives no source language and an empty transcript when the service reported none', () => {
    const event = translationEvent('item_2', false, result({}, { language: '' }), {}, 0);
    expect(event.sourceLanguage).toBeUndefined();
    expect(event.transcript).toBe('');
    expect(event.isFinal).toBe(false);
  });

  it('converts between samples, ticks and milliseconds at 16 kHz', () => {
    expect(TICKS_PER_SAMPLE).toBe(625);
    expect(samplesToMs(16000)).toBe(1000);
    expect(samplesToMs(8)).toBe(0.5);
  });
});

describe('utterance metrics', () => {
  it('dates both latencies from the end of speech and reports the synthesized audio', () => {
    const generation = new UtteranceGeneration('item_1', 24000);
    generation.firstAudioAt = 1450.4;
    generation.synthesizedSamples = 36000;
    const m = utteranceMetrics(pending({ generation, speechEndedAt: 800, createdPerf: 1100 }), context);
    expect(m).toMatchObject({
      type: 'realtime_model_metrics',
      label: 'azure.LiveInterpreter',
      requestId: generation.responseId,
      timestamp: 1_700_000_000_000,
      translationLatencyMs: 300,
      audioLatencyMs: 650,
      ttftMs: 650,
      synthesizedAudioMs: 1500,
      sourceLanguage: 'de',
      droppedAudioMs: 7,
      cancelled: false,
      metadata: { modelName: 'live-interpreter', modelProvider: 'azure' },
    });
    expect(m.totalTokens).toBe(0);
  });

  it('reports -1 for latencies it cannot date, and never a negative latency', () => {
    const undated = utteranceMetrics(pending(), context);
    expect(undated.translationLatencyMs).toBe(-1);
    expect(undated.audioLatencyMs).toBe(-1);
    expect(undated.synthesizedAudioMs).toBe(0);
    // Without a generation the request id is the utterance's item id.
    expect(undated.requestId).toBe('item_1');
    const generation = new UtteranceGeneration('item_1', 24000);
    const silent = utteranceMetrics(pending({ generation, speechEndedAt: 900, createdPerf: 850 }), context);
    expect(silent.audioLatencyMs).toBe(-1);
    // A final that arrived before the last pushed sample was dated (clock skew between the two) counts as 0.
    expect(silent.translationLatencyMs).toBe(0);
  });

  it('marks an utterance whose audio was cut off as cancelled', () => {
    expect(utteranceMetrics(pending({ cutOff: 'stall' }), context).cancelled).toBe(true);
    expect(utteranceMetrics(pending({ cutOff: 'connection' }), context).cancelled).toBe(true);
  });

  it('measures the duration from the final translation to now', () => {
    const m = utteranceMetrics(pending({ createdPerf: performance.now() - 5000 }), context);
    expect(m.durationMs).toBeGreaterThanOrEqual(5000);
  });
});

describe('translation results: edges', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A result of the SDK's shape whose translations map is given as is. */
  function shaped(translations: unknown): TranslationRecognitionResult {
    return { translations } as unknown as TranslationRecognitionResult;
  }

  it('gives no translations when the result carries no map, or a map that lists no languages', () => {
    expect(translationsOf(shaped(undefined), ['fr'])).toEqual({});
    const exactOnly = { get: (language: string, fallback: string) => (language === 'fr' ? 'salut' : fallback) };
    expect(translationsOf(shaped(exactOnly), ['fr', 'FR-ca'])).toEqual({ fr: 'salut' });
  });

  it('prefers the exact code, and falls back to another case only when the exact one has no text', () => {
    expect(translationsOf(result({ FR: 'other case', fr: 'exact' }), ['fr'])).toEqual({ fr: 'exact' });
    expect(translationsOf(result({ 'fr-CA': 'canadien', FR: 'other case' }), ['fr'])).toEqual({ fr: 'other case' });
    expect(translationsOf(result({ 'fr-CA': 'canadien' }), ['fr'])).toEqual({});
    expect(translationsOf(result({ 'zh-Hans': '你好' }), ['ZH-HANS', 'zh'])).toEqual({ 'ZH-HANS': '你好' });
    expect(translationsOf(result({ de: 'hallo' }), [])).toEqual({});
  });

  it('rounds the offset and duration to whole milliseconds on the session timeline', () => {
    // 16 samples (1 ms) of base, 5 ms + 0.6 ms of offset; 2.49 ms of duration.
    const late = translationEvent('i', true, result({}, { offset: 56_000, duration: 24_900 }), {}, 16);
    expect([late.offsetMs, late.durationMs]).toEqual([7, 2]);
    const early = translationEvent('i', true, result({}, { offset: 54_000, duration: 25_000 }), {}, 16);
    expect([early.offsetMs, early.durationMs]).toEqual([6, 3]);
    const none = translationEvent('i', false, result({}, { text: 'x' }), {}, 0);
    expect([none.offsetMs, none.durationMs, none.transcript]).toEqual([0, 0, 'x']);
  });
});

describe('utterance metrics: every field', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports the whole framework payload, tokens zero, the duration to now', () => {
    vi.spyOn(performance, 'now').mockReturnValue(4321.6);
    const generation = new UtteranceGeneration('item_9', 24000);
    generation.firstAudioAt = 1500.5;
    generation.synthesizedSamples = 1000;
    const m = utteranceMetrics(pending({ generation, speechEndedAt: 1000.2, createdPerf: 1200.9, sourceLanguage: undefined }), context);
    expect(m).toEqual({
      type: 'realtime_model_metrics',
      label: 'azure.LiveInterpreter',
      requestId: generation.responseId,
      timestamp: 1_700_000_000_000,
      durationMs: 3121,
      ttftMs: 500,
      cancelled: false,
      inputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      tokensPerSecond: 0,
      inputTokenDetails: { audioTokens: 0, textTokens: 0, imageTokens: 0, cachedTokens: 0 },
      outputTokenDetails: { textTokens: 0, audioTokens: 0, imageTokens: 0 },
      metadata: { modelName: 'live-interpreter', modelProvider: 'azure' },
      translationLatencyMs: 201,
      audioLatencyMs: 500,
      // 1000 samples at 24 kHz: 41.67 ms.
      synthesizedAudioMs: 42,
      sourceLanguage: undefined,
      droppedAudioMs: 7,
    });
  });

  it('cannot date audio without the end of speech, even when the audio came', () => {
    const generation = new UtteranceGeneration('item_1', 16000);
    generation.firstAudioAt = 2000;
    const m = utteranceMetrics(pending({ generation, speechEndedAt: undefined }), context);
    expect([m.audioLatencyMs, m.ttftMs, m.translationLatencyMs]).toEqual([-1, -1, -1]);
    // Audio that started exactly at the end of speech is 0 ms late.
    const on = utteranceMetrics(pending({ generation, speechEndedAt: 2000, createdPerf: 2000 }), context);
    expect([on.audioLatencyMs, on.translationLatencyMs]).toEqual([0, 0]);
  });
});
