/**
 * Which generation synthesized audio goes to, and what ends one, for each way a service may
 * mark the end of a phrase's audio (or not mark it).
 */
import { describe, expect, it } from 'vitest';
import { UtteranceGeneration } from '../../src/azure/generation.ts';
import { PendingGenerations, type PendingGeneration } from '../../src/azure/pending-generations.ts';
import { encodeWav } from '../../src/common/wav.ts';
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
