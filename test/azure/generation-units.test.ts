/**
 * UtteranceGeneration on its own, with the real decode pacer (decode-pacer.ts). The clock
 * (performance.now) and setTimeout are fake and stand still unless a test moves them; setImmediate
 * is real, so a turn of the event loop is `await turn()`. A turn's decoding budget is spent by
 * starting the turn's clock (mayDecodeNow) and moving it past DECODE_BUDGET_MS: what is written
 * then waits for the pacer, which decodes it in the next turn (all of it, as decoding costs nothing
 * on a clock that stands still; `oneChunkPerTurn` makes every turn's budget run out after one chunk).
 * The tail flush's timing and `urgency` are exact.
 */
import type { llm } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DECODE_BUDGET_MS, decodeLater, mayDecodeNow } from '../../src/azure/decode-pacer.ts';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import { WavError, encodeWav, wavHeader } from '../../src/common/wav.ts';

/** One turn of the event loop: the pacer's turns scheduled so far have run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Starts this turn's decoding clock and moves it past the budget: the rest of the turn decodes nothing. */
function spendBudget(): void {
  mayDecodeNow();
  vi.advanceTimersByTime(DECODE_BUDGET_MS + 1);
  expect(mayDecodeNow()).toBe(false);
}

const neighbours: { release(): void }[] = [];

/**
 * Another session's decoder waiting with the pacer, least urgent of all, whose urgency check takes a
 * whole turn's budget: the pacer then decodes one chunk per turn, as it does when decoding itself
 * takes the time. Released at the end of the test.
 */
function oneChunkPerTurn(): void {
  let released = false;
  neighbours.push({ release: () => (released = true) });
  decodeLater({
    urgency() {
      if (!released) vi.advanceTimersByTime(DECODE_BUDGET_MS + 1);
      return Number.POSITIVE_INFINITY;
    },
    step: () => !released,
  });
}

/** A WAV chunk of `samples` 16-bit mono samples (a sine) at `rate`. */
function wavChunk(samples: number, rate = 16000): ArrayBuffer {
  const pcm = new Int16Array(samples).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  const bytes = encodeWav(pcm, rate);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A WAV header that says 8-bit PCM, which the decoder refuses. */
function eightBitChunk(): ArrayBuffer {
  const bad = new Uint8Array(wavHeader(16000, 1, 100));
  bad[34] = 8;
  return bad.buffer.slice(0) as ArrayBuffer;
}

interface Read {
  texts: string[];
  frames: AudioFrame[];
}

async function readMessage(event: llm.GenerationCreatedEvent): Promise<{ message: llm.MessageGeneration; read: Promise<Read> }> {
  const messages: llm.MessageGeneration[] = [];
  for await (const message of event.messageStream) messages.push(message);
  expect(messages).toHaveLength(1);
  const message = messages[0] as llm.MessageGeneration;
  const read = (async () => {
    const texts: string[] = [];
    const frames: AudioFrame[] = [];
    const text = (async () => {
      for await (const chunk of message.textStream) texts.push(typeof chunk === 'string' ? chunk : chunk.text);
    })();
    for await (const frame of message.audioStream) frames.push(frame);
    await text;
    return { texts, frames };
  })();
  return { message, read };
}

const sizes = (frames: AudioFrame[]) => frames.map((frame) => frame.samplesPerChannel);

beforeEach(async () => {
  // A fresh turn: whatever ran before has not spent this one's budget.
  await turn();
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'], now: 0 });
});

afterEach(async () => {
  for (const neighbour of neighbours.splice(0)) neighbour.release();
  // Leave the pacer idle for the next test: on a clock standing still, a turn decodes all that waits.
  for (let turns = 0; turns < 3; turns++) await turn();
  vi.useRealTimers();
});

describe('UtteranceGeneration event', () => {
  it('is one message carrying audio and text under an AZ_ response id, with no function calls, not user-initiated', async () => {
    const generation = new UtteranceGeneration('item-1', 16000);
    expect(generation.responseId).toMatch(/^AZ_.+/);
    expect(generation.itemId).toBe('item-1');
    expect(generation.event.responseId).toBe(generation.responseId);
    expect(generation.event.userInitiated).toBe(false);
    const { message } = await readMessage(generation.event);
    expect(message.messageId).toBe(generation.responseId);
    expect(await message.modalities).toEqual(['audio', 'text']);
    const calls: llm.FunctionCall[] = [];
    for await (const call of generation.event.functionStream) calls.push(call);
    expect(calls).toEqual([]);
    generation.close();
  });

  it('two generations have different response ids', () => {
    expect(new UtteranceGeneration('a', 16000).responseId).not.toBe(new UtteranceGeneration('b', 16000).responseId);
  });
});

describe('UtteranceGeneration text', () => {
  it('passes on each non-empty text and drops empty ones', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    generation.writeText('Hallo');
    generation.writeText('');
    generation.writeText(' Welt');
    generation.close();
    expect((await read).texts).toEqual(['Hallo', ' Welt']);
  });

  it('drops text written after close() while audio is still waiting to be decoded in a later turn', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    generation.writeText('before');
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    generation.close();
    generation.writeText('after');
    expect(generation.closed).toBe(true);
    expect(generation.synthesizedSamples).toBe(0);
    await turn();
    const result = await read;
    expect(result.texts).toEqual(['before']);
    expect(sizes(result.frames)).toEqual([1600]);
  });
});

