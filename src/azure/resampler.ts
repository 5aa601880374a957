/**
 * A streaming rational resampler (Kaiser-windowed sinc, polyphase) in plain TypeScript.
 *
 * rtc-node's AudioResampler crosses the FFI with a protobuf request per call; for the 20 ms
 * chunks of synthesized speech that round trip cost more than the filtering itself (the plugin
 * benchmark showed it as the largest item of the plugin's CPU). Speech-rate conversions are small
 * ratios (16 -> 24 kHz is 3/2, 48 -> 16 kHz is 1/3), so a polyphase filter is a few dozen
 * multiply-adds per output sample.
 */

/** Zero crossings of the sinc on each side, in units of the lower of the two rates. */
const HALF_WIDTH = 16;
/** Kaiser beta for ~80 dB stopband. */
const KAISER_BETA = 8;
/** Cutoff as a fraction of the lower Nyquist: leaves the transition band room below it. */
const ROLLOFF = 0.9;

export class RationalResampler {
  readonly up: number;
  readonly down: number;
  /** phases[p][j]: the filter's taps for output phase p, applied to input samples i, i-1, ... */
  readonly #phases: Float64Array[];
  readonly #tapsPerPhase: number;
  /** Delay of the filter's centre, in upsampled samples. */
  readonly #delay: number;
  /** Input samples from global index #historyStart on (leading zeros stand for "before the start"). */
  #history: Float64Array;
  #historyStart: number;
  #historyLength = 0;
  #inputCount = 0;
  #outputCount = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate: number,
  ) {
    if (!Number.isInteger(inputRate) || !Number.isInteger(outputRate) || inputRate <= 0 || outputRate <= 0) {
      throw new RangeError(`sample rates must be positive integers (got ${inputRate} -> ${outputRate})`);
    }
    const divisor = gcd(inputRate, outputRate);
    this.up = outputRate / divisor;
    this.down = inputRate / divisor;
    const factor = Math.max(this.up, this.down);
    this.#tapsPerPhase = Math.ceil((2 * HALF_WIDTH * factor) / this.up);
    const length = this.#tapsPerPhase * this.up;
    this.#delay = Math.floor((length - 1) / 2);
    this.#phases = filterPhases(this.up, this.down, this.#tapsPerPhase, this.#delay);
    this.#history = new Float64Array(this.#tapsPerPhase + 4096);
    // Samples before the first are zeros: the history starts tapsPerPhase before index 0.
    this.#historyStart = -this.#tapsPerPhase;
    this.#historyLength = this.#tapsPerPhase;
  }

  /** Resamples the next input samples; returns the output samples they complete (may be empty). */
  push(input: Int16Array): Int16Array {
    this.#append(input);
    this.#inputCount += input.length;
    return this.#produce(this.#inputCount);
  }

  /** Returns the rest of the output, so the total is inputSamples * outputRate / inputRate rounded up. */
  flush(): Int16Array {
    const total = Math.ceil((this.#inputCount * this.up) / this.down);
    if (total <= this.#outputCount) {
      this.reset();
      return new Int16Array(0);
    }
    const needed = this.#inputIndexFor(total - 1) + 1;
    if (needed > this.#inputCount) this.#append(new Int16Array(needed - this.#inputCount));
    const out = this.#produce(needed, total);
    this.reset();
    return out;
  }

  /** Forgets all input, as if newly made. */
  reset(): void {
    this.#historyStart = -this.#tapsPerPhase;
    this.#history.fill(0, 0, this.#tapsPerPhase);
    this.#historyLength = this.#tapsPerPhase;
    this.#inputCount = 0;
    this.#outputCount = 0;
  }

  /** The newest input index output sample m reads. */
  #inputIndexFor(m: number): number {
    return Math.floor((m * this.down + this.#delay) / this.up);
  }

  #produce(available: number, limit = Number.POSITIVE_INFINITY): Int16Array {
    const up = this.up;
    const down = this.down;
    const taps = this.#tapsPerPhase;
    // Output m is ready once its newest input sample, inputIndexFor(m), has arrived.
    const end = Math.min(Math.floor((available * up - 1 - this.#delay) / down) + 1, limit);
    const count = Math.max(0, end - this.#outputCount);
    const out = new Int16Array(count);
    const history = this.#history;
    const phases = this.#phases;
    let n = this.#outputCount * down + this.#delay;
    const base = this.#historyStart;
    for (let o = 0; o < count; o++, n += down) {
      const phase = phases[n % up] as Float64Array;
      const oldest = ((n / up) | 0) - base - taps + 1;
      let sum = 0;
      for (let j = 0; j < taps; j++) sum += (phase[j] as number) * (history[oldest + j] as number);
      out[o] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : Math.round(sum);
    }
    this.#outputCount += count;
    this.#trim();
    return out;
  }

  #append(input: Int16Array): void {
    if (this.#historyLength + input.length > this.#history.length) {
      const grown = new Float64Array(Math.max(this.#history.length * 2, this.#historyLength + input.length));
      grown.set(this.#history.subarray(0, this.#historyLength));
      this.#history = grown;
    }
    const history = this.#history;
    let at = this.#historyLength;
    for (let i = 0; i < input.length; i++) history[at++] = input[i] as number;
    this.#historyLength = at;
  }

  /** Drops input no future output reads (keeps tapsPerPhase before the next output's newest sample). */
  #trim(): void {
    const keepFrom = this.#inputIndexFor(this.#outputCount) - this.#tapsPerPhase + 1;
    const drop = Math.min(keepFrom - this.#historyStart, this.#historyLength);
    if (drop < 1024) return;
    this.#history.copyWithin(0, drop, this.#historyLength);
    this.#historyLength -= drop;
    this.#historyStart += drop;
  }
}

/** Filter tables are shared by every resampler with the same ratio: one per utterance would waste the work. */
const tables = new Map<string, Float64Array[]>();

function filterPhases(up: number, down: number, tapsPerPhase: number, delay: number): Float64Array[] {
  const key = `${up}/${down}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const cutoff = (ROLLOFF * 0.5) / Math.max(up, down); // cycles per upsampled sample
  // Centred on a whole upsampled sample, so the output is not shifted by a fraction of one.
  const centre = delay;
  const norm = besselI0(KAISER_BETA);
  const phases = Array.from({ length: up }, () => new Float64Array(tapsPerPhase));
  for (let k = 0; k <= 2 * centre; k++) {
    const x = k - centre;
    const sinc = x === 0 ? 1 : Math.sin(2 * Math.PI * cutoff * x) / (2 * Math.PI * cutoff * x);
    const r = x / centre;
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / norm;
    // Gain `up` restores the level lost to zero-stuffing; stored oldest-first for the inner loop.
    (phases[k % up] as Float64Array)[tapsPerPhase - 1 - Math.floor(k / up)] = 2 * cutoff * sinc * window * up;
  }
  tables.set(key, phases);
  return phases;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series; converges fast for the betas used). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
