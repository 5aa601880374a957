/**
 * Synthesized speech arrives as `SynthesizingAudio` chunks of WAV bytes. The service has been seen
 * both to put a RIFF header on every chunk and only on the first (notes: azure-speech 1.4), and
 * its rate is not promised, so each header's `fmt ` is read and the PCM after it is downmixed,
 * resampled to the session's rate and cut into 100 ms AudioFrames. What a chunk leaves over goes out
 * with it as a shorter frame: a service that completes synthesis once per stream says nothing more
 * until the next phrase, and a tail held back till then reached the room seconds late (the agent
 * benchmark counted those as underruns). Only a resampler's look-ahead (1 ms) waits for the end.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { RationalResampler } from './resampler.ts';
import { type WavFormat, WavError, assertPcm16, parseWavHeader, startsWithRiff } from '../common/wav.ts';

/** What the service documents for translation synthesis; used only if a chunk arrives before any header. */
const ASSUMED_FORMAT: WavFormat = { sampleRate: 16000, channels: 1, bitsPerSample: 16, formatTag: 1 };
/**
 * 100 ms, the frame agents-js itself hands synthesized speech out in (`AudioByteStream`'s default
 * of sampleRate / 10, used by its inference TTS). Every frame costs an AudioFrame, a stream
 * enqueue and a read on the consumer's side whatever its length; at 20 ms those were most of the
 * plugin's CPU over the bare SDK (`bench plugin`). It adds no delay: a chunk's frames all leave
 * when the chunk arrives, and listeners' sources queue 200 ms anyway.
 */
const FRAME_MS = 100;
/** AudioFrame.userdata key: performance.now() when the chunk that completed the frame reached us. */
export const RECEIVED_AT = 'lkInterpreterReceivedAt';

export class SynthesisDecoder {
  readonly #outputRate: number;
  readonly #frameSamples: number;
  #format: WavFormat | undefined;
  #resampler: RationalResampler | undefined;
  /** Bytes of a RIFF header that arrived split across chunks. */
  #pendingHeader: Uint8Array | undefined;
  /** Bytes of a sample block split across chunks, carried into the next one. */
  #carry: Uint8Array | undefined;
  #frame: Int16Array;
  #frameFill = 0;
  #receivedAt = 0;
  /** Set when audio arrived with no header to read its format from. */
  assumedFormat = false;

  constructor(outputRate: number) {
    this.#outputRate = outputRate;
    this.#frameSamples = (outputRate * FRAME_MS) / 1000;
    this.#frame = new Int16Array(this.#frameSamples);
  }