describe('UtteranceGeneration audio', () => {
  it('ignores audio written after close: nothing is decoded, counted or heard', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    generation.close();
    generation.writeAudio(wavChunk(1600), 0);
    expect(generation.heardAudio).toBe(false);
    expect(generation.synthesizedSamples).toBe(0);
    expect(generation.firstAudioAt).toBeUndefined();
    expect((await read).frames).toEqual([]);
  });

  it('ignores audio written after close() while earlier audio still waits for a later turn', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    generation.close();
    generation.writeAudio(wavChunk(800), 0);
    expect(generation.synthesizedSamples).toBe(0);
    await turn();
    expect(sizes((await read).frames)).toEqual([1600]);
    expect(generation.synthesizedSamples).toBe(1600);
  });

  it('decodes at once while the turn has budget to spare, and notes that audio was heard', () => {
    const generation = new UtteranceGeneration('item', 16000);
    generation.writeAudio(wavChunk(1600), 0);
    expect(generation.heardAudio).toBe(true);
    expect(generation.synthesizedSamples).toBe(1600);
    generation.close();
    expect(generation.synthesizedSamples).toBe(1600);
  });

  it('once the budget is spent a chunk waits for a later turn, and it is heard though not yet decoded', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    expect(generation.heardAudio).toBe(true);
    expect(generation.synthesizedSamples).toBe(0);
    expect(generation.firstAudioAt).toBeUndefined();
    await turn();
    expect(generation.synthesizedSamples).toBe(800);
    generation.close();
  });

  it('once a chunk waits, later chunks wait behind it even in a turn with budget to spare, and all come out in order, one per turn', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    oneChunkPerTurn();
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    generation.writeAudio(wavChunk(400), 0);
    expect(generation.synthesizedSamples).toBe(0);
    await turn();
    expect(generation.synthesizedSamples).toBe(800);
    // A fresh turn, with budget to spare, but a chunk of this utterance still waits: this one queues behind it.
    expect(mayDecodeNow()).toBe(true);
    generation.writeAudio(wavChunk(200), 0);
    expect(generation.synthesizedSamples).toBe(800);
    await turn();
    expect(generation.synthesizedSamples).toBe(1200);
    await turn();
    expect(generation.synthesizedSamples).toBe(1400);
    expect(generation.closed).toBe(false);
    generation.close();
    expect(sizes((await read).frames)).toEqual([800, 400, 200]);
  });

  it('after the waiting chunks are decoded without close() the generation stays open, and decodes more audio at once', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    await turn();
    expect(generation.synthesizedSamples).toBe(800);
    expect(generation.closed).toBe(false);
    generation.writeAudio(wavChunk(400), 0);
    expect(generation.synthesizedSamples).toBe(1200);
    generation.close();
    expect(sizes((await read).frames)).toEqual([800, 400]);
  });

  it('a chunk that fails to decode in a later turn reaches onAudioError, drops the chunks after it and closes the generation', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    const errors: Error[] = [];
    generation.onAudioError = (error) => errors.push(error);
    let closedCalls = 0;
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    generation.writeAudio(eightBitChunk(), 0);
    generation.writeAudio(wavChunk(400), 0);
    generation.close(() => closedCalls++);
    await turn();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WavError);
    expect(closedCalls).toBe(1);
    expect(generation.synthesizedSamples).toBe(800);
    expect(sizes((await read).frames)).toEqual([800]);
    await turn();
    expect(generation.synthesizedSamples).toBe(800);
  });
});

