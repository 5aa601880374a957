/**
 * Turns whatever AudioFrames the framework hands us (any rate, any channel count) into the one
 * format the Speech service takes: 16 kHz, 16-bit, mono PCM.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import { RationalResampler } from './resampler.ts';

export const SERVICE_SAMPLE_RATE = 16000;

export class InputAudioConverter {
  #resampler: RationalResampler | undefined;

  /**
   * Returns the frame as 16 kHz mono samples: possibly a view into the frame itself, so copy
   * before keeping it (BlockWriter does). May be empty while the resampler fills.
   */
  convert(frame: AudioFrame): Int16Array {
    const mono = downmix(frame);
    if (frame.sampleRate === SERVICE_SAMPLE_RATE) return mono.subarray(0, frame.samplesPerChannel);
    if (this.#resampler?.inputRate !== frame.sampleRate) {
      this.#resampler = new RationalResampler(frame.sampleRate, SERVICE_SAMPLE_RATE);
    }
    return this.#resampler.push(mono.subarray(0, frame.samplesPerChannel));
  }

  close(): void {
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

/** Samples per block written to the SDK: its push stream forwards 100 ms blocks and holds a partial one anyway. */
export const BLOCK_SAMPLES = SERVICE_SAMPLE_RATE / 10;

/**
 * Gathers converted audio into 100 ms blocks, each in a buffer of its own (the SDK keeps the
 * ArrayBuffer it is given, so it must never see a view into a frame or a pooled buffer).
 * Ten small writes cost the SDK ten times what one does; the block adds no delay, because the
 * push stream would hold the partial block until it filled.
 */
export class BlockWriter {
  #block = new Int16Array(BLOCK_SAMPLES);
  #fill = 0;

  /** Calls `emit` with every block `samples` completes. */
  write(samples: Int16Array, emit: (block: Int16Array) => void): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(BLOCK_SAMPLES - this.#fill, samples.length - offset);
      this.#block.set(samples.subarray(offset, offset + take), this.#fill);
      this.#fill += take;
      offset += take;
      if (this.#fill === BLOCK_SAMPLES) {
        emit(this.#block);
        this.#block = new Int16Array(BLOCK_SAMPLES);
        this.#fill = 0;
      }
    }
  }

  /** The partial block, if any, as an exact copy. */
  flush(): Int16Array | undefined {
    if (this.#fill === 0) return undefined;
    const rest = this.#block.slice(0, this.#fill);
    this.#fill = 0;
    return rest;
  }
}
