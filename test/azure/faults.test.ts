/**
 * Faults injected by the emulator and met by the real SDK and our recovery above it.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { holdClosedPort } from '../closed-port.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { LiveInterpreterSession } from '../../src/azure/index.ts';
import { TEST_KEY, concat, fixture, modelFor, pushSpeech, record, silence, until } from './harness.ts';

const english = concat(fixture('speech-en.wav'), silence(1500));
const german = concat(fixture('speech-de.wav'), silence(1500));
const fastReconnect = { maxAttempts: 8, initialDelayMs: 20, maxDelayMs: 200 };

async function withEmulator<T>(options: Parameters<typeof startEmulator>[0], run: (e: Awaited<ReturnType<typeof startEmulator>>) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en', ...options });
  try {
    return await run(emulator);
  } finally {
    await emulator.close();
  }
}

/** The final transcripts a fault-free session produces for `samples`: the reference to compare with. */
async function referenceTranscripts(samples: Int16Array): Promise<string[]> {
  return withEmulator({}, async (emulator) => {
    const session = modelFor(emulator.url).session();
    const rec = record(session);
    pushSpeech(session, samples);
    await session.finishInput();
    await session.close();
    return rec.transcripts.filter((t) => t.isFinal).map((t) => normalize(t.transcript));
  });
}

/** The emulator numbers utterances per connection; what must survive a fault is each utterance's audio (its duration). */
const normalize = (transcript: string) => transcript.replace(/utterance \d+/, 'utterance #');

function finals(session: LiveInterpreterSession) {
  const rec = record(session);
  return { rec, texts: () => rec.transcripts.filter((t) => t.isFinal).map((t) => normalize(t.transcript)) };
}

