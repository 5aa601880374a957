/**
 * The emulator's "voice": a vowel-like harmonic tone whose loudness follows the utterance it
 * answers, frame by frame, at the same length. Audible and speech-shaped (silences where the
 * speaker paused), deterministic, and cheap enough for benchmarks with many sessions.
 */
import { encodeWav, wavHeader } from '../common/wav.ts';

const HARMONICS = [1, 0.5, 0.33, 0.25, 0.2, 0.16];
const HARMONIC_SUM = HARMONICS.reduce((a, b) => a + b, 0);

/** Speech-shaped audio at `outRate` with the length and loudness envelope of the input. */
export function synthesizeLike(envelope: Float32Array, inputPeak: number, outRate: number, pitchHz = 140): Int16Array {
  const frameSamples = outRate / 100;
  const out = new Int16Array(Math.round(envelope.length * frameSamples));
  let maxRms = 1;
  for (const v of envelope) maxRms = Math.max(maxRms, v);
  // The reply is as loud as the speech was: full-scale speech gets a (nearly) full-scale reply.
  const gain = (Math.min(32767, inputPeak) * 0.95) / HARMONIC_SUM;
  for (let i = 0; i < out.length; i++) {
    const position = i / frameSamples;
    const index = Math.min(envelope.length - 1, Math.floor(position));
    const next = Math.min(envelope.length - 1, index + 1);
    const fraction = position - index;
    const level = ((envelope[index] ?? 0) * (1 - fraction) + (envelope[next] ?? 0) * fraction) / maxRms;
    const t = i / outRate;
    // A slight vibrato keeps it from sounding like a test tone.
    const phase = 2 * Math.PI * pitchHz * t + 0.8 * Math.sin(2 * Math.PI * 5 * t);
    let sample = 0;
    for (let h = 0; h < HARMONICS.length; h++) sample += HARMONICS[h]! * Math.sin((h + 1) * phase);
    out[i] = Math.round(sample * gain * level);
  }
  return out;
}

/** Samples of PCM in each synthesized chunk. */
export function synthesisChunkSamples(rate: number, chunkMs: number): number {
  return Math.max(1, Math.round((rate * chunkMs) / 1000));
}

/** Splits synthesized PCM into the chunks the service sends, in either layout it may use. */
export function synthesisChunks(pcm: Int16Array, rate: number, chunkMs: number, layout: 'wav-per-chunk' | 'header-first'): Buffer[] {
  const chunkSamples = synthesisChunkSamples(rate, chunkMs);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < pcm.length; offset += chunkSamples) {
    const part = pcm.subarray(offset, Math.min(pcm.length, offset + chunkSamples));
    if (layout === 'wav-per-chunk') chunks.push(encodeWav(part, rate));
    else {
      const bytes = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      chunks.push(offset === 0 ? Buffer.concat([wavHeader(rate, 1, pcm.byteLength), bytes]) : Buffer.from(bytes));
    }
  }
  if (chunks.length === 0) chunks.push(layout === 'wav-per-chunk' ? encodeWav(new Int16Array(0), rate) : wavHeader(rate, 1, 0));
  return chunks;
}