/** step() and urgency() are the generation's side of the pacer's interface (PacedDecoder): called here as the pacer calls them. */
describe('UtteranceGeneration step, as the pacer calls it', () => {
  it('decodes the waiting chunks one per call, in order, answering true while more wait and false with the last', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    generation.writeAudio(wavChunk(400), 0);
    expect(generation.step()).toBe(true);
    expect(generation.synthesizedSamples).toBe(800);
    expect(generation.step()).toBe(false);
    expect(generation.synthesizedSamples).toBe(1200);
    expect(generation.closed).toBe(false);
    // Nothing left for the pacer's own call in the next turn.
    expect(generation.step()).toBe(false);
    generation.close();
    expect(sizes((await read).frames)).toEqual([800, 400]);
  });

  it('with nothing waiting decodes nothing, answers false and reports no error', () => {
    const generation = new UtteranceGeneration('item', 16000);
    const errors: Error[] = [];
    generation.onAudioError = (error) => errors.push(error);
    expect(generation.step()).toBe(false);
    expect(errors).toEqual([]);
    expect(generation.closed).toBe(false);
    generation.close();
  });

  it('answers false for a chunk that fails to decode: the chunks after it are dropped, nothing is left', () => {
    const generation = new UtteranceGeneration('item', 16000);
    const errors: Error[] = [];
    generation.onAudioError = (error) => errors.push(error);
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    generation.writeAudio(eightBitChunk(), 0);
    generation.writeAudio(wavChunk(400), 0);
    expect(generation.step()).toBe(true);
    expect(generation.step()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(generation.closed).toBe(true);
    expect(generation.step()).toBe(false);
    expect(generation.synthesizedSamples).toBe(800);
  });

  it('a decode error with no onAudioError set closes the generation without throwing', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    spendBudget();
    generation.writeAudio(eightBitChunk(), 0);
    expect(() => generation.step()).not.toThrow();
    expect(generation.closed).toBe(true);
    expect((await read).frames).toEqual([]);
  });
});

