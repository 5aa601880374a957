/**
 * One language's output: sums every speaker's translated speech into one mono track on a
 * real-time frame clock. Overlapping utterances play together (a meeting is not a queue); the sum
 * goes through a soft limiter, so two full-scale voices never clip. The clock runs only while
 * there is audio: between utterances nothing is sent (WebRTC fills the gap, as it does for the
 * framework's own agents), and the next utterance starts as soon as it arrives, never sooner
 * than the last frame sent has played, so the track's queue cannot creep up over a meeting.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { FRAME_RECEIVED_AT_KEY } from '../azure/index.ts';
import type { AudioSink } from './room-io.ts';


export interface MixerOptions {
  sampleRate: number;
  frameMs?: number;
  /**
   * Called per utterance with the delay between its first frame's arrival and the output frame
   * carrying it. Later frames wait behind earlier ones of the same utterance: that is playback, not delay.
   */
  onLatency?: (ms: number) => void;
}

interface Source {
  chunks: Int16Array[];
  /** Read position in chunks[0]. */
  offset: number;
  ended: boolean;
  /** Arrival time of the first chunk, until it has been played. */
  firstArrival: number | undefined;
  started: boolean;
}

const LIMIT_KNEE = 0.8 * 32767;
/** The limiter approaches this and stays ~0.3 dB under full scale, so rounding can never clip. */
const LIMIT_CEILING = 0.97 * 32767;

/** Identity below the knee, then a tanh curve toward the ceiling. */
export function softLimit(sample: number): number {
  const magnitude = Math.abs(sample);
  if (magnitude <= LIMIT_KNEE) return sample;
  const headroom = LIMIT_CEILING - LIMIT_KNEE;
  const limited = LIMIT_KNEE + headroom * Math.tanh((magnitude - LIMIT_KNEE) / headroom);
  return Math.sign(sample) * limited;
}

export class AudioMixer {
  readonly sampleRate: number;
  readonly frameSamples: number;
  private readonly frameMs: number;
  private readonly sources = new Set<Source>();
  private readonly sum: Float64Array;
  private timer: NodeJS.Timeout | undefined;
  /** start() was called and close() not yet: audio that arrives is played. */
  private enabled = false;
  /** The frame clock is ticking (there is audio to play). */
  private running = false;
  /** When the next frame is due; while stopped, when the last frame sent ends. */
  private nextFrameAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private peak = 0;

  constructor(
    private readonly sink: AudioSink,
    private readonly options: MixerOptions,
  ) {
    this.sampleRate = options.sampleRate;
    this.frameMs = options.frameMs ?? 10;
    this.frameSamples = Math.round((this.sampleRate * this.frameMs) / 1000);
    this.sum = new Float64Array(this.frameSamples);
  }

  /** Lets the mixer play: its clock starts whenever audio arrives. */
  start(): void {
    this.enabled = true;
    if (this.hasAudio()) this.wake();
  }

  /** Starts the clock for newly arrived audio, at once unless the last frame sent is still playing. */
  private wake(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.nextFrameAt = Math.max(this.nextFrameAt, performance.now());
    this.tick();
    this.schedule();
  }

  /**
   * Wakes at each frame's due time rather than polling: a poll every half frame made a frame up
   * to half a frame late on top of the wait for the frame boundary itself.
   */
  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.schedule();
    }, Math.max(0, this.nextFrameAt - performance.now()));
  }

  private hasAudio(): boolean {
    for (const source of this.sources) if (source.chunks.length > 0) return true;
    return false;
  }

  /** Adds one utterance's audio; resolves when it has been read to its end (not yet played). */
  async add(frames: AsyncIterable<AudioFrame>): Promise<void> {
    const source: Source = { chunks: [], offset: 0, ended: false, firstArrival: undefined, started: false };
    this.sources.add(source);
    try {
      for await (const frame of frames) {
        source.chunks.push(mono(frame, this.sampleRate));
        if (source.chunks.length === 1 && !source.started) {
          const received = frame.userdata?.[FRAME_RECEIVED_AT_KEY];
          source.firstArrival = typeof received === 'number' ? received : undefined;
        }
        this.wake();
      }
    } finally {
      source.ended = true;
      if (source.chunks.length === 0) this.sources.delete(source);
    }
  }

  /** Sources still playing or waiting for audio. */
  get activeSources(): number {
    return this.sources.size;
  }

  /** Largest absolute output sample so far (tests check for clipping). */
  get peakSample(): number {
    return this.peak;
  }

  /** Produces every frame that is due; the clock catches up after a stall, within reason. */
  private tick(): void {
    const now = performance.now();
    // After a long stall, skip ahead instead of bursting seconds of audio at once.
    if (now - this.nextFrameAt > 200) this.nextFrameAt = now - this.frameMs;
    while (this.nextFrameAt <= now) {
      if (!this.hasAudio()) {
        // Nothing to play: the clock stops; nextFrameAt keeps when the last frame ends.
        this.running = false;
        return;
      }
      this.nextFrameAt += this.frameMs;
      const frame = this.mixFrame(now);
      this.writing = this.writing.then(() => this.sink.captureFrame(frame)).catch(() => undefined);
    }
  }

  /** Mixes the next frame from all sources (exposed for benchmarks that drive their own clock). */
  mixFrame(now = performance.now()): AudioFrame {
    const sum = this.sum;
    sum.fill(0);
    for (const source of this.sources) {
      let written = 0;
      while (written < this.frameSamples && source.chunks.length > 0) {
        const chunk = source.chunks[0]!;
        if (!source.started) {
          source.started = true;
          if (source.firstArrival !== undefined) this.options.onLatency?.(now - source.firstArrival);
        }
        const take = Math.min(this.frameSamples - written, chunk.length - source.offset);
        for (let i = 0; i < take; i++) sum[written + i]! += chunk[source.offset + i]!;
        written += take;
        source.offset += take;
        if (source.offset >= chunk.length) {
          source.chunks.shift();
          source.offset = 0;
        }
      }
      if (source.ended && source.chunks.length === 0) this.sources.delete(source);
    }
    const out = new Int16Array(this.frameSamples);
    for (let i = 0; i < out.length; i++) {
      const value = Math.round(softLimit(sum[i]!));
      out[i] = value;
      const magnitude = Math.abs(value);
      if (magnitude > this.peak) this.peak = magnitude;
    }
    return new AudioFrame(out, this.sampleRate, 1, this.frameSamples);
  }

  /** Waits until every source has played out (bounded), then stops the clock. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.sources.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, this.frameMs));
    await this.close();
  }

  async close(): Promise<void> {
    this.enabled = false;
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sources.clear();
    await this.writing;
    await this.sink.close();
  }
}

/** The plugin already outputs mono at the track rate; anything else is folded to mono here. */
function mono(frame: AudioFrame, sampleRate: number): Int16Array {
  if (frame.sampleRate !== sampleRate) throw new Error(`mixer expects ${sampleRate} Hz audio, got ${frame.sampleRate} Hz`);
  if (frame.channels === 1) return frame.data;
  const out = new Int16Array(frame.samplesPerChannel);
  for (let i = 0; i < out.length; i++) {
    let total = 0;
    for (let c = 0; c < frame.channels; c++) total += frame.data[i * frame.channels + c]!;
    out[i] = Math.round(total / frame.channels);
  }
  return out;
}
