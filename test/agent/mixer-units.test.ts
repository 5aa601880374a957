/**
 * AudioMixer details the end-to-end mixer tests leave open: the limiter's knee, the queue and its
 * refill point, multi-channel input, lanes and latency reports, sample bookkeeping across chunk
 * boundaries, peak tracking, drain() and close(). The clock is faked (performance.now() included)
 * and the assertions are on the exact samples handed to the sink.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AudioFrame } from '@livekit/rtc-node';
import { AudioMixer, softLimit } from '../../src/agent/mixer.ts';
import { FRAME_RECEIVED_AT_KEY } from '../../src/azure/index.ts';
import type { AudioSink } from '../../src/agent/room-io.ts';

const RATE = 16000;
/** 10 ms at 16 kHz. */
const FRAME = 160;
/** Where every test's clock starts: later than 0, so the first frame is sent from silence. */
const T0 = 1000;

interface RecordingSink extends AudioSink {
  frames: AudioFrame[];
  closed: number;
}

function recordingSink(): RecordingSink {
  const sink: RecordingSink = {
    frames: [],
    closed: 0,
    captureFrame: async (frame) => void sink.frames.push(frame),
    close: async () => void sink.closed++,
  };
  return sink;
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

/** A mono frame of `samples` samples, all `value`. */
function flat(value: number, samples = FRAME, receivedAt?: number): AudioFrame {
  const userdata = receivedAt === undefined ? undefined : { [FRAME_RECEIVED_AT_KEY]: receivedAt };
  return new AudioFrame(new Int16Array(samples).fill(value), RATE, 1, samples, userdata);
}

/** A mono frame holding exactly these samples. */
function samples(values: number[]): AudioFrame {
  return new AudioFrame(Int16Array.from(values), RATE, 1, values.length);
}

async function* frames(...list: AudioFrame[]): AsyncGenerator<AudioFrame> {
  for (const frame of list) yield frame;
}

/** `count` 10 ms frames of a constant level. */
function level(value: number, count: number): AsyncGenerator<AudioFrame> {
  return frames(...Array.from({ length: count }, () => flat(value)));
}

/** Lets every pending promise run; the fake clock does not move. */
const settle = async (): Promise<void> => void (await vi.advanceTimersByTimeAsync(0));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
  vi.advanceTimersByTime(T0);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('softLimit', () => {
  it('passes a sample exactly at the knee (0.8 of full scale) unchanged and bends the ones above it', () => {
    const knee = 0.8 * 32767;
    expect(softLimit(knee)).toBe(knee);
    expect(softLimit(-knee)).toBe(-knee);
    expect(softLimit(knee + 1000)).toBeLessThan(knee + 1000);
    expect(softLimit(knee + 1000)).toBeGreaterThan(knee);
  });
});

describe('AudioMixer queue', () => {
  it('defaults to a 200 ms queue, takes a queueMs option, and never queues less than one frame', () => {
    expect(new AudioMixer(recordingSink(), { sampleRate: RATE }).queueMs).toBe(200);
    expect(new AudioMixer(recordingSink(), { sampleRate: RATE, queueMs: 100 }).queueMs).toBe(100);
    expect(new AudioMixer(recordingSink(), { sampleRate: RATE, queueMs: 3 }).queueMs).toBe(10);
    expect(new AudioMixer(recordingSink(), { sampleRate: RATE, frameMs: 20 }).frameSamples).toBe(320);
  });

  it('pushes exactly the default 200 ms ahead at once, then tops up 50 ms each time a quarter has played', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    await mixer.add(level(1000, 30));
    await settle();
    expect(sink.frames).toHaveLength(20);
    expect(mixer.framesSent).toBe(20);
    expect(mixer.queuedMs).toBe(200);
    // 150 ms still queued is the refill point: nothing is sent before it.
    await vi.advanceTimersByTimeAsync(49);
    expect(sink.frames).toHaveLength(20);
    expect(mixer.queuedMs).toBe(151);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.frames).toHaveLength(25);
    expect(mixer.framesSent).toBe(25);
    expect(mixer.queuedMs).toBe(200);
    await vi.advanceTimersByTimeAsync(49);
    expect(sink.frames).toHaveLength(25);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.frames).toHaveLength(30);
    expect(sink.frames.every((f) => f.data.every((s) => s === 1000))).toBe(true);
    // Once it has all played, nothing is queued (never a negative figure).
    await vi.advanceTimersByTimeAsync(500);
    expect(mixer.queuedMs).toBe(0);
    expect(mixer.framesSent).toBe(30);
  });

  it('a 100 ms queue takes exactly ten frames ahead and refills at 75 ms queued', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE, queueMs: 100 });
    mixer.start();
    await mixer.add(level(1000, 30));
    await settle();
    expect(sink.frames).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(24);
    expect(sink.frames).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1);
    // 75 ms queued: three frames bring it to 105, at or past the 100 ms queue.
    expect(sink.frames).toHaveLength(13);
    await mixer.close();
  });

  it('a frame that arrives exactly when the queue has played out is on time: no underrun', async () => {
    const sink = recordingSink();
    const latencies: [number, boolean][] = [];
    const mixer = new AudioMixer(sink, { sampleRate: RATE, onLatency: (ms, fromSilence) => latencies.push([ms, fromSilence]) });
    mixer.start();
    const stream = new FrameQueue();
    void mixer.add(stream);
    for (let i = 0; i < 5; i++) stream.push(flat(1000));
    await settle();
    expect(sink.frames).toHaveLength(5);
    // The first frame of an utterance from silence is no underrun either.
    expect(mixer.underruns).toBe(0);
    expect(latencies).toEqual([[0, true]]);
    await vi.advanceTimersByTimeAsync(50);
    stream.push(flat(1000));
    await settle();
    expect(sink.frames).toHaveLength(6);
    expect(mixer.underruns).toBe(0);
    // One millisecond later than the queue lasted is a gap a listener hears.
    await vi.advanceTimersByTimeAsync(11);
    stream.push(flat(1000));
    await settle();
    expect(sink.frames).toHaveLength(7);
    expect(mixer.underruns).toBe(1);
    stream.end();
    await mixer.close();
  });

  it('a capture that returns within 5 ms did not wait for room: the queue clock is left as it was', async () => {
    const sink = recordingSink();
    sink.captureFrame = async (frame) => {
      sink.frames.push(frame);
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    await mixer.add(level(1000, 1));
    await settle();
    expect(sink.frames).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5);
    // 10 ms sent, 5 ms played.
    expect(mixer.queuedMs).toBe(5);
    await mixer.close();
  });

  it('a capture that waited longer than 5 ms means the sink holds a full queue from then on', async () => {
    const sink = recordingSink();
    sink.captureFrame = async (frame) => {
      sink.frames.push(frame);
      await new Promise((resolve) => setTimeout(resolve, 6));
    };
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    await mixer.add(level(1000, 1));
    await settle();
    await vi.advanceTimersByTimeAsync(6);
    expect(mixer.queuedMs).toBe(200);
    await mixer.close();
  });

  it('audio that arrives at any moment while the last capture finishes is still sent, without another wake-up', async () => {
    for (let delay = 0; delay < 16; delay++) {
      const sink = recordingSink();
      const stream = new FrameQueue();
      sink.captureFrame = async (frame) => {
        sink.frames.push(frame);
        if (sink.frames.length > 1) return;
        // The next frame comes `delay` microtasks after the first capture was called.
        let step = (): void => stream.push(flat(2000));
        for (let i = 0; i < delay; i++) {
          const next = step;
          step = () => queueMicrotask(next);
        }
        step();
      };
      const mixer = new AudioMixer(sink, { sampleRate: RATE });
      mixer.start();
      void mixer.add(stream);
      stream.push(flat(1000));
      await settle();
      expect(sink.frames.map((f) => f.data[0]), `next frame ${delay} microtasks later`).toEqual([1000, 2000]);
      stream.end();
      await mixer.close();
    }
  });
});