describe('faults', () => {
  it('gives up with one fatal error after maxAttempts when nothing answers', async () => {
    // A port the test holds and nothing listens on: connections are refused, the SDK gives up, and so, after our retries, do we.
    const closed = await holdClosedPort();
    onTestFinished(() => closed.release());
    const port = closed.port;
    const session = modelFor(new URL(`ws://127.0.0.1:${port}`), { reconnect: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } }).session();
    const { rec } = finals(session);
    pushSpeech(session, english);
    await until('the fatal error', () => rec.errors.some((e) => !e.recoverable));
    expect(rec.errors.map((e) => e.recoverable)).toEqual([true, true, false]);
    expect(rec.errors[2]?.error.message).toMatch(/gave up after 2 reconnect attempts/);
    expect(session.stats.recognizerRestarts).toBe(2);
    await session.close();
  });

  it('a rejected key (401) gives one clear fatal error and no reconnect loop', async () => {
    await withEmulator({ faults: { rejectKey: 401 } }, async (emulator) => {
      const session = modelFor(emulator.url, { reconnect: fastReconnect }).session();
      const { rec } = finals(session);
      pushSpeech(session, english);
      await until('the fatal error', () => rec.errors.length > 0);
      // Keep talking: a session that would reconnect takes the audio (to replay it); a failed one ignores it.
      const pushed = session.stats.pushedAudioMs;
      pushSpeech(session, english);
      expect(session.stats.pushedAudioMs).toBe(pushed);
      expect(session.stats.bufferedAudioMs).toBe(0);
      expect(session.stats.recognizerRestarts).toBe(0);
      expect(emulator.connections).toHaveLength(0);
      expect(rec.errors).toHaveLength(1);
      expect(rec.errors[0]).toMatchObject({ type: 'realtime_model_error', recoverable: false });
      expect(rec.errors[0]?.error.message).toMatch(/AZURE_SPEECH_KEY.*AZURE_SPEECH_REGION/);
      await session.close();
      expect(emulator.openConnections()).toBe(0);
    });
  });

  it('throttling (429) backs off, retries, and translates the audio pushed meanwhile', async () => {
    const reference = await referenceTranscripts(english);
    await withEmulator({ faults: { throttle: true } }, async (emulator) => {
      const session = modelFor(emulator.url, { reconnect: fastReconnect }).session();
      const { rec, texts } = finals(session);
      pushSpeech(session, english);
      await until('a throttled reconnect', () => rec.errors.length > 0);
      expect(rec.errors[0]).toMatchObject({ recoverable: true });
      expect(rec.errors[0]?.error.message).toMatch(/throttl|429/i);
      emulator.setFaults({});
      await until('the translation after recovery', () => texts().length >= reference.length);
      expect(texts()).toEqual(reference);
      expect(rec.names).toContain('session_reconnected');
      expect(session.stats.recognizerRestarts).toBeGreaterThan(0);
      expect(session.stats.droppedAudioMs).toBe(0);
      await session.close();
    });
  });

  it('when the SDK gives up on a dropped connection, a new recognizer gets the audio kept meanwhile', async () => {
    const reference = await referenceTranscripts(german);
    // Every connection is dropped 2 s after it opens; once throttling is on, the SDK's own retries fail.
    await withEmulator({ faults: { dropAfterMs: 2000 } }, async (emulator) => {
      const session = modelFor(emulator.url, { reconnect: fastReconnect }).session();
      const { rec, texts } = finals(session);
      pushSpeech(session, english);
      await until('the first utterance', () => texts().length > 0);
      const before = texts().length;
      emulator.setFaults({ throttle: true });
      await until('the drop', () => emulator.openConnections() === 0);
      // The speaker goes on; the SDK finds the connection gone, its retries are refused, it gives up.
      pushSpeech(session, german);
      await until('our recovery to start', () => rec.errors.length > 0);
      expect(rec.errors[0]).toMatchObject({ recoverable: true });
      emulator.setFaults({});
      await until('the utterance spoken during the outage', () => texts().length >= before + reference.length);
      expect(texts().slice(before)).toEqual(reference);
      expect(rec.names).toContain('session_reconnected');
      expect(rec.errors.every((e) => e.recoverable)).toBe(true);
      expect(session.stats.droppedAudioMs).toBe(0);
      await session.close();
    });
  });

  it('service activity gives the retry budget back: with maxAttempts 1, a second outage after results is retried too', async () => {
    // Every connection is dropped 4 s after it opens; throttling makes the SDK's own retries fail, so ours run.
    await withEmulator({ faults: { dropAfterMs: 4000 } }, async (emulator) => {
      // A long back-off: the test lifts the throttling after seeing our failure and before we reconnect.
      const session = modelFor(emulator.url, { reconnect: { maxAttempts: 1, initialDelayMs: 4000, maxDelayMs: 4000 } }).session();
      onTestFinished(() => session.close());
      const { rec, texts } = finals(session);
      for (let outage = 1; outage <= 2; outage++) {
        const before = texts().length;
        pushSpeech(session, english);
        await until(`results before outage ${outage}`, () => texts().length > before);
        emulator.setFaults({ dropAfterMs: 4000, throttle: true });
        await until(`the drop of outage ${outage}`, () => emulator.openConnections() === 0);
        pushSpeech(session, english);
        await until(`our failure ${outage}`, () => rec.errors.length >= outage);
        emulator.setFaults({ dropAfterMs: 4000 });
        await until(`the reconnect after outage ${outage}`, () => rec.names.filter((n) => n === 'session_reconnected').length >= outage);
      }
      // Without the reset the second failure would be attempt 2 of 1: fatal.
      expect(rec.errors.map((e) => e.recoverable)).toEqual([true, true]);
      expect(session.stats.recognizerRestarts).toBe(2);
    });
  });

  it('a connection that stayed up over 30 s (HEALTHY_CONNECTION_MS) gives the retry budget back, without any result', async () => {
    // Only performance.now() is faked: the session reads a connection's age from it; sockets and timers are real.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => void vi.useRealTimers());
    await withEmulator({ faults: { dropAfterMs: 1500 } }, async (emulator) => {
      const session = modelFor(emulator.url, { reconnect: { maxAttempts: 1, initialDelayMs: 3000, maxDelayMs: 3000 } }).session();
      onTestFinished(() => session.close());
      const { rec } = finals(session);
      // Silence only: no result ever comes, so only the connection's age can reset the budget.
      pushSpeech(session, silence(1000));
      for (let outage = 1; outage <= 2; outage++) {
        await until(`connection ${outage} open`, () => emulator.openConnections() === 1);
        // The connection has been up for 31 s by the session's clock.
        vi.advanceTimersByTime(31_000);
        emulator.setFaults({ dropAfterMs: 1500, throttle: true });
        await until(`the drop of connection ${outage}`, () => emulator.openConnections() === 0);
        pushSpeech(session, silence(1000));
        await until(`our failure ${outage}`, () => rec.errors.length >= outage);
        emulator.setFaults({ dropAfterMs: 1500 });
        await until(`the reconnect after outage ${outage}`, () => rec.names.filter((n) => n === 'session_reconnected').length >= outage);
      }
      expect(rec.errors.map((e) => e.recoverable)).toEqual([true, true]);
      expect(rec.transcripts).toHaveLength(0);
    });
  });

  it('audio beyond maxBufferedAudioMs during an outage is dropped and counted', async () => {
    await withEmulator({ faults: { throttle: true } }, async (emulator) => {
      const session = modelFor(emulator.url, { reconnect: { maxAttempts: 50, initialDelayMs: 200, maxDelayMs: 200 }, maxBufferedAudioMs: 1000 }).session();
      const { rec } = finals(session);
      pushSpeech(session, english);
      await until('a throttled reconnect', () => rec.errors.length > 0);
      pushSpeech(session, english);
      expect(session.stats.bufferedAudioMs).toBeLessThanOrEqual(1000);
      expect(session.stats.droppedAudioMs).toBeGreaterThan(0);
      await session.close();
    });
  });

  it('survives the service closing idle connections without losing the next utterance', async () => {
    const reference = await referenceTranscripts(german);
    await withEmulator({ faults: { idleCloseMs: 300 } }, async (emulator) => {
      const session = modelFor(emulator.url).session();
      const { rec, texts } = finals(session);
      pushSpeech(session, english);
      await until('the first utterance', () => texts().length > 0);
      const before = texts().length;
      const connections = emulator.connections.length;
      await until('the idle close', () => emulator.openConnections() === 0 || emulator.connections.length > connections);
      pushSpeech(session, german);
      await session.finishInput();
      expect(texts().slice(before)).toEqual(reference);
      expect(rec.errors.filter((e) => !e.recoverable)).toEqual([]);
      await session.close();
    });
  });

  it('survives the maximum connection duration across a long recording', async () => {
    const meeting = concat(fixture('meeting.wav'), silence(1500));
    const reference = await referenceTranscripts(meeting);
    await withEmulator({ faults: { maxConnectionMs: 1500 } }, async (emulator) => {
      const session = modelFor(emulator.url).session();
      const { rec, texts } = finals(session);
      pushSpeech(session, meeting);
      await session.finishInput();
      expect(emulator.connections.length).toBeGreaterThan(1);
      expect(texts()).toEqual(reference);
      expect(rec.errors.filter((e) => !e.recoverable)).toEqual([]);
      await session.close();
    });
  });

  it('close() returns even when the service never ends the turn', async () => {
    await withEmulator({ faults: { neverSendTurnEnd: true } }, async (emulator) => {
      const session = modelFor(emulator.url).session();
      const { texts } = finals(session);
      pushSpeech(session, english);
      await until('the utterance', () => texts().length > 0);
      await session.close();
      await until('the socket to close', () => emulator.openConnections() === 0);
    });
  });

  it('a failed synthesis is reported, closes that generation, and recognition goes on', async () => {
    await withEmulator({ faults: { synthesisError: 'personal voice is not enabled for this resource' } }, async (emulator) => {
      const session = modelFor(emulator.url).session();
      const { rec, texts } = finals(session);
      pushSpeech(session, concat(english, german));
      await session.finishInput();
      await session.close();
      expect(texts().length).toBe(2);
      expect(rec.errors.length).toBeGreaterThan(0);
      expect(rec.errors.every((e) => e.recoverable)).toBe(true);
      expect(rec.errors[0]?.error.message).toMatch(/personal voice is not enabled/);
      const generations = await Promise.all(rec.generations);
      expect(generations).toHaveLength(2);
      expect(generations.every((g) => g.frames.length === 0 && g.text.length > 0)).toBe(true);
    });
  });
});
