/**
 * What a session counts and sends that no translation shows: the audio pushed (its stats), the
 * profanity option on the wire, and the source candidates, each against the emulator over the
 * real SDK. Fast on purpose: short audio, no utterance awaited where none is needed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, modelFor, pushSpeech, silence, until } from './harness.ts';

let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en' });
});
afterAll(() => emulator?.close());

it('counts the audio pushed, and nothing more after finishInput()', async () => {
  const session = modelFor(emulator.url).session();
  pushSpeech(session, silence(1000));
  await until('the first second counted', () => session.stats.pushedAudioMs >= 900);
  pushSpeech(session, silence(500));
  await session.finishInput();
  expect(session.stats.pushedAudioMs).toBe(1500);
  pushSpeech(session, silence(500));
  expect(session.stats.pushedAudioMs).toBe(1500);
  expect(session.stats).toMatchObject({ recognizerRestarts: 0, droppedAudioMs: 0 });
  await session.close();
  expect(session.stats.bufferedAudioMs).toBe(0);
});

it('counts 48 kHz stereo input at the service rate (16 kHz mono), less the resampler filter still holds', async () => {
  const session = modelFor(emulator.url).session();
  pushSpeech(session, silence(1000), 48_000, 2);
  await session.finishInput();
  // The resampler's filter holds back under a millisecond at the end (1 s in: 999.1 ms out).
  expect(session.stats.pushedAudioMs).toBeGreaterThan(998);
  expect(session.stats.pushedAudioMs).toBeLessThanOrEqual(1000);
  await session.close();
});

it('sends the profanity option as asked, none when not set, and the candidates or open range', async () => {
  for (const [profanity, wire] of [['raw', 'raw'], ['removed', 'removed'], ['masked', 'masked']] as const) {
    const session = modelFor(emulator.url, { profanity, sourceLanguages: ['en-US', 'de-DE'] }).session();
    const before = emulator.connections.length;
    pushSpeech(session, silence(200));
    await until(`a connection with profanity ${profanity}`, () => emulator.connections.length > before && emulator.connections.at(-1)!.speechContext !== undefined);
    const connection = emulator.connections.at(-1)!;
    expect(connection.profanity?.toLowerCase()).toBe(wire);
    expect(connection.sourceLanguages).toEqual(['en-US', 'de-DE']);
    await session.close();
  }
  const plain = modelFor(emulator.url).session();
  const before = emulator.connections.length;
  pushSpeech(plain, silence(200));
  await until('a connection without profanity', () => emulator.connections.length > before && emulator.connections.at(-1)!.speechContext !== undefined);
  expect(emulator.connections.at(-1)!.profanity).toBeUndefined();
  expect(emulator.connections.at(-1)!.sourceLanguages).toEqual(['UND']);
  await plain.close();
});
