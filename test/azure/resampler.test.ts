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

describe('RationalResampler: ratio, lengths and level', () => {
  it('reduces the ratio of the two rates', () => {
    const cases: Array<[number, number, number, number]> = [
      [16000, 24000, 3, 2],
      [44100, 16000, 160, 441],
      [48000, 16000, 1, 3],
      [16000, 16000, 1, 1],
      [8000, 48000, 6, 1],
    ];
    for (const [from, to, up, down] of cases) {
      const r = new RationalResampler(from, to);
      expect([r.inputRate, r.outputRate, r.up, r.down], `${from} -> ${to}`).toEqual([from, to, up, down]);
    }
  });

  it('refuses rates that are not positive integers, saying which', () => {
    const message = (from: number, to: number) => `sample rates must be positive integers (got ${from} -> ${to})`;
    for (const [from, to] of [
      [16000, 0],
      [-16000, 16000],
      [16000, -1],
      [16000, 24000.5],
      [Number.NaN, 16000],
    ] as const) {
      expect(() => new RationalResampler(from, to)).toThrow(RangeError);
      expect(() => new RationalResampler(from, to)).toThrow(message(from, to));
    }
    expect(() => new RationalResampler(1, 1)).not.toThrow();
  });

  it('gives exactly ceil(input * up / down) samples in total, for any length', () => {
    for (const [from, to] of [
      [16000, 24000],
      [44100, 16000],
      [48000, 16000],
      [8000, 48000],
    ] as const) {
      const r = new RationalResampler(from, to);
      for (const n of [1, 2, 7, 1001, 5000]) {
        const total = r.push(new Int16Array(n).fill(100)).length + r.flush().length;
        expect(total, `${from} -> ${to}, ${n} samples`).toBe(Math.ceil((n * r.up) / r.down));
      }
    }
  });

  it('holds back only the filter look-ahead: the output so far lags the input by a fixed number of samples', () => {
    const r = new RationalResampler(16000, 24000);
    expect(r.push(new Int16Array(1)).length).toBe(0);
    const lagged = r.push(new Int16Array(3999)).length;
    // 6000 output samples are owed for 4000 input; a 1 ms look-ahead is 24 at most.
    expect(6000 - lagged).toBeGreaterThan(0);
    expect(6000 - lagged).toBeLessThanOrEqual(24);
    const more = r.push(new Int16Array(4000)).length;
    expect(lagged + more).toBe(12000 - (6000 - lagged));
  });

  it('flushes nothing when nothing is owed, and starts over after a flush or a reset', () => {
    const r = new RationalResampler(16000, 24000);
    expect(r.flush()).toEqual(new Int16Array(0));
    const input = tone(16000, 440, 3000);
    const fresh = run(new RationalResampler(16000, 24000), input, 500);
    r.push(tone(16000, 1000, 777));
    r.reset();
    expect(Array.from(run(r, input, 500))).toEqual(Array.from(fresh));
    expect(r.flush().length).toBe(0);
  });

  it('keeps the level of a constant signal (unity gain) at every ratio', () => {
    for (const [from, to] of [
      [16000, 24000],
      [44100, 16000],
      [48000, 16000],
      [16000, 16000],
      [8000, 48000],
    ] as const) {
      const out = run(new RationalResampler(from, to), new Int16Array(4000).fill(10000), 4000);
      const middle = out.subarray(Math.floor(out.length / 4), Math.floor((3 * out.length) / 4));
      expect(Math.min(...middle), `${from} -> ${to}`).toBeGreaterThanOrEqual(9999);
      expect(Math.max(...middle), `${from} -> ${to}`).toBeLessThanOrEqual(10001);
    }
  });

  it('keeps full scale at full scale, positive and negative', () => {
    const top = run(new RationalResampler(16000, 24000), new Int16Array(4000).fill(32767), 4000);
    const bottom = run(new RationalResampler(16000, 24000), new Int16Array(4000).fill(-32768), 4000);
    expect(Math.max(...top.subarray(1000, 5000))).toBe(32767);
    expect(Math.min(...top.subarray(1000, 5000))).toBeGreaterThan(32700);
    expect(Math.min(...bottom.subarray(1000, 5000))).toBe(-32768);
    expect(Math.max(...bottom.subarray(1000, 5000))).toBeLessThan(-32700);
  });

  it('is the same over a long stream pushed in large and small pieces (history grows and is trimmed)', () => {
    const input = tone(44100, 300, 44100 * 3);
    const whole = run(new RationalResampler(44100, 16000), input, input.length);
    expect(whole.length).toBe(48000);
    expect(Array.from(run(new RationalResampler(44100, 16000), input, 441))).toEqual(Array.from(whole));
    expect(Array.from(run(new RationalResampler(44100, 16000), input, 9000))).toEqual(Array.from(whole));
  });
});