describe('AudioMixer input', () => {
  it('folds a stereo frame to mono: each sample is the rounded mean of its channels', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const stereo = new AudioFrame(Int16Array.from([100, 201, -50, -51, 7, 8, 30000, -30000, 0, 1000]), RATE, 2, 5);
    await mixer.add(frames(stereo));
    expect([...mixer.mixFrame().data]).toEqual([151, -50, 8, 0, 500, ...Array<number>(FRAME - 5).fill(0)]);
  });

  it('folds a three-channel frame to mono', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const surround = new AudioFrame(Int16Array.from([3, 30, 300, -9, 0, 0, 1, 1, 2]), RATE, 3, 3);
    await mixer.add(frames(surround));
    expect([...mixer.mixFrame().data.subarray(0, 4)]).toEqual([111, -3, 1, 0]);
  });

  it('keeps every sample in order across chunks that do not line up with the output frames', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const ramp = Array.from({ length: 420 }, (_, i) => i + 1);
    await mixer.add(frames(samples(ramp.slice(0, 250)), samples(ramp.slice(250, 320)), samples(ramp.slice(320))));
    const out = [...mixer.mixFrame().data, ...mixer.mixFrame().data, ...mixer.mixFrame().data];
    expect(out).toEqual([...ramp, ...Array<number>(3 * FRAME - 420).fill(0)]);
    expect(mixer.activeSources).toBe(0);
  });

  it('tracks the largest absolute output sample, also when louder samples came earlier in the frame', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    expect(mixer.peakSample).toBe(0);
    await mixer.add(frames(samples([100, 5000, -6000, 300, 20]), samples([4000])));
    mixer.mixFrame();
    expect(mixer.peakSample).toBe(6000);
    await mixer.add(frames(samples([-7000, 10])));
    mixer.mixFrame();
    expect(mixer.peakSample).toBe(7000);
    mixer.mixFrame();
    expect(mixer.peakSample).toBe(7000);
  });
});

