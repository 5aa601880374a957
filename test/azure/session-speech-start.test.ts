/**
 * When the framework hears that someone started speaking: at the service's speech start, not at
 * the first result. With the default (real service) behaviour there are no interim results, so
 * the first result is the final one, which comes only after the phrase's closing silence. A
 * session that announced speech only with results would tell the framework a turn began when it
 * had already ended (`turnStartedAt` too), and barge-in would come a whole phrase late.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, fixture, modelFor, pushSpeech, record, silence, until } from './harness.ts';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en' });
});
afterAll(() => emulator?.close());

it('announces speech when the service detects it, before any result, and the turn starts there', async () => {
  const session = modelFor(emulator.url).session();
  const rec = record(session);
  // The speech alone: nothing ends the phrase yet, so no result can come.
  pushSpeech(session, fixture('speech-en.wav'));
  await until('input_speech_started before the phrase has ended', () => rec.names.includes('input_speech_started'));
  expect(rec.transcripts).toEqual([]);
  const startedAt = Date.now();

  pushSpeech(session, silence(1500));
  await session.finishInput();
  const final = rec.transcripts.find((t) => t.isFinal);
  expect(final).toBeDefined();
  // The turn began at the speech start the framework was told of, not at the result.
  expect(final!.turnStartedAt).toBeDefined();
  expect(final!.turnStartedAt!).toBeLessThanOrEqual(startedAt);
  expect(rec.names.filter((name) => name === 'input_speech_started')).toHaveLength(1);
  await session.close();
});
