import type { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import { WavError, encodeWav, wavHeader } from '../../src/common/wav.ts';

function wavChunk(samples: number, rate = 16000): ArrayBuffer {
  const pcm = new Int16Array(samples).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  const bytes = encodeWav(pcm, rate);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function readAll(generation: UtteranceGeneration): Promise<AudioFrame[]> {
  const frames: AudioFrame[] = [];
  for await (const message of generation.event.messageStream) {
    void (async () => {
      for await (const _ of message.textStream);
    })();
    for await (const frame of message.audioStream) frames.push(frame);
  }
  return frames;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('UtteranceGeneration', () => {
  it('decodes a burst of chunks one per turn of the event loop, and closes after the last', async () => {
    const generation = new UtteranceGeneration('item', 24000);
    const reading = readAll(generation);
    for (let i = 0; i < 5; i++) generation.writeAudio(wavChunk(3200), performance.now());
    // Only the first chunk is decoded in the task that received the burst.
    expect(generation.synthesizedSamples).toBeGreaterThan(0);
    expect(generation.synthesizedSamples).toBeLessThanOrEqual(4800);
    let closedAt = -1;
    let turns = 0;
    generation.close(() => {
      closedAt = turns;
    });
    expect(generation.closed).toBe(true);
    expect(closedAt).toBe(-1);
    while (closedAt < 0 && turns < 20) {
      await turn();
      turns++;
    }
    expect(closedAt).toBeGreaterThanOrEqual(4);
    const frames = await reading;
    const samples = frames.reduce((n, f) => n + f.samplesPerChannel, 0);
    // 5 x 200 ms at 16 kHz is exactly 1 s at 24 kHz, all of it decoded before the close.
    expect(samples).toBe(24000);
    expect(generation.synthesizedSamples).toBe(24000);
  });

  it('a chunk that is not 16-bit PCM later in a burst reports a WavError and closes the streams', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const errors: Error[] = [];
    generation.onAudioError = (error) => errors.push(error);
    const reading = readAll(generation);
    const bad = new Uint8Array(wavHeader(16000, 1, 100));
    bad[34] = 8;
    generation.writeAudio(wavChunk(1600), 0);
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

  it('the first chunk of a burst still throws at once, so the caller can report it', () => {
    const generation = new UtteranceGeneration('item', 16000);
    const bad = new Uint8Array(wavHeader(16000, 1, 100));
    bad[34] = 8;
    expect(() => generation.writeAudio(bad.buffer.slice(0) as ArrayBuffer, 0)).toThrow(WavError);
    generation.close();
  });
});
