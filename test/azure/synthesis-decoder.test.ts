/**
 * SynthesisDecoder in detail (audio.test.ts has the end-to-end shapes): frame sizes per rate, the
 * receipt time on each frame, headers and sample blocks split across chunks, downmixing, format
 * changes, and what end(), flushLookahead() and close() leave behind.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { RECEIVED_AT, SynthesisDecoder } from '../../src/azure/synthesis-decoder.ts';
import { WavError, encodeWav, wavHeader } from '../../src/common/wav.ts';

function buffer(...parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out.buffer;
}

function bytesOf(samples: Int16Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** `n` samples counting up from `from` (distinct values expose reordering or loss). */
function ramp(n: number, from = 1): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => from + i);
}

function wav(samples: Int16Array, rate = 16000, channels = 1): ArrayBuffer {
  return buffer(new Uint8Array(encodeWav(samples, rate, channels)));
}

function lengths(frames: AudioFrame[]): number[] {
  return frames.map((f) => f.samplesPerChannel);
}

function joined(frames: AudioFrame[]): number[] {
  return frames.flatMap((f) => Array.from(f.data.subarray(0, f.samplesPerChannel)));
}

describe('SynthesisDecoder frames', () => {
  it('cuts 100 ms frames at the output rate, the rest of a chunk as a shorter frame', () => {
    const native = new SynthesisDecoder(16000);
    const frames = native.push(wav(ramp(3500)), 0);
    expect(lengths(frames)).toEqual([1600, 1600, 300]);
    expect(frames.every((f) => f.sampleRate === 16000 && f.channels === 1)).toBe(true);
    expect(joined(frames)).toEqual(Array.from(ramp(3500)));
    // Exactly one frame's worth leaves no shorter frame behind.
    expect(lengths(native.push(wav(ramp(1600)), 0))).toEqual([1600]);
    expect(native.end()).toEqual([]);
  });

  it('frames are 4800 samples at 48 kHz and 2400 at 24 kHz', () => {
    const at48 = new SynthesisDecoder(48000);
    const pushed = at48.push(wav(ramp(3600, 0), 16000), 0);
    // 10800 samples, less the filter's look-ahead: two whole frames and a shorter one.
    expect(lengths(pushed).slice(0, 2)).toEqual([4800, 4800]);
    expect(pushed).toHaveLength(3);
    const frames48 = [...pushed, ...at48.end()];
    expect(frames48.every((f) => f.sampleRate === 48000)).toBe(true);
    expect(frames48.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(10800);
    const at24 = new SynthesisDecoder(24000);
    const pushed24 = at24.push(wav(new Int16Array(3200)), 0);
    expect(pushed24).toHaveLength(2);
    expect(pushed24[0]?.samplesPerChannel).toBe(2400);
    const tail24 = at24.end();
    expect(tail24).toHaveLength(1);
    expect(pushed24.concat(tail24).reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(4800);
  });

  it('dates every frame with the receipt time of the chunk that completed it', () => {
    const decoder = new SynthesisDecoder(16000);
    const first = decoder.push(wav(ramp(2000)), 111);
    expect(first.map((f) => f.userdata[RECEIVED_AT])).toEqual([111, 111]);
    expect(RECEIVED_AT).toBe('lkInterpreterReceivedAt');
    const second = decoder.push(wav(ramp(100)), 222);
    expect(second.map((f) => f.userdata[RECEIVED_AT])).toEqual([222]);
  });

  it('frames own their samples: a later chunk does not overwrite an earlier frame', () => {
    const decoder = new SynthesisDecoder(16000);
    const [whole, tail] = decoder.push(wav(ramp(1700)), 0) as [AudioFrame, AudioFrame];
    decoder.push(wav(new Int16Array(3200).fill(-5)), 0);
    expect(whole.data[0]).toBe(1);
    expect(whole.data[1599]).toBe(1600);
    expect(Array.from(tail.data)).toEqual(Array.from(ramp(100, 1601)));
  });
});

describe('SynthesisDecoder chunk boundaries', () => {
  it('a header split across chunks waits for the rest, then decodes what follows it', () => {
    const file = new Uint8Array(encodeWav(ramp(400), 16000));
    const decoder = new SynthesisDecoder(16000);
    // Fewer than 4 bytes before any format: could be the start of "RIFF".
    expect(decoder.push(buffer(file.subarray(0, 3)), 0)).toEqual([]);
    // RIFF seen, the data chunk not yet reached.
    expect(decoder.push(buffer(file.subarray(3, 30)), 0)).toEqual([]);
    const frames = decoder.push(buffer(file.subarray(30)), 0);
    expect(joined(frames)).toEqual(Array.from(ramp(400)));
    expect(decoder.assumedFormat).toBe(false);
  });

  it('a sample split across chunks is carried into the next one, also in a chunk under 4 bytes', () => {
    const samples = ramp(10, 1000);
    const body = bytesOf(samples);
    const decoder = new SynthesisDecoder(16000);
    const out: AudioFrame[] = [];
    out.push(...decoder.push(buffer(new Uint8Array(wavHeader(16000, 1, 0xffffffff)), body.subarray(0, 5)), 0));
    expect(joined(out)).toEqual([1000, 1001]);
    // Three bytes after the format is known are audio, not a header in waiting.
    out.push(...decoder.push(buffer(body.subarray(5, 8)), 0));
    expect(joined(out)).toEqual([1000, 1001, 1002, 1003]);
    expect(decoder.push(buffer(body.subarray(8, 9)), 0)).toEqual([]);
    out.push(...decoder.push(buffer(body.subarray(9)), 0));
    expect(joined(out)).toEqual(Array.from(samples));
    expect(decoder.end()).toEqual([]);
  });

  it('an empty chunk keeps what is carried for the next one', () => {
    const body = bytesOf(ramp(2, 7));
    const decoder = new SynthesisDecoder(16000);
    expect(joined(decoder.push(buffer(new Uint8Array(wavHeader(16000, 1, 4)), body.subarray(0, 1)), 0))).toEqual([]);
    expect(decoder.push(new ArrayBuffer(0), 0)).toEqual([]);
    expect(joined(decoder.push(buffer(body.subarray(1)), 0))).toEqual([7, 8]);
  });

  it('downmixes interleaved channels to their rounded mean, a block split across chunks included', () => {
    const stereo = Int16Array.from([1000, -3000, 1, 2, -1, -2, 32767, 32767, -32768, -32768, 5, 6]);
    const body = bytesOf(stereo);
    const decoder = new SynthesisDecoder(16000);
    const header = new Uint8Array(wavHeader(16000, 2, 0xffffffff));
    const first = decoder.push(buffer(header, body.subarray(0, 7)), 0);
    expect(joined(first)).toEqual([-1000]);
    const rest = decoder.push(buffer(body.subarray(7)), 0);
    // Math.round: 1.5 -> 2, -1.5 -> -1.
    expect(joined(rest)).toEqual([2, -1, 32767, -32768, 6]);
    const three = new SynthesisDecoder(16000);
    const frames = three.push(buffer(new Uint8Array(wavHeader(16000, 3, 12)), bytesOf(Int16Array.from([3, 4, 6, -9, 0, 0]))), 0);
    expect(joined(frames)).toEqual([4, -3]);
  });
});

describe('SynthesisDecoder formats', () => {
  it('assumes 16 kHz mono only for audio before any header, and says so', () => {
    const decoder = new SynthesisDecoder(16000);
    expect(decoder.assumedFormat).toBe(false);
    expect(joined(decoder.push(buffer(bytesOf(ramp(4))), 0))).toEqual([1, 2, 3, 4]);
    expect(decoder.assumedFormat).toBe(true);
    expect(decoder.holdsLookahead).toBe(false);
    // Four bytes that are not "RIFF" are audio too (two samples), not a header in waiting.
    const four = new SynthesisDecoder(16000);
    expect(joined(four.push(buffer(bytesOf(Int16Array.from([5, -5]))), 0))).toEqual([5, -5]);
    expect(four.assumedFormat).toBe(true);
    // At 24 kHz the assumed 16 kHz audio is resampled.
    const up = new SynthesisDecoder(24000);
    up.push(buffer(bytesOf(new Int16Array(1600))), 0);
    expect(up.holdsLookahead).toBe(true);
  });

  it('refuses audio that is not 16-bit PCM, naming it synthesized audio', () => {
    const header = new Uint8Array(wavHeader(16000, 1, 100));
    header[20] = 3; // IEEE float
    expect(() => new SynthesisDecoder(16000).push(buffer(header), 0)).toThrow(WavError);
    expect(() => new SynthesisDecoder(16000).push(buffer(header), 0)).toThrow(/^synthesized audio is not PCM \(format tag 3\)/);
  });

  it('a repeated header of the same format continues the stream; a new rate starts a new filter', () => {
    // Same format again: the resampler keeps its state, so two halves give what one whole gives.
    const whole = new SynthesisDecoder(24000);
    const expected = joined([...whole.push(wav(ramp(800)), 0), ...whole.end()]);
    const halves = new SynthesisDecoder(24000);
    const got = joined([...halves.push(wav(ramp(400)), 0), ...halves.push(wav(ramp(400, 401)), 0), ...halves.end()]);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(1200);
    // A chunk at the output rate after 16 kHz ones needs no filter from then on.
    const mixed = new SynthesisDecoder(24000);
    mixed.push(wav(ramp(400)), 0);
    expect(mixed.holdsLookahead).toBe(true);
    expect(joined(mixed.push(wav(ramp(3, 50), 24000), 0)).slice(-3)).toEqual([50, 51, 52]);
    expect(mixed.holdsLookahead).toBe(false);
  });

  it('a change of channel count drops a half block carried from the old format', () => {
    const decoder = new SynthesisDecoder(16000);
    decoder.push(buffer(new Uint8Array(wavHeader(16000, 1, 0xffffffff)), Uint8Array.from([1, 2, 3])), 0);
    const stereo = decoder.push(buffer(new Uint8Array(wavHeader(16000, 2, 4)), bytesOf(Int16Array.from([10, 20]))), 0);
    expect(joined(stereo)).toEqual([15]);
  });
});

describe('SynthesisDecoder end, flushLookahead and close', () => {
  it('end() lets out the filter tail, so the utterance has all its samples, and forgets the format', () => {
    const decoder = new SynthesisDecoder(24000);
    const frames = decoder.push(wav(ramp(1000)), 0);
    expect(decoder.holdsLookahead).toBe(true);
    const tail = decoder.end();
    expect(tail.length).toBeGreaterThan(0);
    expect([...frames, ...tail].reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(1500);
    expect(decoder.holdsLookahead).toBe(false);
    expect(decoder.end()).toEqual([]);
    // The next utterance's headerless audio is assumed again, not read with the old format.
    decoder.push(buffer(bytesOf(new Int16Array(160))), 0);
    expect(decoder.assumedFormat).toBe(true);
  });

  it('end() drops a header still in waiting and a half sample', () => {
    const decoder = new SynthesisDecoder(16000);
    decoder.push(buffer(new Uint8Array(wavHeader(16000, 1, 0xffffffff)).subarray(0, 20)), 0);
    expect(decoder.end()).toEqual([]);
    expect(joined(decoder.push(wav(ramp(2)), 0))).toEqual([1, 2]);
    decoder.push(buffer(Uint8Array.from([9])), 0);
    decoder.end();
    expect(joined(decoder.push(wav(ramp(2, 5)), 0))).toEqual([5, 6]);
  });

  it('flushLookahead() lets out the held samples now and keeps resampling later audio', () => {
    const decoder = new SynthesisDecoder(24000);
    const first = decoder.push(wav(ramp(1000)), 0);
    const held = decoder.flushLookahead();
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((f) => f.samplesPerChannel > 0)).toBe(true);
    expect([...first, ...held].reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(1500);
    expect(decoder.holdsLookahead).toBe(true);
    // Nothing more held: a second flush returns nothing, and later audio is still resampled.
    expect(decoder.flushLookahead()).toEqual([]);
    const later = [...decoder.push(wav(ramp(160)), 0), ...decoder.end()];
    expect(later.every((f) => f.sampleRate === 24000)).toBe(true);
    expect(later.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(240);
  });

  it('flushLookahead() has nothing to let out at the native rate', () => {
    const decoder = new SynthesisDecoder(16000);
    decoder.push(wav(ramp(100)), 0);
    expect(decoder.flushLookahead()).toEqual([]);
    expect(decoder.holdsLookahead).toBe(false);
  });

  it('close() drops the filter: no tail comes out afterwards', () => {
    const decoder = new SynthesisDecoder(24000);
    decoder.push(wav(ramp(1000)), 0);
    decoder.close();
    expect(decoder.holdsLookahead).toBe(false);
    expect(decoder.flushLookahead()).toEqual([]);
    expect(decoder.end()).toEqual([]);
  });
});
