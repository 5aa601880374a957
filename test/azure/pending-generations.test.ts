/**
 * Which generation synthesized audio goes to, and what ends one, for each way a service may
 * mark the end of a phrase's audio (or not mark it).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import { PendingGenerations, type PendingGeneration } from '../../src/azure/pending-generations.ts';
import { encodeWav } from '../../src/common/wav.ts';
import { utteranceMetrics } from '../../src/azure/results.ts';
import { readGeneration } from './harness.ts';

function chunk(ms: number): ArrayBuffer {
  const bytes = encodeWav(new Int16Array(16 * ms).fill(1000), 16000);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function pending(itemId: string): PendingGeneration {
  return { generation: new UtteranceGeneration(itemId, 16000), itemId, createdAt: 0, createdPerf: 0, speechEndedAt: undefined, sourceLanguage: undefined };
}

/**
 * A queue with no timer (0), recording what finished and each generation's audio in ms. Decoding
 * may wait for a later turn of the event loop (decode-pacer.ts), so `finished` is read after the
 * generations' streams have closed; `queue.size` says at once which are still open.
 */
function setup() {
  const finished: string[] = [];
  const audioMs = new Map<string, Promise<number>>();
  const orphans: string[] = [];
  const track = (p: PendingGeneration) =>
    audioMs.set(p.itemId, readGeneration(p.generation!.event).then((g) => g.frames.reduce((ms, f) => ms + f.samplesPerChannel / 16, 0)));
  const queue = new PendingGenerations(
    {
      onFinished: (p) => finished.push(p.itemId),
      orphanAudio: () => {
        const orphan = pending(`orphan-${orphans.length + 1}`);
        orphans.push(orphan.itemId);
        track(orphan);
        return orphan;
      },
    },
    0,
  );
  const add = (id: string) => {
    const p = pending(id);
    track(p);
    queue.add(p);
  };
  return { queue, add, finished, orphans, audioMs };
}

describe('PendingGenerations', () => {
  it('completion per phrase: each completion ends the generation its audio went to', async () => {
    const { queue, add, finished, audioMs } = setup();
    add('a');
    queue.audio(chunk(200), 0);
    queue.completed();
    add('b');
    queue.audio(chunk(100), 0);
    queue.audio(chunk(100), 0);
    queue.completed();
    expect(queue.size).toBe(0);
    expect(await audioMs.get('a')).toBe(200);
    expect(await audioMs.get('b')).toBe(200);
    expect(finished).toEqual(['a', 'b']);
  });

  it('completion once per stream: the next phrase ends the previous one; speech end or the session end the last', async () => {
    const { queue, add, finished, audioMs } = setup();
    add('a');
    queue.audio(chunk(200), 0);
    add('b');
    expect(queue.size).toBe(1);
    queue.audio(chunk(300), 0);
    add('c');
    queue.audio(chunk(100), 0);
    queue.speechEnded();
    expect(queue.size).toBe(0);
    // The stream's one completion comes last and ends nothing more.
    queue.completed();
    add('d');
    queue.completed();
    expect(queue.size).toBe(1);
    queue.audio(chunk(100), 0);
    queue.closeAll();
    expect(queue.size).toBe(0);
    expect([await audioMs.get('a'), await audioMs.get('b'), await audioMs.get('c'), await audioMs.get('d')]).toEqual([200, 300, 100, 100]);
    expect(finished).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a completion still owed to a generation the next phrase ended does not end the next one', async () => {
    const { queue, add, finished, audioMs } = setup();
    add('a');
    queue.audio(chunk(200), 0);
    // The next phrase's text came before the first phrase's completion.
    add('b');
    queue.completed();
    expect(queue.size).toBe(1);
    queue.audio(chunk(100), 0);
    queue.completed();
    expect(queue.size).toBe(0);
    expect(await audioMs.get('a')).toBe(200);
    expect(await audioMs.get('b')).toBe(100);
    expect(finished).toEqual(['a', 'b']);
  });

  it('audio with no generation waiting gets a generation of its own instead of being dropped', async () => {
    const { queue, add, finished, orphans, audioMs } = setup();
    add('a');
    queue.audio(chunk(100), 0);
    queue.completed();
    queue.audio(chunk(200), 0);
    expect(orphans).toEqual(['orphan-1']);
    queue.completed();
    expect(queue.size).toBe(0);
    expect(await audioMs.get('a')).toBe(100);
    expect(await audioMs.get('orphan-1')).toBe(200);
    expect(finished).toEqual(['a', 'orphan-1']);
  });

  it('speech end leaves a generation that has heard no audio yet open for its audio', async () => {
    const { queue, add, finished, audioMs } = setup();
    add('a');
    queue.speechEnded();
    expect(queue.size).toBe(1);
    queue.audio(chunk(100), 0);
    queue.completed();
    expect(queue.size).toBe(0);
    expect(await audioMs.get('a')).toBe(100);
    expect(finished).toEqual(['a']);
  });
});