describe('AudioMixer lanes', () => {
  it('counts every source still playing or waiting, across lanes', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const streams = [new FrameQueue(), new FrameQueue(), new FrameQueue()];
    void mixer.add(streams[0]!, 'alice');
    void mixer.add(streams[1]!, 'alice');
    void mixer.add(streams[2]!, 'bob');
    expect(mixer.activeSources).toBe(3);
    streams[2]!.end();
    await settle();
    expect(mixer.activeSources).toBe(2);
    streams[0]!.end();
    streams[1]!.end();
    await settle();
    expect(mixer.activeSources).toBe(0);
  });

  it("continues a lane's next utterance in the same frame once the current one ends mid-frame", async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const first = mixer.add(frames(flat(1000, 100)), 'alice');
    const second = mixer.add(frames(flat(2000, 160)), 'alice');
    await Promise.all([first, second]);
    expect([...mixer.mixFrame().data]).toEqual([...Array<number>(100).fill(1000), ...Array<number>(60).fill(2000)]);
    expect([...mixer.mixFrame().data]).toEqual([...Array<number>(100).fill(2000), ...Array<number>(60).fill(0)]);
    expect(mixer.activeSources).toBe(0);
  });

  it('an utterance that ends mid-frame leaves the rest of the frame silent', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    await mixer.add(frames(flat(1000, 100)), 'alice');
    expect([...mixer.mixFrame().data]).toEqual([...Array<number>(100).fill(1000), ...Array<number>(60).fill(0)]);
    expect(mixer.activeSources).toBe(0);
  });

  it('an utterance played to its last frame before its stream ends is dropped at the end, and its lane goes on', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const stream = new FrameQueue();
    const first = mixer.add(stream, 'alice');
    stream.push(flat(1000));
    await settle();
    expect([...new Set(mixer.mixFrame().data)]).toEqual([1000]);
    void mixer.add(level(2000, 1), 'alice');
    await settle();
    // The first is used up but not ended: its lane waits for it.
    expect(mixer.activeSources).toBe(2);
    expect([...new Set(mixer.mixFrame().data)]).toEqual([0]);
    stream.end();
    await first;
    expect(mixer.activeSources).toBe(1);
    expect([...new Set(mixer.mixFrame().data)]).toEqual([2000]);
    expect(mixer.activeSources).toBe(0);
  });

  it('an utterance without any audio ends without holding up its lane', async () => {
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE });
    const waitingFor = mixer.add(level(2000, 1), 'alice');
    await mixer.add(frames(), 'bob');
    await waitingFor;
    expect(mixer.activeSources).toBe(1);
    const lane = new FrameQueue();
    const empty = mixer.add(lane, 'carol');
    const after = mixer.add(level(3000, 1), 'carol');
    lane.end();
    await Promise.all([empty, after]);
    expect(mixer.activeSources).toBe(2);
    expect([...new Set(mixer.mixFrame().data)]).toEqual([5000]);
    expect(mixer.activeSources).toBe(0);
  });

  it("reports latency once per lane's first utterance, from the received-at time of its first frame", async () => {
    const latencies: [number, boolean][] = [];
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE, onLatency: (ms, fromSilence) => latencies.push([ms, fromSilence]) });
    const first = new FrameQueue();
    const second = new FrameQueue();
    void mixer.add(first, 'alice');
    void mixer.add(second, 'alice');
    // A later frame's received-at time does not replace the first one's.
    first.push(flat(1000, FRAME, 970));
    first.push(flat(1000, FRAME, 990));
    second.push(flat(2000, FRAME, 975));
    first.end();
    second.end();
    await settle();
    expect(mixer.mixFrame(1000).data[0]).toBe(1000);
    expect(latencies).toEqual([[30, false]]);
    expect(mixer.mixFrame(1010).data[0]).toBe(1000);
    // The second waited for the first by design: no latency report for it.
    expect(mixer.mixFrame(1020).data[0]).toBe(2000);
    expect(latencies).toEqual([[30, false]]);
  });

  it('an utterance in its own lane gets its own report; a frame without received-at counts from its arrival', async () => {
    const latencies: number[] = [];
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE, onLatency: (ms) => latencies.push(ms) });
    await mixer.add(frames(flat(1000, FRAME, 960)), 'alice');
    vi.advanceTimersByTime(15);
    await mixer.add(level(2000, 1), 'bob');
    mixer.mixFrame(T0 + 40);
    expect(latencies).toEqual([80, 25]);
  });

  it('reports no negative latency for a frame stamped after the moment it plays', async () => {
    const latencies: number[] = [];
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE, onLatency: (ms) => latencies.push(ms) });
    await mixer.add(frames(flat(1000, FRAME, 1050)));
    mixer.mixFrame(1000);
    expect(latencies).toEqual([0]);
  });

  it('an utterance whose audio has not arrived yet at a mix reports its latency from the frame that comes later', async () => {
    const latencies: number[] = [];
    const mixer = new AudioMixer(recordingSink(), { sampleRate: RATE, onLatency: (ms) => latencies.push(ms) });
    const stream = new FrameQueue();
    void mixer.add(stream, 'bob');
    expect([...new Set(mixer.mixFrame(1000).data)]).toEqual([0]);
    expect(latencies).toEqual([]);
    stream.push(flat(1000, FRAME, 1100));
    await settle();
    expect(mixer.mixFrame(1120).data[0]).toBe(1000);
    expect(latencies).toEqual([20]);
    stream.end();
  });
});

