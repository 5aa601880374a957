/**
 * Audio in and out of a real LiveKit room through rtc-node, for `interpreter speak` / `listen`,
 * the room tests and `bench room`: publish a recording as a microphone at real time, and record
 * a subscribed track.
 */
import { AudioFrame, AudioSource, AudioStream, LocalAudioTrack, TrackPublishOptions, TrackSource, type LocalParticipant, type RemoteTrack } from '@livekit/rtc-node';

const FRAME_MS = 10;

export interface PublishedRecording {
  trackSid: string;
  /** Resolves once the whole recording has been played into the room. */
  done: Promise<void>;
  /** Wall-clock time (`Date.now()`) each 10 ms frame was due, for latency measurements. */
  frameDueAt: number[];
  stop(): Promise<void>;
}

/**
 * Publishes `samples` (mono, `sampleRate`) as a microphone track named `name` and plays them in
 * real time. `AudioSource` queues up to its buffer, so a frame's real-time due time is recorded
 * rather than the moment `captureFrame` returned. `startAfter` holds the playing back until, say,
 * the listeners are subscribed.
 */
export async function publishRecording(
  participant: LocalParticipant,
  samples: Int16Array,
  sampleRate: number,
  options: { name?: string; signal?: AbortSignal; leadingSilenceMs?: number; startAfter?: Promise<unknown> } = {},
): Promise<PublishedRecording> {
  const source = new AudioSource(sampleRate, 1);
  const track = LocalAudioTrack.createAudioTrack(options.name ?? 'microphone', source);
  const publication = await participant.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  const frameSamples = (sampleRate * FRAME_MS) / 1000;
  const silence = new Int16Array(Math.round(((options.leadingSilenceMs ?? 0) * sampleRate) / 1000));
  const all = new Int16Array(silence.length + samples.length);
  all.set(silence);
  all.set(samples, silence.length);
  const frameDueAt: number[] = [];
  let stopped = false;
  const done = (async () => {
    // A source whose track nobody takes yet queues what it is given, and plays it late ever after.
    await options.startAfter;
    const start = Date.now();
    for (let i = 0, n = 0; i < all.length && !stopped && !options.signal?.aborted; i += frameSamples, n += 1) {
      const chunk = new Int16Array(frameSamples);
      chunk.set(all.subarray(i, i + frameSamples));
      const due = start + n * FRAME_MS;
      frameDueAt.push(due);
      const ahead = due - Date.now();
      // Keep no more than ~100 ms queued in the source: "real time" means the room hears it when due.
      if (ahead > 100) await new Promise((resolve) => setTimeout(resolve, ahead - 100));
      await source.captureFrame(new AudioFrame(chunk, sampleRate, 1, frameSamples));
    }
    await source.waitForPlayout();
  })();
  return {
    trackSid: publication.sid ?? '',
    done,
    frameDueAt,
    stop: async () => {
      stopped = true;
      await done.catch(() => undefined);
      await participant.unpublishTrack(publication.sid ?? '').catch(() => undefined);
      await source.close();
    },
  };
}

export interface TrackRecording {
  frames: AudioFrame[];
  /** `Date.now()` when each frame arrived. */
  arrivedAt: number[];
  stop(): void;
}

/** Records a subscribed audio track as mono `sampleRate` frames until `stop()` or the track ends. */
export function recordTrack(track: RemoteTrack, sampleRate = 48_000, onFrame?: (frame: AudioFrame, at: number) => void): TrackRecording {
  const stream = new AudioStream(track, { sampleRate, numChannels: 1 });
  const frames: AudioFrame[] = [];
  const arrivedAt: number[] = [];
  let stopped = false;
  const reader = stream.getReader();
  void (async () => {
    while (!stopped) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      const at = Date.now();
      frames.push(value);
      arrivedAt.push(at);
      onFrame?.(value, at);
    }
  })().catch(() => undefined);
  return {
    frames,
    arrivedAt,
    stop: () => {
      stopped = true;
      reader.cancel().catch(() => undefined);
    },
  };
}

/** RMS per window of `windowMs` over mono frames (one value per window). */
export function envelope(frames: readonly AudioFrame[], windowMs = 20): number[] {
  const out: number[] = [];
  let sum = 0;
  let count = 0;
  let windowSamples = 0;
  for (const frame of frames) {
    windowSamples ||= Math.round((frame.sampleRate * windowMs) / 1000);
    for (const sample of frame.data) {
      sum += sample * sample;
      count += 1;
      if (count === windowSamples) {
        out.push(Math.sqrt(sum / count));
        sum = 0;
        count = 0;
      }
    }
  }
  return out;
}