describe('PendingGenerations: what cuts a generation off, and what the metrics say about it', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const context = { label: 'test', modelName: 'm', modelProvider: 'p', droppedAudioMs: 0 };

  function timed(timeoutMs: number) {
    const finished: PendingGeneration[] = [];
    const queue = new PendingGenerations({ onFinished: (p) => finished.push(p), orphanAudio: () => undefined }, timeoutMs);
    return { queue, finished };
  }

  it('the stall timer closes the oldest generation only after the service said nothing for the whole timeout, and marks it cancelled', async () => {
    // Only timers are faked: decoding's setImmediate keeps running.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { queue, finished } = timed(1000);
    const a = pending('a');
    const b = pending('b');
    queue.add(a);
    vi.advanceTimersByTime(600);
    // Audio is activity: the timer starts again from here.
    queue.audio(chunk(20), 0);
    vi.advanceTimersByTime(999);
    expect(queue.size).toBe(1);
    queue.add(b);
    vi.advanceTimersByTime(1000);
    // `add` closed `a` (it had audio), the stall then closed `b`.
    expect(queue.size).toBe(0);
    await readGeneration(a.generation!.event);
    await readGeneration(b.generation!.event);
    // `a` finishes once its audio is decoded, so the order of the two may vary.
    const byId = new Map(finished.map((p) => [p.itemId, p]));
    expect([...byId.keys()].sort()).toEqual(['a', 'b']);
    expect(byId.get('a')!.cutOff).toBeUndefined();
    expect(byId.get('b')!.cutOff).toBe('stall');
    expect(utteranceMetrics(byId.get('a')!, context).cancelled).toBe(false);
    expect(utteranceMetrics(byId.get('b')!, context).cancelled).toBe(true);
  });

  it('a timeout of 0 never closes a generation', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { queue } = timed(0);
    queue.add(pending('a'));
    vi.advanceTimersByTime(3_600_000);
    expect(queue.size).toBe(1);
    queue.closeAll();
  });

  it('closeAll after a dropped connection marks every open generation cancelled; an ordinary end does not', async () => {
    const dropped = timed(0);
    const x = pending('x');
    dropped.queue.add(x);
    dropped.queue.closeAll('connection');
    const ended = timed(0);
    const y = pending('y');
    ended.queue.add(y);
    ended.queue.closeAll();
    await readGeneration(x.generation!.event);
    await readGeneration(y.generation!.event);
    expect(dropped.finished.map((p) => utteranceMetrics(p, context).cancelled)).toEqual([true]);
    expect(ended.finished.map((p) => utteranceMetrics(p, context).cancelled)).toEqual([false]);
  });
});