  /** Decodes one chunk; returns its frames (the last one shorter if the chunk ends mid-frame). Throws WavError for non-PCM16 audio. */
  push(chunk: ArrayBuffer, receivedAt: number): AudioFrame[] {
    this.#receivedAt = receivedAt;
    let bytes = new Uint8Array(chunk);
    if (this.#pendingHeader) {
      const joined = new Uint8Array(this.#pendingHeader.length + bytes.length);
      joined.set(this.#pendingHeader);
      joined.set(bytes, this.#pendingHeader.length);
      bytes = joined;
      this.#pendingHeader = undefined;
    }
    if (startsWithRiff(bytes) || (bytes.length < 4 && this.#format === undefined)) {
      const header = bytes.length >= 4 ? parseWavHeader(bytes) : undefined;
      if (!header) {
        this.#pendingHeader = bytes;
        return [];
      }
      assertPcm16(header, 'synthesized audio');
      this.#setFormat(header);
      bytes = bytes.subarray(header.dataOffset);
    } else if (this.#format === undefined) {
      this.assumedFormat = true;
      this.#setFormat(ASSUMED_FORMAT);
    }
    return this.#decodePcm(bytes);
  }

  /** Ends the current utterance: drains the resampler and returns the last (possibly short) frame. */
  end(): AudioFrame[] {
    const frames: AudioFrame[] = [];
    if (this.#resampler) {
      this.#reframe(this.#resampler.flush(), frames);
      this.#resampler = undefined;
    }
    this.#flushPartial(frames);
    this.#format = undefined;
    this.#pendingHeader = undefined;
    this.#carry = undefined;
    return frames;
  }

  /** The resampler holds the filter's look-ahead of the last samples back, waiting for more audio. */
  get holdsLookahead(): boolean {
    return this.#resampler !== undefined;
  }

  /**
   * Lets out the look-ahead the resampler holds (the last ~1 ms, as if the audio ended here) and
   * starts the next audio on a fresh filter. For the moment playback is about to run out of
   * decoded audio: audio arriving later is a gap anyway, and the tail must not wait for the
   * utterance's end, which with one completion per stream comes with the next phrase.
   */
  flushLookahead(): AudioFrame[] {
    const frames: AudioFrame[] = [];
    const resampler = this.#resampler;
    if (!resampler) return frames;
    this.#reframe(resampler.flush(), frames);
    this.#resampler = new RationalResampler(resampler.inputRate, resampler.outputRate);
    this.#flushPartial(frames);
    return frames;
  }

  close(): void {
    this.#resampler = undefined;
  }

  #setFormat(format: WavFormat): void {
    const previous = this.#format;
    if (previous && previous.sampleRate === format.sampleRate && previous.channels === format.channels) return;
    this.#format = format;
    this.#carry = undefined;
    this.#resampler = format.sampleRate === this.#outputRate ? undefined : new RationalResampler(format.sampleRate, this.#outputRate);
  }

  #decodePcm(bytes: Uint8Array): AudioFrame[] {
    const format = this.#format;
    if (!format) throw new WavError('synthesized audio has no format');
    if (this.#carry !== undefined && bytes.length > 0) {
      const joined = new Uint8Array(this.#carry.length + bytes.length);
      joined.set(this.#carry);
      joined.set(bytes, this.#carry.length);
      bytes = joined;
      this.#carry = undefined;
    }
    const blockBytes = 2 * format.channels;
    const usable = bytes.length - (bytes.length % blockBytes);
    if (usable < bytes.length) this.#carry = bytes.slice(usable);
    const samples = usable / blockBytes;
    if (samples === 0) return [];
    const mono = format.channels === 1 ? pcmView(bytes, usable) : downmixPcm(bytes, samples, format.channels);
    const frames: AudioFrame[] = [];
    this.#reframe(this.#resampler ? this.#resampler.push(mono) : mono, frames);
    this.#flushPartial(frames);
    return frames;
  }

  #flushPartial(out: AudioFrame[]): void {
    if (this.#frameFill === 0) return;
    const tail = this.#frame.slice(0, this.#frameFill);
    out.push(new AudioFrame(tail, this.#outputRate, 1, this.#frameFill, { [RECEIVED_AT]: this.#receivedAt }));
    this.#frameFill = 0;
  }

  #reframe(samples: Int16Array, out: AudioFrame[]): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.#frameSamples - this.#frameFill, samples.length - offset);
      this.#frame.set(samples.subarray(offset, offset + take), this.#frameFill);
      this.#frameFill += take;
      offset += take;
      if (this.#frameFill === this.#frameSamples) {
        out.push(new AudioFrame(this.#frame, this.#outputRate, 1, this.#frameSamples, { [RECEIVED_AT]: this.#receivedAt }));
        this.#frame = new Int16Array(this.#frameSamples);
        this.#frameFill = 0;
      }
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian 16-bit PCM as samples: a view when alignment and byte order allow, else a copy. */
function pcmView(bytes: Uint8Array, length: number): Int16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, length / 2);
  const out = new Int16Array(length / 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

function downmixPcm(bytes: Uint8Array, samples: number, channels: number): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, samples * channels * 2);
  const mono = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += view.getInt16((i * channels + c) * 2, true);
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}
