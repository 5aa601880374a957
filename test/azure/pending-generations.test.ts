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
