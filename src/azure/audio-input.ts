/**
 * Turns whatever AudioFrames the framework hands us (any rate, any channel count) into the one
 * format the Speech service takes: 16 kHz, 16-bit, mono PCM.
 */
import { AudioFrame, AudioResampler } from '@livekit/rtc-node';

export const SERVICE_SAMPLE_RATE = 16000;

export class InputAudioConverter {
  #resampler: AudioResampler | undefined;
  #resamplerInputRate = 0;

  /**
   * Returns 16 kHz mono samples in a buffer of their own (the SDK keeps what it is given, so it
   * must never see a view into a frame or a pooled buffer). May be empty while the resampler fills.
   */
  convert(frame: AudioFrame): Int16Array {
    const mono = downmix(frame);
    if (frame.sampleRate === SERVICE_SAMPLE_RATE) return mono === frame.data ? frame.data.slice() : mono;
    if (this.#resampler === undefined || this.#resamplerInputRate !== frame.sampleRate) {
      this.#resampler?.close();
      this.#resampler = new AudioResampler(frame.sampleRate, SERVICE_SAMPLE_RATE, 1);
      this.#resamplerInputRate = frame.sampleRate;
    }
    const resampled = this.#resampler.push(monoFrame(frame, mono));
    return concatSamples(resampled.map((f) => f.data));
  }

  close(): void {
    this.#resampler?.close();
    this.#resampler = undefined;
  }
}

/** Averages interleaved channels; returns the frame's own data for mono input. */
function downmix(frame: AudioFrame): Int16Array {
  const { channels, samplesPerChannel, data } = frame;
  if (channels === 1) return data;
  const mono = new Int16Array(samplesPerChannel);
  for (let i = 0; i < samplesPerChannel; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data[i * channels + c] ?? 0;
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}

/** The resampler's FFI reads from the start of `data.buffer`, so the data must own its buffer. */
function monoFrame(frame: AudioFrame, mono: Int16Array): AudioFrame {
  if (mono.byteOffset !== 0 || mono.byteLength !== mono.buffer.byteLength) mono = mono.slice();
  else if (frame.channels === 1) return frame;
  return new AudioFrame(mono, frame.sampleRate, 1, mono.length);
}

export function concatSamples(parts: Int16Array[]): Int16Array {
  if (parts.length === 1) {
    const only = parts[0] as Int16Array;
    return only.byteOffset === 0 && only.byteLength === only.buffer.byteLength ? only : only.slice();
  }
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
