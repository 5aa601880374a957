import { describe, expect, it } from 'vitest';
import { UtteranceDetector, type DetectedUtterance, type DetectorOptions } from '../../src/emulator/detector.ts';

// 1000 Hz: a 10 ms frame is 10 samples, so sample indexes read as tenths of a frame.
const RATE = 1000;
const FRAME = 10;
const THRESHOLD = 100;

type Event =
  | { kind: 'start'; start: number }
  | { kind: 'progress'; start: number; soFar: number }
  | { kind: 'utterance'; start: number; end: number; samples: number; envelope: number[] }
  | { kind: 'quiet'; quiet: number; lastEnd: number | undefined };

function detector(options: Partial<DetectorOptions> = {}, withQuiet = true) {
  const events: Event[] = [];
  const utterances: DetectedUtterance[] = [];
  const d = new UtteranceDetector(
    { sampleRate: RATE, threshold: THRESHOLD, endSilenceMs: 30, ...options },
    {
      speechStart: (start) => events.push({ kind: 'start', start }),
      speechProgress: (start, soFar) => events.push({ kind: 'progress', start, soFar }),
      utterance: (u) => {
        utterances.push(u);
        events.push({ kind: 'utterance', start: u.startSample, end: u.endSample, samples: u.samples.length, envelope: [...u.envelope] });
      },
      ...(withQuiet ? { quiet: (quiet: number, lastEnd: number | undefined) => events.push({ kind: 'quiet', quiet, lastEnd }) } : {}),
    },
  );
  return { d, events, utterances, of: (kind: Event['kind']) => events.filter((e) => e.kind === kind) };
}