describe('PendingGenerations: errors, orphans and the queue edges', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function notPcm(): ArrayBuffer {
    const bytes = encodeWav(new Int16Array(160), 16000);
    bytes[20] = 3; // IEEE float
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  function withHooks(orphan: () => PendingGeneration | undefined = () => undefined) {
    const finished: PendingGeneration[] = [];
    const errors: Error[] = [];
    const queue = new PendingGenerations({ onFinished: (p) => finished.push(p), onAudioError: (e) => errors.push(e), orphanAudio: orphan }, 0);
    return { queue, finished, errors };
  }

  it('audio that cannot be decoded at once is reported and ends the generation it went to', async () => {
    // A fresh turn of the event loop has its decoding budget: the chunk is decoded at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { queue, finished, errors } = withHooks();
    const a = pending('a');
    const b = pending('b');
    queue.add(a);
    queue.add(b);
    queue.audio(notPcm(), 0);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.name).toBe('WavError');
    expect(errors[0]!.message).toMatch(/^synthesized audio is not PCM/);
    expect(queue.size).toBe(1);
    await readGeneration(a.generation!.event);
    expect(finished.map((p) => p.itemId)).toEqual(['a']);
    // The next generation takes the next audio.
    queue.audio(chunk(100), 0);
    queue.completed();
    expect((await readGeneration(b.generation!.event)).frames.length).toBeGreaterThan(0);
    expect(finished.map((p) => p.itemId)).toEqual(['a', 'b']);
  });

  it('audio that turns out undecodable in a later turn is reported and takes its generation out of the queue', async () => {
    // Start on a fresh turn of the event loop, whose decoding budget the clock below controls.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const { queue, finished, errors } = withHooks();
    const a = pending('a');
    const b = pending('b');
    queue.add(a);
    queue.add(b);
    // Spend this turn's decoding budget: the chunk waits for a later turn.
    queue.audio(chunk(20), 0);
    clock = 10;
    queue.audio(notPcm(), 0);
    expect(queue.size).toBe(2);
    await readGeneration(a.generation!.event);
    expect(errors.map((e) => e.name)).toEqual(['WavError']);
    expect(queue.size).toBe(1);
    expect(finished.map((p) => p.itemId)).toEqual(['a']);
    queue.closeAll();
    await readGeneration(b.generation!.event);
    expect(finished.map((p) => p.itemId)).toEqual(['a', 'b']);
  });

  it('undecodable audio of a generation already closed by the next phrase leaves the next one in the queue', async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const { queue, finished, errors } = withHooks();
    const a = pending('a');
    queue.add(a);
    queue.audio(chunk(20), 0);
    clock = 10;
    // Waits for a later turn of the event loop.
    queue.audio(notPcm(), 0);
    const b = pending('b');
    // `a` has heard audio: the next phrase closes it (once its backlog is decoded).
    queue.add(b);
    expect(queue.size).toBe(1);
    await readGeneration(a.generation!.event);
    expect(errors.map((e) => e.name)).toEqual(['WavError']);
    expect(finished.map((p) => p.itemId)).toEqual(['a']);
    expect(queue.size).toBe(1);
    queue.audio(chunk(100), 0);
    // The completion owed to `a` ends nothing; the end of the session ends `b`.
    queue.completed();
    expect(queue.size).toBe(1);
    queue.closeAll();
    await readGeneration(b.generation!.event);
    expect(finished.map((p) => p.itemId)).toEqual(['a', 'b']);
  });

  it('a stall timer left running after undecodable audio emptied the queue finds nothing to close', async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const finished: PendingGeneration[] = [];
    const queue = new PendingGenerations({ onFinished: (p) => finished.push(p), orphanAudio: () => undefined }, 1000);
    const a = pending('a');
    queue.add(a);
    queue.audio(notPcm(), 0);
    expect(queue.size).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(finished.map((p) => [p.itemId, p.cutOff])).toEqual([['a', undefined]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops audio when no generation is waiting and the session makes none for it', () => {
    const { queue, finished } = withHooks(() => undefined);
    queue.audio(chunk(100), 0);
    expect(queue.size).toBe(0);
    const textOnly = withHooks(() => ({ ...pending('x'), generation: undefined }));
    textOnly.queue.audio(chunk(100), 0);
    expect(textOnly.queue.size).toBe(0);
    expect(finished).toEqual([]);
    expect(textOnly.finished).toEqual([]);
  });

  it('a phrase without a generation (nothing to speak) finishes at once when closed; audio goes to an orphan before it', async () => {
    const orphan = pending('orphan');
    const { queue, finished } = withHooks(() => orphan);
    const silent: PendingGeneration = { ...pending('silent'), generation: undefined };
    queue.add(silent);
    queue.audio(chunk(100), 0);
    expect(queue.size).toBe(2);
    queue.completed();
    await readGeneration(orphan.generation!.event);
    expect(finished.map((p) => p.itemId)).toEqual(['orphan']);
    queue.completed();
    expect(finished.map((p) => p.itemId)).toEqual(['orphan', 'silent']);
    expect(queue.size).toBe(0);
  });

  it('a completion or failure with nothing open ends nothing, and the next phrase is still ended by its own', async () => {
    const { queue, finished } = withHooks();
    queue.completed();
    queue.failed();
    const a = pending('a');
    queue.add(a);
    queue.audio(chunk(100), 0);
    queue.failed();
    expect(queue.size).toBe(0);
    await readGeneration(a.generation!.event);
    expect(finished.map((p) => p.itemId)).toEqual(['a']);
  });

  it('closeAll forgets completions still owed, so a later completion ends the generation it belongs to', async () => {
    const { queue, finished } = withHooks();
    const a = pending('a');
    queue.add(a);
    queue.audio(chunk(100), 0);
    queue.add(pending('b'));
    queue.closeAll();
    expect(queue.size).toBe(0);
    const c = pending('c');
    queue.add(c);
    queue.audio(chunk(100), 0);
    queue.completed();
    expect(queue.size).toBe(0);
    await readGeneration(c.generation!.event);
    expect(finished.map((p) => p.itemId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('the stall timer closes one generation per timeout, and stops once none is left', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const finished: PendingGeneration[] = [];
    const queue = new PendingGenerations({ onFinished: (p) => finished.push(p), orphanAudio: () => undefined }, 1000);
    queue.add({ ...pending('a'), generation: undefined });
    queue.add({ ...pending('b'), generation: undefined });
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(finished).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(finished.map((p) => [p.itemId, p.cutOff])).toEqual([['a', 'stall']]);
    vi.advanceTimersByTime(999);
    expect(finished).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(finished.map((p) => [p.itemId, p.cutOff])).toEqual([
      ['a', 'stall'],
      ['b', 'stall'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a completion restarts the stall timer for the generations left, and closeAll stops it', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const finished: PendingGeneration[] = [];
    const queue = new PendingGenerations({ onFinished: (p) => finished.push(p), orphanAudio: () => undefined }, 1000);
    queue.add({ ...pending('a'), generation: undefined });
    queue.add({ ...pending('b'), generation: undefined });
    vi.advanceTimersByTime(900);
    queue.completed();
    expect(finished.map((p) => p.cutOff)).toEqual([undefined]);
    vi.advanceTimersByTime(999);
    expect(finished).toHaveLength(1);
    queue.speechEnded();
    vi.advanceTimersByTime(999);
    expect(finished).toHaveLength(1);
    queue.closeAll('connection');
    expect(finished.map((p) => [p.itemId, p.cutOff])).toEqual([
      ['a', undefined],
      ['b', 'connection'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
    // With nothing open no timer runs.
    queue.completed();
    queue.speechEnded();
    expect(vi.getTimerCount()).toBe(0);
  });
});