describe('RationalResampler: the filter it is documented to be', () => {
  /** Modified Bessel function I0 by its power series, summed to double precision. */
  function i0(x: number): number {
    let sum = 1;
    let term = 1;
    for (let k = 1; k < 200; k++) {
      term *= (x / 2 / k) ** 2;
      sum += term;
    }
    return sum;
  }

  /**
   * The design in resampler.ts's header: a sinc cut off at 0.9 of the lower Nyquist, 16 zero
   * crossings a side, Kaiser window beta 8, centred on a whole upsampled sample, gain `up`.
   */
  function reference(up: number, down: number): { tap: (k: number) => number; delay: number } {
    const factor = Math.max(up, down);
    const taps = Math.ceil((2 * 16 * factor) / up);
    const delay = Math.floor((taps * up - 1) / 2);
    const cutoff = 0.45 / factor;
    const tap = (k: number): number => {
      if (k < 0 || k > 2 * delay) return 0;
      const x = k - delay;
      const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * cutoff * x) / (2 * Math.PI * cutoff * x);
      const window = i0(8 * Math.sqrt(Math.max(0, 1 - (x / delay) ** 2))) / i0(8);
      return 2 * cutoff * sinc * window * up;
    };
    return { tap, delay };
  }

  for (const [from, to] of [
    [16000, 24000],
    [48000, 16000],
    [16000, 48000],
  ] as const) {
    it(`${from} -> ${to} Hz: an impulse comes out as the windowed sinc, sample for sample`, () => {
      const r = new RationalResampler(from, to);
      const { tap, delay } = reference(r.up, r.down);
      for (const at of [0, 1]) {
        const input = new Int16Array(400);
        input[at] = 32767;
        const out = run(new RationalResampler(from, to), input, input.length);
        let checked = 0;
        for (let m = 0; m < out.length; m++) {
          const expected = 32767 * tap(m * r.down + delay - at * r.up);
          expect(Math.abs((out[m] ?? 0) - expected), `impulse at ${at}, output ${m}`).toBeLessThanOrEqual(0.5 + 1e-6);
          if (Math.abs(expected) >= 1) checked++;
        }
        expect(checked).toBeGreaterThan(8);
      }
    });
  }

  it('clamps the overshoot of a full-scale square wave instead of wrapping it to the other sign', () => {
    const period = 80;
    const square = new Int16Array(1600).map((_, i) => (Math.floor(i / (period / 2)) % 2 === 0 ? 32767 : -32768));
    const out = run(new RationalResampler(16000, 24000), square, 1600);
    let top = 0;
    let bottom = 0;
    for (let i = 0; i < out.length - 40; i++) {
      const value = out[i] ?? 0;
      if (value === 32767) top++;
      if (value === -32768) bottom++;
      const t = (i * 2) / 3;
      const phase = t % (period / 2);
      if (Math.min(phase, period / 2 - phase) < 1.5) continue;
      expect(Math.sign(value), `output ${i}`).toBe(Math.sign(square[Math.floor(t)] ?? 0));
    }
    expect(top).toBeGreaterThan(100);
    expect(bottom).toBeGreaterThan(100);
  });
});
