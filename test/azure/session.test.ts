/**
 * The plugin driving the real Speech SDK against the emulator over a loopback WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { FRAME_RECEIVED_AT_KEY, type LiveInterpreterSession } from '../../src/azure/index.ts';
import { TEST_KEY, concat, fixture, modelFor, peak, pushSpeech, record, silence, totalMs, until } from './harness.ts';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const english = concat(fixture('speech-en.wav'), silence(1500));
const german = concat(fixture('speech-de.wav'), silence(1500));

async function translateAll(session: LiveInterpreterSession, samples: Int16Array, sampleRate = 16000, channels = 1): Promise<void> {
  pushSpeech(session, samples, sampleRate, channels);
  await session.finishInput();
}

describe('LiveInterpreterSession against the emulator', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en' });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('turns one utterance into the full event sequence with translated text and audio', async () => {
    const model = modelFor(emulator.url);
    const session = model.session();
    const rec = record(session);
    await translateAll(session, english);
    await session.close();

    const names = rec.names.filter((n) => n !== 'transcript_interim' && n !== 'translation_interim');
    expect(names).toEqual([
      'input_speech_started',
      'transcript_final',
      'input_speech_stopped',
      'translation_final',
      'generation_created',
      'metrics_collected',
    ]);
    expect(rec.errors).toEqual([]);
    const final = rec.transcripts.at(-1);
    expect(final?.isFinal).toBe(true);
    expect(final?.transcript.length).toBeGreaterThan(0);
    // Interim transcripts (if any) share the final's item id and come before it.
    for (const t of rec.transcripts) expect(t.itemId).toBe(final?.itemId);

    const translation = rec.translations.at(-1);
    expect(translation).toMatchObject({ itemId: final?.itemId, isFinal: true, sourceLanguage: 'en' });
    expect(translation?.translations.fr?.length).toBeGreaterThan(0);
    expect(translation?.durationMs).toBeGreaterThan(0);

    expect(rec.generations).toHaveLength(1);
    const generation = await rec.generations[0];
    expect(generation?.userInitiated).toBe(false);
    expect(generation?.text).toBe(translation?.translations.fr);
    const frames = generation?.frames ?? [];
    expect(frames.length).toBeGreaterThan(2);
    // Azure's own rate by default: nothing resampled.
    expect(frames.every((f) => f.sampleRate === 16000 && f.channels === 1)).toBe(true);
    // 100 ms frames (agents-js's own for synthesized speech), but where a chunk ends.
    expect(frames.filter((f) => f.samplesPerChannel === 1600).length).toBeGreaterThan(frames.length / 2);
    expect(frames.every((f) => f.samplesPerChannel <= 1600)).toBe(true);
    expect(typeof frames[0]?.userdata[FRAME_RECEIVED_AT_KEY]).toBe('number');
    expect(totalMs(frames)).toBeGreaterThan(200);
    expect(peak(frames)).toBeGreaterThan(1000);

    const metrics = rec.metrics[0];
    expect(metrics).toMatchObject({ type: 'realtime_model_metrics', requestId: generation?.responseId, cancelled: false, sourceLanguage: 'en' });
    expect(metrics?.ttftMs).toBe(metrics?.audioLatencyMs);
    expect(metrics?.audioLatencyMs).toBeGreaterThanOrEqual(0);
    expect(metrics?.translationLatencyMs).toBeGreaterThanOrEqual(0);
    expect(metrics?.synthesizedAudioMs).toBe(Math.round(totalMs(frames)));

    const connection = emulator.connections.at(-1);
    expect(connection?.targetLanguages).toEqual(['fr']);
    expect(connection?.voice).toBe('fr-FR-DeniseNeural');
    expect(String(connection?.languageIdMode)).toMatch(/continuous/i);
  });

  it('a text-only session translates into two languages; more take an AI Foundry resource', async () => {
    const two = modelFor(emulator.url, { targetLanguages: ['fr', 'de'], spokenLanguage: null, voice: undefined }).session();
    const rec = record(two);
    await translateAll(two, english);
    await two.close();
    expect(Object.keys(rec.translations.find((t) => t.isFinal)?.translations ?? {}).sort()).toEqual(['de', 'fr']);
    expect(emulator.connections.at(-1)?.targetLanguages).toEqual(['fr', 'de']);

    const three = modelFor(emulator.url, { targetLanguages: ['fr', 'de', 'es'], spokenLanguage: null, voice: undefined, resourceKind: 'foundry' }).session();
    const recThree = record(three);
    await translateAll(three, english);
    await three.close();
    expect(Object.keys(recThree.translations.find((t) => t.isFinal)?.translations ?? {}).sort()).toEqual(['de', 'es', 'fr']);
    expect(emulator.connections.at(-1)?.targetLanguages).toEqual(['fr', 'de', 'es']);
  });

  it('speaks the one language it translates into, with the voice asked for', async () => {
    const session = modelFor(emulator.url, { targetLanguages: ['de'], voice: 'de-DE-KatjaNeural' }).session();
    const rec = record(session);
    await translateAll(session, english);
    await session.close();
    const final = rec.translations.find((t) => t.isFinal);
    const generation = await rec.generations[0];
    expect(generation?.text).toBe(final?.translations.de);
    expect(emulator.connections.at(-1)).toMatchObject({ voice: 'de-DE-KatjaNeural', targetLanguages: ['de'] });
  });

  it('a text-only session emits translations and metrics but no generation', async () => {
    const model = modelFor(emulator.url, { targetLanguages: ['fr', 'de'], spokenLanguage: null, voice: undefined });
    const session = model.session();
    const rec = record(session);
    await translateAll(session, english);
    await session.close();
    expect(rec.names).not.toContain('generation_created');
    expect(rec.translations.filter((t) => t.isFinal)).toHaveLength(1);
    expect(rec.metrics[0]).toMatchObject({ audioLatencyMs: -1, ttftMs: -1 });
    expect(emulator.connections.at(-1)?.voice ?? undefined).toBeUndefined();
  });

  it('accepts 48 kHz stereo input and a candidate source list', async () => {
    const model = modelFor(emulator.url, { sourceLanguages: ['en-US', 'de-DE'] });
    const session = model.session();
    const rec = record(session);
    await translateAll(session, english, 48000, 2);
    await session.close();
    expect(rec.transcripts.at(-1)?.isFinal).toBe(true);
    const generation = await rec.generations[0];
    expect(peak(generation?.frames ?? [])).toBeGreaterThan(1000);
    expect(rec.errors).toEqual([]);
  });

  it('keeps utterances apart and in order over a longer recording', async () => {
    const model = modelFor(emulator.url);
    const session = model.session();
    const rec = record(session);
    await translateAll(session, concat(fixture('meeting.wav'), silence(1500)));
    await session.close();
    const finals = rec.transcripts.filter((t) => t.isFinal);
    expect(finals.length).toBeGreaterThanOrEqual(3);
    expect(new Set(finals.map((t) => t.itemId)).size).toBe(finals.length);
    expect(rec.generations).toHaveLength(finals.length);
    const generations = await Promise.all(rec.generations);
    expect(generations.every((g) => g.frames.length > 0)).toBe(true);
    const offsets = rec.translations.filter((t) => t.isFinal).map((t) => t.offsetMs);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(rec.metrics.map((m) => m.requestId)).toEqual(generations.map((g) => g.responseId));
  });

  it('rejects generateReply with a RealtimeError and keeps local state for the update calls', async () => {
    const { llm } = await import('@livekit/agents');
    const session = modelFor(emulator.url).session();
    await expect(session.generateReply()).rejects.toBeInstanceOf(llm.RealtimeError);
    await session.updateInstructions('ignored');
    await session.updateChatCtx(llm.ChatContext.empty());
    await session.updateTools(llm.ToolContext.empty());
    session.updateOptions({ toolChoice: 'none' });
    expect(session.instructions).toBe('ignored');
    await session.close();
    await session.close();
  });
});

describe.each([
  { sampleRate: 16000 as const, chunkLayout: 'header-first' as const, synthesisSampleRate: 24000 },
  { sampleRate: 24000 as const, chunkLayout: 'wav-per-chunk' as const, synthesisSampleRate: 16000 },
  { sampleRate: 16000 as const, chunkLayout: 'wav-per-chunk' as const, synthesisSampleRate: 16000 },
])('synthesis at $synthesisSampleRate Hz, $chunkLayout, output $sampleRate Hz', ({ sampleRate, chunkLayout, synthesisSampleRate }) => {
  it('produces 100 ms frames at the configured rate with the whole utterance (a shorter one where a chunk ends)', async () => {
    const emulator = await startEmulator({ port: 0, keys: [TEST_KEY], chunkLayout, synthesisSampleRate, detectLanguage: 'de' });
    try {
      const session = modelFor(emulator.url, { sampleRate }).session();
      const rec = record(session);
      await translateAll(session, german);
      await session.close();
      const generation = await rec.generations[0];
      const frames = generation?.frames ?? [];
      expect(frames.every((f) => f.sampleRate === sampleRate && f.samplesPerChannel <= sampleRate / 10)).toBe(true);
      // The emulator sends 200 ms chunks: at most one shorter frame each, so none waits for the next chunk.
      const chunks = Math.ceil(totalMs(frames) / 200) + 1;
      expect(frames.filter((f) => f.samplesPerChannel < sampleRate / 10).length).toBeLessThanOrEqual(chunks);
      // A RIFF header decoded as samples would show as a burst at a chunk start; the tone stays below full scale.
      expect(peak(frames)).toBeLessThan(32000);
      expect(peak(frames)).toBeGreaterThan(1000);
      expect(rec.metrics[0]?.synthesizedAudioMs).toBeGreaterThan(200);
      expect(rec.translations.at(-1)?.sourceLanguage).toBe('de');
    } finally {
      await emulator.close();
    }
  });
});