/** `count` frames of one constant value: their RMS is |value|. */
function frames(count: number, value: number): Int16Array {
  return new Int16Array(count * FRAME).fill(value);
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

describe('UtteranceDetector: start of speech', () => {
  it('starts speech on the sixth loud frame in a row by default, at the first of them', () => {
    const { d, events } = detector();
    d.feed(concat(frames(3, 0), frames(5, 500)));
    expect(d.speaking).toBe(false);
    expect(events.filter((e) => e.kind === 'start')).toEqual([]);
    d.feed(frames(1, 500));
    expect(d.speaking).toBe(true);
    expect(events.at(-1)).toEqual({ kind: 'start', start: 30 });
  });

  it('starts speech at sample 0 when the first frames are loud', () => {
    const { d, of } = detector();
    d.feed(frames(6, 500));
    expect(of('start')).toEqual([{ kind: 'start', start: 0 }]);
  });

  it('needs the loud frames in a row: a quiet frame starts the count again', () => {
    const { d, of } = detector();
    d.feed(concat(frames(5, 500), frames(1, 0), frames(5, 500)));
    expect(of('start')).toEqual([]);
    d.feed(frames(1, 500));
    expect(of('start')).toEqual([{ kind: 'start', start: 60 }]);
  });

  it('counts a frame whose RMS equals the threshold as loud, one just under as quiet', () => {
    const atThreshold = detector({ startFrames: 1 });
    atThreshold.d.feed(frames(1, THRESHOLD));
    expect(atThreshold.of('start')).toEqual([{ kind: 'start', start: 0 }]);
    const below = detector({ startFrames: 1 });
    below.d.feed(frames(1, THRESHOLD - 1));
    expect(below.of('start')).toEqual([]);
  });

  it('takes the RMS of the frame: negative and mixed samples count by their energy', () => {
    // RMS of [-100, 100, ...] is 100 (loud); the mean would be 0.
    const mixed = detector({ startFrames: 1 });
    mixed.d.feed(Int16Array.from({ length: FRAME }, (_, i) => (i % 2 === 0 ? -THRESHOLD : THRESHOLD)));
    expect(mixed.of('start')).toEqual([{ kind: 'start', start: 0 }]);
    // RMS of one sample of 300 among nine zeros is sqrt(9000) ≈ 94.9: quiet, although its peak is loud.
    const peak = detector({ startFrames: 1 });
    peak.d.feed(Int16Array.from({ length: FRAME }, (_, i) => (i === 0 ? 300 : 0)));
    expect(peak.of('start')).toEqual([]);
  });

  it('takes the number of loud frames that start speech from startFrames', () => {
    const { d, of } = detector({ startFrames: 2 });
    d.feed(concat(frames(4, 0), frames(1, 500)));
    expect(of('start')).toEqual([]);
    d.feed(frames(1, 500));
    expect(of('start')).toEqual([{ kind: 'start', start: 40 }]);
  });

  it('reports quiet frames outside speech with the samples since the turn began and no last utterance yet; loud frames are not quiet', () => {
    const { d, of } = detector();
    d.feed(concat(frames(2, 0), frames(1, 500), frames(1, 0)));
    expect(of('quiet')).toEqual([
      { kind: 'quiet', quiet: 10, lastEnd: undefined },
      { kind: 'quiet', quiet: 20, lastEnd: undefined },
      { kind: 'quiet', quiet: 40, lastEnd: undefined },
    ]);
  });

  it('works without a quiet listener', () => {
    const { d, of } = detector({}, false);
    d.feed(concat(frames(2, 0), frames(6, 500), frames(3, 0), frames(2, 0)));
    expect(of('utterance')).toHaveLength(1);
  });
});

describe('UtteranceDetector: speech and its end', () => {
  it('reports progress every frame after the start, with the samples since speech began', () => {
    const { d, events } = detector();
    d.feed(concat(frames(1, 0), frames(6, 500)));
    d.feed(frames(2, 500));
    expect(events.filter((e) => e.kind !== 'quiet')).toEqual([
      { kind: 'start', start: 10 },
      { kind: 'progress', start: 10, soFar: 70 },
      { kind: 'progress', start: 10, soFar: 80 },
    ]);
  });

  it('ends the utterance after endSilenceMs of quiet frames, at its last loud sample, without the trailing silence', () => {
    const { d, events, utterances } = detector({ endSilenceMs: 30 });
    d.feed(concat(frames(2, 0), frames(6, 500), frames(1, 200), frames(1, 0), frames(2, 300)));
    d.feed(frames(2, 0));
    expect(d.speaking).toBe(true);
    d.feed(frames(1, 0));
    expect(d.speaking).toBe(false);
    expect(events.at(-1)).toEqual({ kind: 'utterance', start: 20, end: 120, samples: 100, envelope: [500, 500, 500, 500, 500, 500, 200, 0, 300, 300] });
    const u = utterances[0]!;
    expect([...u.samples]).toEqual([...concat(frames(6, 500), frames(1, 200), frames(1, 0), frames(2, 300))]);
    expect(u.envelope).toBeInstanceOf(Float32Array);
  });

  it('after an utterance, reports quiet frames counted back to where it ended', () => {
    const { d, of } = detector({ endSilenceMs: 20 });
    d.feed(concat(frames(6, 500), frames(2, 0), frames(2, 0)));
    expect(of('utterance').map((e) => e.kind === 'utterance' && e.end)).toEqual([60]);
    expect(of('quiet')).toEqual([
      { kind: 'quiet', quiet: 30, lastEnd: 60 },
      { kind: 'quiet', quiet: 40, lastEnd: 60 },
    ]);
  });

  it('rounds endSilenceMs to whole frames (14 ms is one frame, 15 ms two) and never less than one frame', () => {
    const one = detector({ endSilenceMs: 14 });
    one.d.feed(concat(frames(6, 500), frames(1, 0)));
    expect(one.of('utterance')).toHaveLength(1);
    const two = detector({ endSilenceMs: 15 });
    two.d.feed(concat(frames(6, 500), frames(1, 0)));
    expect(two.of('utterance')).toHaveLength(0);
    two.d.feed(frames(1, 0));
    expect(two.of('utterance')).toHaveLength(1);
    const zero = detector({ endSilenceMs: 0 });
    zero.d.feed(frames(6, 500));
    expect(zero.of('utterance')).toHaveLength(0);
    zero.d.feed(frames(1, 0));
    expect(zero.of('utterance')).toEqual([{ kind: 'utterance', start: 0, end: 60, samples: 60, envelope: [500, 500, 500, 500, 500, 500] }]);
  });

  it('a loud frame resets the silence count', () => {
    const { d, of } = detector({ endSilenceMs: 30 });
    d.feed(concat(frames(6, 500), frames(2, 0), frames(1, 500), frames(2, 0)));
    expect(of('utterance')).toHaveLength(0);
    d.feed(frames(1, 0));
    expect(of('utterance')).toEqual([{ kind: 'utterance', start: 0, end: 90, samples: 90, envelope: [500, 500, 500, 500, 500, 500, 0, 0, 500] }]);
  });

  it('needs six new loud frames to start the next utterance, which starts at the first of them', () => {
    const { d, of } = detector({ endSilenceMs: 10 });
    d.feed(concat(frames(6, 500), frames(1, 0), frames(5, 500)));
    expect(of('start')).toHaveLength(1);
    d.feed(frames(1, 500));
    expect(of('start')).toEqual([
      { kind: 'start', start: 0 },
      { kind: 'start', start: 70 },
    ]);
  });

  it('cuts speech longer than maxUtteranceMs into utterances of that many frames, and restarts after six loud frames', () => {
    const { d, events } = detector({ maxUtteranceMs: 80 });
    d.feed(frames(7, 500));
    expect(d.speaking).toBe(true);
    d.feed(frames(1, 500));
    expect(d.speaking).toBe(false);
    expect(events.at(-1)).toEqual({ kind: 'utterance', start: 0, end: 80, samples: 80, envelope: Array<number>(8).fill(500) });
    d.feed(frames(5, 500));
    expect(d.speaking).toBe(false);
    d.feed(frames(1, 500));
    expect(events.filter((e) => e.kind === 'start')).toEqual([
      { kind: 'start', start: 0 },
      { kind: 'start', start: 80 },
    ]);
    // The second utterance counts its own frames towards the maximum.
    d.feed(frames(1, 500));
    expect(d.speaking).toBe(true);
    d.feed(frames(1, 500));
    expect(events.at(-1)).toEqual({ kind: 'utterance', start: 80, end: 160, samples: 80, envelope: Array<number>(8).fill(500) });
  });

  it('a silence that ends speech on the frame that reaches maxUtteranceMs wins: the trailing quiet is dropped', () => {
    const { d, of } = detector({ maxUtteranceMs: 80, endSilenceMs: 20 });
    d.feed(concat(frames(6, 500), frames(2, 0)));
    expect(of('utterance')).toEqual([{ kind: 'utterance', start: 0, end: 60, samples: 60, envelope: Array<number>(6).fill(500) }]);
  });

  it('cuts speech at 30 s by default', () => {
    const { d, of } = detector();
    d.feed(frames(2999, 500));
    expect(of('utterance')).toHaveLength(0);
    d.feed(frames(1, 500));
    const cut = of('utterance')[0];
    expect(cut).toMatchObject({ kind: 'utterance', start: 0, end: 30_000, samples: 30_000 });
  });
});

describe('UtteranceDetector: feeding and flushing', () => {
  it('counts the samples seen, including a partial frame still waiting', () => {
    const { d } = detector();
    expect(d.samplesSeen).toBe(0);
    d.feed(new Int16Array(7));
    expect(d.samplesSeen).toBe(7);
    d.feed(new Int16Array(2));
    expect(d.samplesSeen).toBe(9);
    d.feed(new Int16Array(14));
    expect(d.samplesSeen).toBe(23);
  });

  it('joins pieces of any size into the same frames as one whole feed', () => {
    const audio = concat(frames(1, 0), frames(7, 500), frames(2, 150), frames(4, 0), frames(6, 800), frames(4, 0));
    const whole = detector();
    whole.d.feed(audio);
    const pieces = detector();
    for (const size of [7, 2, 14, 1, 3, 25, 10, 9, 40, 100]) {
      const start = pieces.d.samplesSeen;
      pieces.d.feed(audio.subarray(start, start + size));
    }
    pieces.d.feed(audio.subarray(pieces.d.samplesSeen));
    expect(pieces.events).toEqual(whole.events);
    expect(whole.of('utterance')).toHaveLength(2);
    expect(pieces.utterances.map((u) => [...u.samples])).toEqual(whole.utterances.map((u) => [...u.samples]));
  });

  it('keeps the carried samples in order across feeds (a frame split over two feeds is one frame)', () => {
    const { d, of } = detector({ startFrames: 1, endSilenceMs: 10 });
    // One loud frame split 4 + 6, then a quiet frame split 5 + 5.
    d.feed(new Int16Array(4).fill(500));
    expect(of('start')).toEqual([]);
    d.feed(concat(new Int16Array(6).fill(500), new Int16Array(5)));
    expect(of('start')).toEqual([{ kind: 'start', start: 0 }]);
    d.feed(new Int16Array(5));
    expect(of('utterance')).toEqual([{ kind: 'utterance', start: 0, end: 10, samples: 10, envelope: [500] }]);
  });

  it('on flush, ends an utterance in progress at the end of input, trailing quiet and a partial last frame included', () => {
    const { d, events, utterances } = detector({ endSilenceMs: 100 });
    d.feed(concat(frames(6, 500), frames(1, 0), new Int16Array(5).fill(300)));
    expect(d.samplesSeen).toBe(75);
    d.flush();
    expect(d.speaking).toBe(false);
    expect(d.samplesSeen).toBe(75);
    expect(events.at(-1)).toEqual({ kind: 'utterance', start: 0, end: 75, samples: 75, envelope: [500, 500, 500, 500, 500, 500, 0, 300] });
    expect([...utterances[0]!.samples.subarray(70)]).toEqual([300, 300, 300, 300, 300]);
  });

  it('on flush without speech reports no utterance, and a partial quiet frame is a quiet frame', () => {
    const { d, of } = detector();
    d.feed(new Int16Array(4));
    d.flush();
    expect(of('utterance')).toEqual([]);
    expect(of('quiet')).toEqual([{ kind: 'quiet', quiet: 4, lastEnd: undefined }]);
    expect(d.samplesSeen).toBe(4);
  });

  it('a partial frame on flush can complete the start of speech', () => {
    const { d, of } = detector({ startFrames: 2 });
    d.feed(concat(frames(1, 500), new Int16Array(3).fill(500)));
    d.flush();
    expect(of('start')).toEqual([{ kind: 'start', start: 0 }]);
    expect(of('utterance')).toEqual([{ kind: 'utterance', start: 0, end: 13, samples: 13, envelope: [500, 500] }]);
  });

  it('flush with nothing fed does nothing', () => {
    const { d, events } = detector();
    d.flush();
    expect(events).toEqual([]);
    expect(d.samplesSeen).toBe(0);
  });

  it('uses 10 ms frames at the stream rate (160 samples at 16 kHz)', () => {
    const { d, of } = detector({ sampleRate: 16000, startFrames: 1 });
    d.feed(new Int16Array(159).fill(500));
    expect(of('start')).toEqual([]);
    d.feed(new Int16Array(1).fill(500));
    expect(of('start')).toEqual([{ kind: 'start', start: 0 }]);
  });
});
