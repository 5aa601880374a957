/**
 * One language's output: sums every speaker's translated speech into one mono track. Speakers
 * overlap (a meeting is not a queue) and the sum goes through a soft limiter, so two full-scale
 * voices never clip; one speaker's utterances play one after another (a lane each), so an
 * interpreter never talks over itself.
 *
 * Audio is pushed ahead into the track's source as the framework does it (agents-js RoomIO:
 * `AudioSource` with a 200 ms queue, frames pushed as fast as `captureFrame` takes them): up to
 * `queueMs` ahead of playout, topped up when a quarter of it has played, so the event loop wakes
 * about every 50 ms instead of every 10 ms frame, and `captureFrame`'s own backpressure paces a source
 * whose queue is full. Between utterances nothing is sent (WebRTC fills the gap, as for the
 * framework's own agents); an utterance that starts from silence goes out at once, never behind a
 * queue. A frame of an utterance already playing that reaches the source after the queue ran dry
 * is an underrun (a gap a listener hears); they are counted.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { FRAME_RECEIVED_AT_KEY } from '../azure/index.ts';
import type { AudioSink } from './room-io.ts';

/** A capture that took longer than this waited for room in the source's queue. */
const BLOCKED_CAPTURE_MS = 5;

export interface MixerOptions {
  sampleRate: number;
  frameMs?: number;
  /** Audio pushed ahead of playout at most (default 200 ms, the framework's AudioSource queue). */
  queueMs?: number;
  /**
   * Called per utterance with the delay from its first frame's arrival to the moment that frame
   * plays (`fromSilence`: the track was idle, so nothing else was queued ahead of it).
   */
  onLatency?: (ms: number, fromSilence: boolean) => void;
}

interface Source {
  chunks: Int16Array[];
  /** Read position in chunks[0]. */
  offset: number;
  ended: boolean;
  /** Arrival time of the first chunk, until it has been played. */
  firstArrival: number | undefined;
  started: boolean;
  /** It came while an earlier utterance of its lane was still playing, and waits for it, by design. */
  followsInLane?: boolean;
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
  readonly queueMs: number;
  private readonly frameMs: number;
  /** Audio still queued when the pump tops the queue up again. */
  private readonly refillAtMs: number;
  /** Sources by lane, in order: only each lane's first is mixed. */
  private readonly lanes = new Map<unknown, Source[]>();
  private readonly sum: Float64Array;
  /** start() was called and close() not yet: audio that arrives is played. */
  private enabled = false;
  /** The running pump, while one runs (close() waits for its capture in flight). */
  private pumping: Promise<void> | undefined;
  /** performance.now() at which the audio already given to the sink has played out. */
  private playedOutAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: (() => void) | undefined;
  private peak = 0;
  private underrunFrames = 0;
  private framesOut = 0;

  constructor(
    private readonly sink: AudioSink,
    private readonly options: MixerOptions,
  ) {
    this.sampleRate = options.sampleRate;
    this.frameMs = options.frameMs ?? 10;
    this.queueMs = Math.max(this.frameMs, options.queueMs ?? 200);
    this.refillAtMs = this.queueMs - Math.max(this.frameMs, this.queueMs / 4);
    this.frameSamples = Math.round((this.sampleRate * this.frameMs) / 1000);
    this.sum = new Float64Array(this.frameSamples);
  }

  /** Lets the mixer play: it pushes whenever audio arrives. */
  start(): void {
    this.enabled = true;
    this.wake();
  }

  /**
   * Adds one utterance's audio; resolves when it has been read to its end (not yet played).
   * Utterances of the same `lane` (one speaker's session) play one after another.
   */
  async add(frames: AsyncIterable<AudioFrame>, lane: unknown = Symbol('utterance')): Promise<void> {
    const source: Source = { chunks: [], offset: 0, ended: false, firstArrival: undefined, started: false };
    let queue = this.lanes.get(lane);
    if (!queue) this.lanes.set(lane, (queue = []));
    if (queue.length > 0) source.followsInLane = true;
    queue.push(source);
    try {
      for await (const frame of frames) {
        source.chunks.push(mono(frame, this.sampleRate));
        if (source.chunks.length === 1 && !source.started && source.firstArrival === undefined) {
          const received = frame.userdata?.[FRAME_RECEIVED_AT_KEY];
          source.firstArrival = typeof received === 'number' ? received : performance.now();
        }
        this.wake();
      }
    } finally {
      source.ended = true;
      this.dropFinished();
      this.wake();
    }
  }

  /** Sources still playing or waiting for audio. */
  get activeSources(): number {
    let total = 0;
    for (const queue of this.lanes.values()) total += queue.length;
    return total;
  }

  /** Largest absolute output sample so far (tests check for clipping). */
  get peakSample(): number {
    return this.peak;
  }

  /** Frames of an utterance already playing that reached the sink after the queue had run dry. */
  get underruns(): number {
    return this.underrunFrames;
  }

  /** Frames given to the sink so far. */
  get framesSent(): number {
    return this.framesOut;
  }

  /** Audio queued in the sink ahead of playout, in ms. */
  get queuedMs(): number {
    return Math.max(0, this.playedOutAt - performance.now());
  }

