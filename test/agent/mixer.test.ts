import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { AudioFrame } from '@livekit/rtc-node';
import { AudioMixer, softLimit } from '../../src/agent/mixer.ts';
import type { AudioSink } from '../../src/agent/room-io.ts';

function collectingSink(): AudioSink & { frames: AudioFrame[] } {
  const frames: AudioFrame[] = [];
  return { frames, captureFrame: async (f) => void frames.push(f), close: async () => undefined };
}

/** A sink that takes every frame at once (as the in-memory room does) and notes when. */
function timedSink(): AudioSink & { frames: AudioFrame[]; times: number[] } {
  const frames: AudioFrame[] = [];
  const times: number[] = [];
  return {
    frames,
    times,
    captureFrame: async (f) => {
      frames.push(f);
      times.push(performance.now());
    },
    close: async () => undefined,
  };
}

/** Frames the test hands over one by one, as a plugin generation does. */
class FrameQueue implements AsyncIterable<AudioFrame> {
  private readonly frames: AudioFrame[] = [];
  private waiting: ((result: IteratorResult<AudioFrame>) => void) | undefined;
  private ended = false;
  push(frame: AudioFrame): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: frame, done: false });
    else this.frames.push(frame);
  }
  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }
  [Symbol.asyncIterator](): AsyncIterator<AudioFrame> {
    return {
      next: () => {
        const frame = this.frames.shift();
        if (frame) return Promise.resolve({ value: frame, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

async function* tone(amplitude: number, hz: number, ms: number, rate: number): AsyncGenerator<AudioFrame> {
  const per = rate / 100;
  for (let t = 0; t < (ms / 10) * per; t += per) {
    const data = new Int16Array(per);
    for (let i = 0; i < per; i++) data[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (t + i)) / rate));
    yield new AudioFrame(data, rate, 1, per);
  }
}

function energyAt(samples: Int16Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < samples.length; i++) {
    re += samples[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += samples[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return Math.hypot(re, im) / samples.length;
}

/** `ms` of a constant level: each source's samples are recognisable in the sum. */
async function* level(value: number, ms: number, rate: number): AsyncGenerator<AudioFrame> {
  const per = rate / 100;
  for (let t = 0; t < ms / 10; t++) yield new AudioFrame(new Int16Array(per).fill(value), rate, 1, per);
}

/** A sink that holds its first capture until `release()`: the test decides what has arrived by then. */
function gatedSink(): AudioSink & { frames: AudioFrame[]; release: () => void } {
  const frames: AudioFrame[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    frames,
    release: () => release(),
    captureFrame: async (f) => {
      frames.push(f);
      if (frames.length === 1) await gate;
    },
    close: async () => undefined,
  };
}

describe('softLimit', () => {
  it('leaves normal levels untouched and never reaches full scale', () => {
    expect(softLimit(1000)).toBe(1000);
    expect(softLimit(-20000)).toBe(-20000);
    expect(softLimit(65534)).toBeLessThan(32767);
    expect(softLimit(-65534)).toBeGreaterThan(-32768);
    expect(softLimit(30000)).toBeGreaterThan(softLimit(28000));
  });
});

describe('AudioMixer', () => {
  it('mixes two full-scale voices that start together into the same 300 ms, with a peak under full scale', async () => {
    const sink = collectingSink();
    const rate = 24000;
    const mixer = new AudioMixer(sink, { sampleRate: rate });
    const a = mixer.add(tone(32000, 440, 300, rate));
    const b = mixer.add(tone(32000, 660, 300, rate));
    await Promise.all([a, b]);
    const frames: Int16Array[] = [];
    for (let i = 0; i < 30; i++) frames.push(mixer.mixFrame().data);
    const out = Int16Array.from(frames.flatMap((f) => [...f]));
    // 300 ms of each voice in 300 ms of output: they overlap.
    expect(energyAt(out, 440, rate)).toBeGreaterThan(5000);
    expect(energyAt(out, 660, rate)).toBeGreaterThan(5000);
    expect(mixer.peakSample).toBeLessThan(32767);
    expect(mixer.activeSources).toBe(0);
    await mixer.close();
  });

  it('a second speaker who starts while the first is playing is heard in the same frames, and the mix lasts until the longer one ends', async () => {
    const rate = 16000;
    const sink = gatedSink();
    const mixer = new AudioMixer(sink, { sampleRate: rate });
    mixer.start();
    // Alice's 300 ms arrive; her first frame goes to the sink at once and the sink holds it.
    await mixer.add(level(10000, 300, rate), 'alice');
    expect(sink.frames).toHaveLength(1);
    // Bob's 500 ms arrive while alice has 290 ms still to play.
    await mixer.add(level(7000, 500, rate), 'bob');
    sink.release();
    await mixer.drain(10_000);
    const levels = sink.frames.map((f) => {
      const values = new Set(f.data);
      expect(values.size, 'a frame holds one level').toBe(1);
      return f.data[0];
    });
    // Below the limiter's knee the mix is the exact sum: alice alone, both together, then bob's remainder.
    expect(levels).toEqual([10000, ...Array<number>(29).fill(17000), ...Array<number>(21).fill(7000)]);
  });

  it('the limiter shapes the summed samples: every output sample is softLimit(a + b), none at or past full scale', async () => {
    const rate = 24000;
    const mixer = new AudioMixer(collectingSink(), { sampleRate: rate });
    await Promise.all([mixer.add(tone(32000, 440, 100, rate)), mixer.add(tone(32000, 660, 100, rate))]);
    const out = Int16Array.from(Array.from({ length: 10 }, () => [...mixer.mixFrame().data]).flat());
    const expected = (i: number) => Math.round(softLimit(Math.round(32000 * Math.sin((2 * Math.PI * 440 * i) / rate)) + Math.round(32000 * Math.sin((2 * Math.PI * 660 * i) / rate))));
    let limited = 0;
    for (let i = 0; i < out.length; i++) {
      expect(out[i], `sample ${i}`).toBe(expected(i));
      expect(Math.abs(out[i]!)).toBeLessThan(32767);
      const raw = Math.abs(Math.round(32000 * Math.sin((2 * Math.PI * 440 * i) / rate)) + Math.round(32000 * Math.sin((2 * Math.PI * 660 * i) / rate)));
      if (raw > 32767) limited++;
    }
    // The input really overloads: without the limiter these samples would clip or wrap.
    expect(limited).toBeGreaterThan(100);
    // Louder input stays louder (a soft curve, not a hard clip at one value).
    expect(new Set(out.filter((v) => Math.abs(v) > 0.9 * 32767)).size).toBeGreaterThan(10);
  });

  it('produces silence when idle and frames of the configured size', () => {
    const mixer = new AudioMixer(collectingSink(), { sampleRate: 16000, frameMs: 20 });
    const frame = mixer.mixFrame();
    expect(frame.samplesPerChannel).toBe(320);
    expect(frame.data.every((s) => s === 0)).toBe(true);
  });

  it('plays one lane\'s utterances one after another, while different lanes overlap', async () => {
    const rate = 16000;
    const mixer = new AudioMixer(collectingSink(), { sampleRate: rate });
    await Promise.all([mixer.add(tone(8000, 440, 300, rate), 'alice'), mixer.add(tone(8000, 660, 300, rate), 'alice')]);
    const frames = Array.from({ length: 60 }, () => mixer.mixFrame().data);
    const first = Int16Array.from(frames.slice(0, 30).flatMap((f) => [...f]));
    const second = Int16Array.from(frames.slice(30).flatMap((f) => [...f]));
    expect(energyAt(first, 440, rate)).toBeGreaterThan(2000);
    expect(energyAt(first, 660, rate)).toBeLessThan(200);
    expect(energyAt(second, 660, rate)).toBeGreaterThan(2000);
    expect(energyAt(second, 440, rate)).toBeLessThan(200);
    expect(mixer.activeSources).toBe(0);
  });

  it('sends the first frame of an utterance from silence at once, not on a timer', async () => {
    const sink = timedSink();
    const latencies: [number, boolean][] = [];
    const mixer = new AudioMixer(sink, { sampleRate: 16000, onLatency: (ms, fromSilence) => latencies.push([ms, fromSilence]) });
    mixer.start();
    const stream = new FrameQueue();
    void mixer.add(stream);
    stream.push(new AudioFrame(new Int16Array(160).fill(1000), 16000, 1, 160));
    // Microtasks only: no timer and no later turn of the event loop has run.
    for (let i = 0; i < 10 && sink.frames.length === 0; i++) await Promise.resolve();
    expect(sink.frames).toHaveLength(1);
    expect(latencies).toHaveLength(1);
    expect(latencies[0]![1]).toBe(true);
    stream.end();
    await mixer.drain(2000);
  });

  it('pushes at most its queue ahead of real time, and everything arrives in order', async () => {
    const sink = timedSink();
    const mixer = new AudioMixer(sink, { sampleRate: 16000, queueMs: 200 });
    mixer.start();
    const started = performance.now();
    await mixer.add(tone(8000, 300, 1500, 16000));
    await mixer.drain(10_000);
    expect(sink.frames).toHaveLength(150);
    // At every capture the audio handed over so far was at most the queue (and a frame) ahead of the clock.
    sink.times.forEach((at, i) => {
      expect((i + 1) * 10, `frame ${i}`).toBeLessThanOrEqual(at - started + 200 + 10);
    });
    const out = Int16Array.from(sink.frames.flatMap((f) => [...f.data]));
    expect(energyAt(out, 300, 16000)).toBeGreaterThan(2000);
  });

  it('counts an underrun when an utterance already playing starves and its next frame comes after the queue ran dry', async () => {
    // The mixer's clock is performance.now(): faked, so a busy machine cannot make a gap of its own.
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const sink = timedSink();
    const mixer = new AudioMixer(sink, { sampleRate: 16000, queueMs: 200 });
    mixer.start();
    const stream = new FrameQueue();
    const adding = mixer.add(stream);
    for (let i = 0; i < 5; i++) stream.push(new AudioFrame(new Int16Array(160).fill(1000), 16000, 1, 160));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.frames).toHaveLength(5);
    // The upstream stalls for longer than the 50 ms queued: the queue runs dry.
    await vi.advanceTimersByTimeAsync(300);
    expect(mixer.underruns).toBe(0);
    stream.push(new AudioFrame(new Int16Array(160).fill(1000), 16000, 1, 160));
    stream.end();
    await adding;
    await vi.advanceTimersByTimeAsync(0);
    expect(mixer.underruns).toBe(1);
    expect(sink.frames).toHaveLength(6);
    vi.useRealTimers();
    await mixer.drain(2000);
  });

  it('counts no underrun when the source starts playing later than the first push (its full queue held the capture back)', async () => {
    vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    // A source as rtc-node's: a 200 ms queue, captureFrame waits while it is full, and it plays
    // 10 ms at a time only from 300 ms on (when WebRTC first takes audio).
    const frames: AudioFrame[] = [];
    let queuedMs = 0;
    let room: (() => void) | undefined;
    let playing = true;
    const startsAt = performance.now() + 300;
    const play = () => {
      if (!playing) return;
      if (performance.now() >= startsAt && queuedMs > 0) {
        queuedMs -= 10;
        room?.();
        room = undefined;
      }
      setTimeout(play, 10);
    };
    play();
    const sink: AudioSink = {
      captureFrame: async (f) => {
        frames.push(f);
        queuedMs += (f.samplesPerChannel * 1000) / f.sampleRate;
        while (queuedMs > 200) await new Promise<void>((resolve) => (room = resolve));
      },
      close: async () => undefined,
    };
    const mixer = new AudioMixer(sink, { sampleRate: 16000, queueMs: 200 });
    mixer.start();
    const stream = new FrameQueue();
    const adding = mixer.add(stream);
    // A whole second of one utterance, all there from the start: nothing ever starves.
    for (let i = 0; i < 100; i++) stream.push(new AudioFrame(new Int16Array(160).fill(1000), 16000, 1, 160));
    stream.end();
    await adding;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(frames).toHaveLength(100);
    expect(mixer.underruns).toBe(0);
    playing = false;
    vi.useRealTimers();
    await mixer.drain(2000);
  });

  it('rejects audio at another rate instead of playing it at the wrong speed', async () => {
    const mixer = new AudioMixer(collectingSink(), { sampleRate: 24000 });
    await expect(mixer.add(tone(1000, 440, 20, 16000))).rejects.toThrow(/24000 Hz/);
  });
});
