import { describe, expect, it } from 'vitest';
import { RationalResampler } from '../../src/azure/resampler.ts';
import { concat } from './harness.ts';

function tone(rate: number, hz: number, samples: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

function run(resampler: RationalResampler, input: Int16Array, chunk: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(resampler.push(input.subarray(i, i + chunk)));
  parts.push(resampler.flush());
  return concat(...parts);
}

function rmsError(a: Int16Array, b: Int16Array, margin: number): number {
  let sum = 0;
  for (let i = margin; i < a.length - margin; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum / (a.length - 2 * margin));
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

describe('RationalResampler', () => {
  const conversions: [number, number][] = [
    [16000, 24000],
    [24000, 16000],
    [48000, 16000],
    [44100, 16000],
    [22050, 24000],
    [8000, 16000],
  ];
  for (const [from, to] of conversions) {
    it(`${from} -> ${to} Hz: same tone, in time, exact length`, () => {
      const out = run(new RationalResampler(from, to), tone(from, 1000, from), 333);
      expect(out.length).toBe(to);
      // Aligned with the ideal tone at the new rate to within a couple of LSB: no delay, no drift.
      expect(rmsError(out, tone(to, 1000, to), 100)).toBeLessThan(3);
    });
  }

  it('gives the same output however the input is chunked', () => {
    const input = tone(16000, 440, 8000);
    const whole = run(new RationalResampler(16000, 24000), input, input.length);
    for (const chunk of [1, 7, 160, 320, 4001]) expect(Array.from(run(new RationalResampler(16000, 24000), input, chunk))).toEqual(Array.from(whole));
  });

  it('removes what the new rate cannot carry instead of folding it back as an alias', () => {
    // 11 kHz at 48 kHz would alias to 5 kHz at 16 kHz.
    const out = run(new RationalResampler(48000, 16000), tone(48000, 11000, 48000), 480);
    expect(rms(out.subarray(200, out.length - 200))).toBeLessThan(10);
  });

  it('clips instead of wrapping around at full scale', () => {
    const square = new Int16Array(16000).map((_, i) => (Math.floor(i / 40) % 2 === 0 ? 32767 : -32768));
    const out = run(new RationalResampler(16000, 24000), square, 160);
    // Gibbs overshoot would wrap to the opposite sign without clipping: the sign follows the input.
    for (let i = 210; i < out.length - 200; i += 60) expect(Math.sign(out[i] ?? 0)).toBe(Math.sign(square[Math.floor((i * 2) / 3)] ?? 0));
  });

  it('starts over after flush', () => {
    const resampler = new RationalResampler(16000, 24000);
    const input = tone(16000, 440, 1600);
    const first = run(resampler, input, 160);
    const second = run(resampler, input, 160);
    expect(Array.from(second)).toEqual(Array.from(first));
  });

  it('rejects rates that are not positive integers', () => {
    expect(() => new RationalResampler(0, 16000)).toThrow(RangeError);
    expect(() => new RationalResampler(16000.5, 16000)).toThrow(/positive integers/);
  });
});
