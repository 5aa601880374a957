import { describe, expect, it } from 'vitest';
import { encodeWav, parseWavHeader, wavHeader } from '../../src/common/wav.ts';
import { synthesisChunkSamples, synthesisChunks, synthesizeLike } from '../../src/emulator/synthesizer.ts';

/** The documented voice at full level: harmonics 1, 1/2, 1/3, 1/4, 1/5, 1/6 (rounded) of a tone with a 5 Hz vibrato. */
const HARMONICS = [1, 0.5, 0.33, 0.25, 0.2, 0.16];
const SUM = 2.44;

function tone(i: number, rate: number, pitchHz = 140): number {
  const t = i / rate;
  const phase = 2 * Math.PI * pitchHz * t + 0.8 * Math.sin(2 * Math.PI * 5 * t);
  return HARMONICS.reduce((sum, a, h) => sum + a * Math.sin((h + 1) * phase), 0);
}

/** What synthesizeLike should write at sample i, for a level in 0..1 and the input's peak. */
function expected(i: number, rate: number, peak: number, level: number, pitchHz = 140): number {
  return Math.round(tone(i, rate, pitchHz) * ((Math.min(32767, peak) * 0.95) / SUM) * level);
}

function normalized(values: Int16Array): number[] {
  // -0 and 0 are the same sample.
  return [...values].map((v) => v + 0);
}

describe('synthesizeLike', () => {
  it('lasts as long as the envelope: one 10 ms frame of output per envelope value', () => {
    expect(synthesizeLike(Float32Array.from([1, 1, 1]), 1000, 16000)).toHaveLength(480);
    expect(synthesizeLike(Float32Array.from([1, 1, 1]), 1000, 22050)).toHaveLength(662);
    expect(synthesizeLike(new Float32Array(0), 1000, 16000)).toHaveLength(0);
  });

  it('is a 140 Hz harmonic tone with vibrato, scaled to 0.95 of the input peak over the sum of its harmonics, where the envelope is at its maximum', () => {
    const rate = 16000;
    const out = synthesizeLike(Float32Array.from([800, 800]), 20000, rate);
    expect(normalized(out)).toEqual(Array.from({ length: 320 }, (_, i) => expected(i, rate, 20000, 1) + 0));
    expect(out[0]).toBe(0);
    // Never louder than 0.95 of the input peak. (The harmonics never all peak together: the reply
    // reaches about 0.63 of the input peak, not the "nearly full scale" synthesizer.ts's comment says.)
    expect(Math.max(...out.map(Math.abs))).toBeLessThanOrEqual(0.95 * 20000);
  });

  it('takes another pitch', () => {
    const rate = 8000;
    const out = synthesizeLike(Float32Array.from([5]), 1000, rate, 220);
    expect(normalized(out)).toEqual(Array.from({ length: 80 }, (_, i) => expected(i, rate, 1000, 1, 220) + 0));
  });

  it('caps the loudness at full scale for a peak above 32767', () => {
    const rate = 16000;
    const out = synthesizeLike(Float32Array.from([1000]), 40000, rate);
    expect(normalized(out)).toEqual(Array.from({ length: 160 }, (_, i) => expected(i, rate, 32767, 1) + 0));
  });

  it('follows the envelope relative to its maximum, interpolating linearly between frames and holding the last', () => {
    const rate = 1000;
    const out = synthesizeLike(Float32Array.from([0, 400, 200]), 10000, rate);
    const levels = [...Array.from({ length: 10 }, (_, i) => i / 10), ...Array.from({ length: 10 }, (_, i) => 1 - i / 20), ...Array<number>(10).fill(0.5)];
    expect(normalized(out)).toEqual(levels.map((level, i) => expected(i, rate, 10000, level) + 0));
  });

  it('is silent where the speaker was silent', () => {
    const out = synthesizeLike(Float32Array.from([0, 0, 300, 300, 0, 0]), 10000, 1000);
    expect(normalized(out.subarray(0, 10))).toEqual(Array<number>(10).fill(0));
    expect(normalized(out.subarray(50))).toEqual(Array<number>(10).fill(0));
    expect(out.subarray(20, 40).some((v) => v !== 0)).toBe(true);
  });

  it('does not amplify an envelope quieter than an RMS of 1 to full level (the maximum counts as at least 1)', () => {
    const rate = 1000;
    const out = synthesizeLike(Float32Array.from([0.5]), 10000, rate);
    expect(normalized(out)).toEqual(Array.from({ length: 10 }, (_, i) => expected(i, rate, 10000, 0.5) + 0));
  });

  it('is all zeros for an all-zero envelope or a silent input', () => {
    expect(normalized(synthesizeLike(new Float32Array(3), 10000, 1000))).toEqual(Array<number>(30).fill(0));
    expect(normalized(synthesizeLike(Float32Array.from([300, 300]), 0, 1000))).toEqual(Array<number>(20).fill(0));
  });
});