describe('UtteranceGeneration urgency', () => {
  it('is -Infinity before any audio came out', () => {
    const generation = new UtteranceGeneration('item', 16000);
    expect(generation.urgency(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(generation.urgency(1e9)).toBe(Number.NEGATIVE_INFINITY);
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    // Written but not decoded yet: still nothing ahead of playback, the most urgent of all.
    expect(generation.urgency(1e9)).toBe(Number.NEGATIVE_INFINITY);
    generation.close();
  });

  it('is the milliseconds of decoded audio minus the time since the first audio came out', async () => {
    vi.advanceTimersByTime(1000);
    const generation = new UtteranceGeneration('item', 16000);
    generation.writeAudio(wavChunk(3200), 0);
    const first = generation.firstAudioAt as number;
    expect(first).toBe(1000);
    expect(first).toBe(performance.now());
    // 3,200 samples at 16 kHz are 200 ms.
    expect(generation.urgency(first)).toBe(200);
    expect(generation.urgency(first + 50)).toBe(150);
    expect(generation.urgency(first + 260)).toBe(-60);
    vi.advanceTimersByTime(30);
    // A later turn, with budget of its own.
    await turn();
    generation.writeAudio(wavChunk(1600), 0);
    // The clock runs from the first audio, not the latest: 300 ms decoded, 30 ms played.
    expect(generation.firstAudioAt).toBe(first);
    expect(generation.urgency(first + 30)).toBe(270);
    generation.close();
  });
});

describe('UtteranceGeneration tail flush', () => {
  /** 200 ms at 16 kHz, decoded to 24 kHz: all but the resampler's look-ahead comes out at once. */
  function resampledGeneration(): { generation: UtteranceGeneration; held: number } {
    const generation = new UtteranceGeneration('item', 24000);
    generation.writeAudio(wavChunk(3200), 0);
    const held = 4800 - generation.synthesizedSamples;
    expect(held).toBeGreaterThan(0);
    return { generation, held };
  }

  it('lets the held look-ahead out TAIL_MARGIN_MS (40 ms) before playback would run out, not earlier', () => {
    const { generation } = resampledGeneration();
    const due = (generation.synthesizedSamples * 1000) / 24000 - 40;
    vi.advanceTimersByTime(due - 5);
    expect(generation.synthesizedSamples).toBeLessThan(4800);
    vi.advanceTimersByTime(10);
    expect(generation.synthesizedSamples).toBe(4800);
    expect(generation.closed).toBe(false);
    generation.close();
  });

  it('restarts the wait when more audio is decoded at once', async () => {
    const { generation } = resampledGeneration();
    vi.advanceTimersByTime(100);
    // A later turn, with budget of its own: the next chunk is decoded at once.
    await turn();
    generation.writeAudio(wavChunk(3200), 0);
    const decoded = generation.synthesizedSamples;
    expect(decoded).toBeGreaterThan(4800);
    expect(decoded).toBeLessThan(9600);
    // 400 ms minus the look-ahead decoded, 100 ms of it played: due 40 ms before the rest runs out.
    const due = (decoded * 1000) / 24000 - 100 - 40;
    vi.advanceTimersByTime(due - 5);
    expect(generation.synthesizedSamples).toBe(decoded);
    vi.advanceTimersByTime(10);
    expect(generation.synthesizedSamples).toBe(9600);
    generation.close();
  });

  it("arms after a chunk is decoded in a later turn, so that chunk's tail comes out too, not earlier", async () => {
    const generation = new UtteranceGeneration('item', 24000);
    spendBudget();
    generation.writeAudio(wavChunk(3200), 0);
    expect(generation.synthesizedSamples).toBe(0);
    await turn();
    const decoded = generation.synthesizedSamples;
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(4800);
    const due = (decoded * 1000) / 24000 - 40;
    vi.advanceTimersByTime(due - 5);
    expect(generation.synthesizedSamples).toBe(decoded);
    vi.advanceTimersByTime(10);
    expect(generation.synthesizedSamples).toBe(4800);
    generation.close();
  });

  it('is not let out while a later chunk waits for a later turn: that chunk continues the same filter', async () => {
    const generation = new UtteranceGeneration('item', 24000);
    const { read } = await readMessage(generation.event);
    generation.writeAudio(wavChunk(3200), 0);
    const first = generation.synthesizedSamples;
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    vi.advanceTimersByTime(1000);
    expect(generation.synthesizedSamples).toBe(first);
    await turn();
    expect(generation.synthesizedSamples).toBeGreaterThan(first);
    generation.close();
    const frames = (await read).frames;
    expect(frames.reduce((n, frame) => n + frame.samplesPerChannel, 0)).toBe(7200);
    // No short frame of look-ahead between the two chunks: the first chunk's frames, then the second's.
    expect(sizes(frames).slice(0, 2)).toEqual([2400, first - 2400]);
    expect(frames[2]?.samplesPerChannel).toBeGreaterThan(4800 - first);
  });

  it('is not let out after close() while a chunk still waits: the end flushes it once, after that chunk', async () => {
    const generation = new UtteranceGeneration('item', 24000);
    const { read } = await readMessage(generation.event);
    generation.writeAudio(wavChunk(3200), 0);
    const first = generation.synthesizedSamples;
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    generation.close();
    vi.advanceTimersByTime(1000);
    expect(generation.synthesizedSamples).toBe(first);
    await turn();
    expect(generation.synthesizedSamples).toBe(7200);
    const frames = (await read).frames;
    expect(sizes(frames).slice(0, 2)).toEqual([2400, first - 2400]);
    expect(frames[2]?.samplesPerChannel).toBeGreaterThan(4800 - first);
  });

  it('close() lets the held look-ahead out at once and leaves no timer behind', () => {
    const { generation } = resampledGeneration();
    expect(vi.getTimerCount()).toBe(1);
    generation.close();
    expect(generation.synthesizedSamples).toBe(4800);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('at the native rate nothing is held back, so no timer is armed', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    generation.writeAudio(wavChunk(3200), 0);
    expect(generation.synthesizedSamples).toBe(3200);
    expect(vi.getTimerCount()).toBe(0);
    spendBudget();
    generation.writeAudio(wavChunk(1600), 0);
    await turn();
    expect(generation.synthesizedSamples).toBe(4800);
    expect(vi.getTimerCount()).toBe(0);
    generation.close();
  });
});

describe('UtteranceGeneration close', () => {
  it('runs onClosed once the streams are closed; again, later, it runs the new callback at once', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const { read } = await readMessage(generation.event);
    const calls: string[] = [];
    generation.close(() => calls.push('first'));
    expect(calls).toEqual(['first']);
    expect(generation.closed).toBe(true);
    generation.close(() => calls.push('second'));
    expect(calls).toEqual(['first', 'second']);
    expect(() => generation.close()).not.toThrow();
    expect(calls).toEqual(['first', 'second']);
    expect(await read).toEqual({ texts: [], frames: [] });
  });

  it('with audio waiting, close() runs every onClosed only after the last chunk is decoded', async () => {
    const generation = new UtteranceGeneration('item', 16000);
    const calls: string[] = [];
    oneChunkPerTurn();
    spendBudget();
    generation.writeAudio(wavChunk(800), 0);
    generation.writeAudio(wavChunk(800), 0);
    generation.close(() => calls.push('first'));
    generation.close();
    generation.close(() => calls.push('second'));
    expect(generation.closed).toBe(true);
    await turn();
    expect(generation.synthesizedSamples).toBe(800);
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual(['first', 'second']);
    expect(generation.synthesizedSamples).toBe(1600);
  });
});