  /** Starts pushing if there is audio and nothing is pushing already; a sleeping pump is woken. */
  private wake(): void {
    if (!this.enabled) return;
    if (this.pumping) {
      // Sleeping only because the queue was full: new audio does not change that. Keep sleeping.
      return;
    }
    if (!this.hasAudio()) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // Audio may have arrived while the last capture was in flight.
      if (this.hasAudio()) this.wake();
    });
  }

  private async pump(): Promise<void> {
    while (this.enabled && this.hasAudio()) {
      const now = performance.now();
      const ahead = this.playedOutAt - now;
      if (ahead >= this.queueMs) {
        // Full: sleep until a quarter of it has played, then top it up. A wake-up per ~50 ms, not
        // per 10 ms frame, and a stall of the event loop up to three quarters of the queue
        // (150 ms: a major GC, a busy host) still finds audio queued.
        await this.sleep(ahead - this.refillAtMs);
        continue;
      }
      const dry = ahead < 0;
      const playsAt = dry ? now : this.playedOutAt;
      const frame = this.mix(playsAt, dry);
      this.playedOutAt = playsAt + this.frameMs;
      this.framesOut++;
      try {
        // The real source waits here when its own queue is full: that is the pacing.
        const before = performance.now();
        await this.sink.captureFrame(frame);
        // It waited, so its queue (as long as ours) is full now: playout is further ahead than
        // our clock says (a source starts playing when WebRTC first takes audio, not when we
        // first push). Without this the clock falls behind and counts underruns no one hears.
        const after = performance.now();
        if (after - before > BLOCKED_CAPTURE_MS) this.playedOutAt = Math.max(this.playedOutAt, after + this.queueMs);
      } catch {
        // A closed or failed sink loses this frame; the mixer goes on for the others.
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeTimer = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wakeTimer = undefined;
        resolve();
      }, Math.max(1, ms));
    });
  }

  private hasAudio(): boolean {
    for (const queue of this.lanes.values()) if (queue[0] && queue[0].chunks.length > 0) return true;
    return false;
  }

  private dropFinished(): void {
    for (const [lane, queue] of this.lanes) {
      while (queue[0]?.ended && queue[0].chunks.length === 0) queue.shift();
      if (queue.length === 0) this.lanes.delete(lane);
    }
  }

  /** Mixes the next frame from each lane's current source, which plays at `playsAt`. */
  private mix(playsAt: number, dry: boolean): AudioFrame {
    const sum = this.sum;
    sum.fill(0);
    let continuing = false;
    for (const queue of this.lanes.values()) {
      let written = 0;
      // A lane's next utterance continues in the same frame once the current one is used up.
      while (written < this.frameSamples) {
        const source = queue[0];
        if (!source || source.chunks.length === 0) break;
        if (!source.started) {
          source.started = true;
          // An utterance that follows the same speaker's previous one waited for it by design: not a delay.
          if (source.firstArrival !== undefined && !source.followsInLane) this.options.onLatency?.(Math.max(0, playsAt - source.firstArrival), dry);
        } else if (written === 0) {
          continuing = true;
        }
        written = this.take(source, written);
        if (source.ended && source.chunks.length === 0) queue.shift();
        else if (source.chunks.length === 0) break;
      }
    }
    this.dropFinished();
    if (dry && continuing) this.underrunFrames++;
    const out = new Int16Array(this.frameSamples);
    for (let i = 0; i < out.length; i++) {
      const value = Math.round(softLimit(sum[i]!));
      out[i] = value;
      const magnitude = Math.abs(value);
      if (magnitude > this.peak) this.peak = magnitude;
    }
    return new AudioFrame(out, this.sampleRate, 1, this.frameSamples);
  }

  /** Adds the source's next samples into the frame from `written` on; returns how far it got. */
  private take(source: Source, written: number): number {
    while (written < this.frameSamples && source.chunks.length > 0) {
      const chunk = source.chunks[0]!;
      const take = Math.min(this.frameSamples - written, chunk.length - source.offset);
      for (let i = 0; i < take; i++) this.sum[written + i]! += chunk[source.offset + i]!;
      written += take;
      source.offset += take;
      if (source.offset >= chunk.length) {
        source.chunks.shift();
        source.offset = 0;
      }
    }
    return written;
  }

  /** Mixes the next frame now, without a sink (benchmarks and tests that drive their own clock). */
  mixFrame(now = performance.now()): AudioFrame {
    return this.mix(now, false);
  }

  /** Waits until every source has been sent and has played out (bounded), then closes. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = performance.now();
      const busy = this.activeSources > 0 || this.playedOutAt > now;
      if (!busy || now >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.min(deadline - now, Math.max(this.frameMs, this.playedOutAt - now))));
    }
    await this.close();
  }

  async close(): Promise<void> {
    this.enabled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeTimer?.();
    this.wakeTimer = undefined;
    this.lanes.clear();
    await this.pumping?.catch(() => undefined);
    await this.sink.close();
  }
}

/** The plugin already outputs mono at the track rate; anything else is folded to mono here. */
function mono(frame: AudioFrame, sampleRate: number): Int16Array {
  if (frame.sampleRate !== sampleRate) throw new Error(`mixer expects ${sampleRate} Hz audio, got ${frame.sampleRate} Hz`);
  if (frame.channels === 1) return frame.data.subarray(0, frame.samplesPerChannel);
  const out = new Int16Array(frame.samplesPerChannel);
  for (let i = 0; i < out.length; i++) {
    let total = 0;
    for (let c = 0; c < frame.channels; c++) total += frame.data[i * frame.channels + c]!;
    out[i] = Math.round(total / frame.channels);
  }
  return out;
}