describe('synthesisChunkSamples', () => {
  it('is the samples in chunkMs at the rate, rounded, and at least one', () => {
    expect(synthesisChunkSamples(16000, 200)).toBe(3200);
    expect(synthesisChunkSamples(24000, 100)).toBe(2400);
    expect(synthesisChunkSamples(1000, 1.5)).toBe(2);
    expect(synthesisChunkSamples(1000, 1.4)).toBe(1);
    expect(synthesisChunkSamples(16000, 0)).toBe(1);
  });
});

describe('synthesisChunks', () => {
  const pcm = Int16Array.from({ length: 25 }, (_, i) => i * 100 - 1200);
  const bytes = (part: Int16Array) => Buffer.from(part.buffer, part.byteOffset, part.byteLength);

  it('wav-per-chunk (the default): every chunk of chunkMs is a WAV of its own, the last one shorter', () => {
    const chunks = synthesisChunks(pcm, 1000, 10, 'wav-per-chunk');
    expect(chunks).toEqual([encodeWav(pcm.subarray(0, 10), 1000), encodeWav(pcm.subarray(10, 20), 1000), encodeWav(pcm.subarray(20, 25), 1000)]);
    expect(parseWavHeader(chunks[2]!)).toMatchObject({ sampleRate: 1000, channels: 1, bitsPerSample: 16, dataOffset: 44, dataLength: 10 });
  });

  it('header-first: the first chunk carries one RIFF header for the whole phrase, the others only PCM', () => {
    const chunks = synthesisChunks(pcm, 1000, 10, 'header-first');
    expect(chunks).toEqual([Buffer.concat([wavHeader(1000, 1, 50), bytes(pcm.subarray(0, 10))]), bytes(pcm.subarray(10, 20)), bytes(pcm.subarray(20, 25))]);
  });

  it('header-first copies the PCM: later changes to the samples do not reach chunks already made', () => {
    const source = Int16Array.from(pcm);
    const chunks = synthesisChunks(source, 1000, 10, 'header-first');
    source.fill(0);
    expect(chunks[1]).toEqual(bytes(pcm.subarray(10, 20)));
    expect(chunks[0]!.subarray(44)).toEqual(bytes(pcm.subarray(0, 10)));
  });

  it('reads PCM that is a view into a larger buffer from its own offset', () => {
    const outer = Int16Array.from({ length: 40 }, (_, i) => i);
    const view = outer.subarray(5, 17);
    expect(synthesisChunks(view, 1000, 10, 'wav-per-chunk')).toEqual([encodeWav(outer.subarray(5, 15), 1000), encodeWav(outer.subarray(15, 17), 1000)]);
    expect(synthesisChunks(view, 1000, 10, 'header-first')).toEqual([Buffer.concat([wavHeader(1000, 1, 24), bytes(outer.subarray(5, 15))]), bytes(outer.subarray(15, 17))]);
  });

  it('sends exactly one chunk when the PCM fits in one', () => {
    expect(synthesisChunks(pcm.subarray(0, 10), 1000, 10, 'wav-per-chunk')).toEqual([encodeWav(pcm.subarray(0, 10), 1000)]);
  });

  it('sends one empty WAV for no audio: a header with no data, in either layout', () => {
    expect(synthesisChunks(new Int16Array(0), 16000, 200, 'wav-per-chunk')).toEqual([encodeWav(new Int16Array(0), 16000)]);
    expect(synthesisChunks(new Int16Array(0), 16000, 200, 'header-first')).toEqual([wavHeader(16000, 1, 0)]);
  });
});