describe('AudioMixer drain and close', () => {
  it('drain() waits until the audio sent has played out, then closes the sink', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    await mixer.add(level(1000, 20));
    await settle();
    expect(sink.frames).toHaveLength(20);
    let drained = false;
    void mixer.drain(10_000).then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(199);
    expect(drained).toBe(false);
    expect(sink.closed).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
    expect(sink.closed).toBe(1);
  });

  it('drain() waits for an utterance still open, and gives up at its deadline', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    const stream = new FrameQueue();
    void mixer.add(stream);
    let drained = false;
    void mixer.drain(100).then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
    expect(sink.closed).toBe(1);
    // Closed: audio that still comes is not sent.
    stream.push(flat(1000));
    await settle();
    expect(sink.frames).toHaveLength(0);
  });

  it('drain() gives up at its deadline even while audio is queued further ahead', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    const stream = new FrameQueue();
    void mixer.add(stream);
    for (let i = 0; i < 20; i++) stream.push(flat(1000));
    await settle();
    expect(mixer.queuedMs).toBe(200);
    let drained = false;
    void mixer.drain(50).then(() => (drained = true));
    await vi.advanceTimersByTimeAsync(49);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(drained).toBe(true);
  });

  it('sends nothing before start()', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    await mixer.add(level(1000, 3));
    await settle();
    expect(sink.frames).toHaveLength(0);
    mixer.start();
    await settle();
    expect(sink.frames).toHaveLength(3);
  });

  it('close() closes the sink, stops a pump waiting for room, and later audio is not sent', async () => {
    const sink = recordingSink();
    const mixer = new AudioMixer(sink, { sampleRate: RATE });
    mixer.start();
    await mixer.add(level(1000, 30));
    await settle();
    expect(sink.frames).toHaveLength(20);
    await mixer.close();
    expect(sink.closed).toBe(1);
    expect(mixer.activeSources).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.frames).toHaveLength(20);
    await mixer.add(level(1000, 3));
    await settle();
    expect(sink.frames).toHaveLength(20);
  });
});
