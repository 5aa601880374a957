import { describe, expect, it } from 'vitest';
import { DECODE_BUDGET_MS } from '../../src/azure/decode-pacer.ts';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import { WavError, encodeWav, wavHeader } from '../../src/common/wav.ts';
import { readGeneration } from './harness.ts';

function wavChunk(samples: number, rate = 16000): ArrayBuffer {
  const pcm = new Int16Array(samples).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  const bytes = encodeWav(pcm, rate);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Keeps the CPU busy, so this turn of the event loop has spent its decoding budget. */
function spendBudget(): void {
  const until = performance.now() + DECODE_BUDGET_MS + 1;
  while (performance.now() < until);
}

describe('UtteranceGeneration', () => {
  it('decodes a burst at once while the event loop can spare the time, the rest in later turns, and closes after the last', async () => {
    await turn();
    const generation = new UtteranceGeneration('item', 24000);
    const reading = readGeneration(generation.event).then((result) => result.frames);
    generation.writeAudio(wavChunk(3200), performance.now());
    const first = generation.synthesizedSamples;
    expect(first).toBeGreaterThan(0);
    spendBudget();
    for (let i = 0; i < 4; i++) generation.writeAudio(wavChunk(3200), performance.now());
    // This turn's budget is spent: the other chunks wait for the next turns.
    expect(generation.synthesizedSamples).toBe(first);
    let closed = false;
    generation.close(() => {
      closed = true;
    });
    expect(generation.closed).toBe(true);
    expect(closed).toBe(false);
    for (let turns = 0; !closed && turns < 20; turns++) await turn();
    expect(closed).toBe(true);
    const frames = await reading;
    // 5 x 200 ms at 16 kHz is exactly 1 s at 24 kHz, all of it decoded before the close.
    expect(frames.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(24000);
    expect(generation.synthesizedSamples).toBe(24000);
  });

  it('resampled audio is complete before playback would run out, though no completion has come (the filter tail is not held for the next phrase)', async () => {
    await turn();
    const generation = new UtteranceGeneration('item', 24000);
    generation.writeAudio(wavChunk(3200), performance.now());
    // 200 ms at 16 kHz is 4,800 samples at 24 kHz; the filter's look-ahead is held back for now.
    const firstPart = generation.synthesizedSamples;
    expect(firstPart).toBeLessThan(4800);
    // No close(): with one completion per stream the service says nothing more until the next
    // phrase. The tail comes out before the 200 ms would have played, not then.
    const deadline = performance.now() + 5_000;
    while (generation.synthesizedSamples < 4800 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(generation.synthesizedSamples).toBe(4800);
    expect(generation.closed).toBe(false);
    // Audio that still comes afterwards is decoded in full on a fresh filter.
    generation.writeAudio(wavChunk(1600), performance.now());
    generation.close();
    for (let turns = 0; generation.synthesizedSamples < 7200 && turns < 20; turns++) await turn();
    expect(generation.synthesizedSamples).toBe(7200);
  });

  it('at the native rate nothing is held back, so no tail is let out later', async () => {
    await turn();
    const generation = new UtteranceGeneration('item', 16000);
    generation.writeAudio(wavChunk(3200), performance.now());
    expect(generation.synthesizedSamples).toBe(3200);
  });

  it('a chunk that is not 16-bit PCM, decoded in a later turn, reports a WavError and closes the streams', async () => {
    await turn();
    const generation = new UtteranceGeneration('item', 16000);
    const errors: Error[] = [];
    generation.onAudioError = (error) => errors.push(error);
    const reading = readGeneration(generation.event).then((result) => result.frames);
    const bad = new Uint8Array(wavHeader(16000, 1, 100));
    bad[34] = 8;
    generation.writeAudio(wavChunk(1600), 0);
    spendBudget();
    expect(() => generation.writeAudio(bad.buffer.slice(0) as ArrayBuffer, 0)).not.toThrow();
    generation.writeAudio(wavChunk(1600), 0);
    const frames = await reading;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WavError);
    expect(errors[0]?.message).toMatch(/8-bit/);
    // The good audio before the bad chunk is kept; nothing after it.
    expect(frames.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(1600);
    expect(generation.closed).toBe(true);
  });

  it('a chunk decoded at once throws at once, so the caller can report it', async () => {
    await turn();
    const generation = new UtteranceGeneration('item', 16000);
    const bad = new Uint8Array(wavHeader(16000, 1, 100));
    bad[34] = 8;
    expect(() => generation.writeAudio(bad.buffer.slice(0) as ArrayBuffer, 0)).toThrow(WavError);
    generation.close();
  });
});
