import { readFileSync } from 'node:fs';
import type { AudioFrame } from '@livekit/rtc-node';
import { decodeWav } from '../../src/common/wav.ts';

export function fixture(name: string): { samples: Int16Array; sampleRate: number } {
  const wav = decodeWav(readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url)));
  return { samples: wav.samples, sampleRate: wav.format.sampleRate };
}

/** The same speech scaled so its loudest sample is full scale. */
export function fullScale(samples: Int16Array): Int16Array {
  let peak = 1;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  return samples.map((s) => Math.max(-32767, Math.min(32767, Math.round((s * 32767) / peak))));
}

/** Milliseconds of output louder than `threshold` RMS (10 ms frames). */
export function audibleMs(frames: readonly AudioFrame[], threshold = 300): number {
  let ms = 0;
  for (const frame of frames) {
    let sum = 0;
    for (const s of frame.data) sum += s * s;
    if (Math.sqrt(sum / frame.data.length) > threshold) ms += (frame.samplesPerChannel / frame.sampleRate) * 1000;
  }
  return ms;
}

export function peak(frames: readonly AudioFrame[]): number {
  let max = 0;
  for (const frame of frames) for (const s of frame.data) max = Math.max(max, Math.abs(s));
  return max;
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
