import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../src/azure/replay-buffer.ts';

const chunk = (n: number, value = 1) => new Int16Array(n).fill(value);

describe('ReplayBuffer', () => {
  it('keeps audio until the service has recognized it, and replays the rest in order', () => {
    const buffer = new ReplayBuffer(10_000);
    buffer.append(chunk(100, 1), 0, 10, true);
    buffer.append(chunk(100, 2), 100, 20, true);
    buffer.append(chunk(100, 3), 200, 30, false);
    buffer.acknowledge(150); // the chunk holding sample 150 stays: the phrase ended inside it
    expect(buffer.firstSample(-1)).toBe(100);
    expect(buffer.takeForReplay().map((c) => c[0])).toEqual([2, 3]);
    expect(buffer.bufferedSamples).toBe(200);
    expect(buffer.droppedSamples).toBe(0);
  });

  it('dates samples by when they were pushed', () => {
    const buffer = new ReplayBuffer(10_000);
    buffer.append(chunk(160), 0, 5, true);
    buffer.append(chunk(160), 160, 15, true);
    expect(buffer.pushedAt(10)).toBe(5);
    expect(buffer.pushedAt(200)).toBe(15);
    expect(buffer.pushedAt(400)).toBe(15); // past the end: the newest push
    buffer.acknowledge(160);
    expect(buffer.pushedAt(10)).toBeUndefined();
  });

  it('is bounded; only audio that never reached a recognizer counts as dropped', () => {
    const buffer = new ReplayBuffer(250);
    buffer.append(chunk(100), 0, 0, true);
    buffer.append(chunk(100), 100, 0, false);
    buffer.append(chunk(100), 200, 0, false);
    expect(buffer.bufferedSamples).toBe(200);
    expect(buffer.droppedSamples).toBe(0);
    buffer.append(chunk(100), 300, 0, false);
    expect(buffer.droppedSamples).toBe(100);
    expect(buffer.firstSample(-1)).toBe(200);
    buffer.takeForReplay();
    buffer.append(chunk(100), 400, 0, false);
    buffer.append(chunk(100), 500, 0, false);
    expect(buffer.droppedSamples).toBe(100); // replayed chunks were delivered: evicting them loses nothing
  });
});

describe('ReplayBuffer: bounds and edges', () => {
  it('holds exactly its maximum, and evicts as many of the oldest chunks as it takes to fit', () => {
    const buffer = new ReplayBuffer(300);
    buffer.append(chunk(100, 1), 0, 0, false);
    buffer.append(chunk(100, 2), 100, 0, false);
    buffer.append(chunk(100, 3), 200, 0, false);
    expect(buffer.bufferedSamples).toBe(300);
    expect(buffer.droppedSamples).toBe(0);
    buffer.append(chunk(250, 4), 300, 0, false);
    // 550 held: the two oldest go (350 left would still be over; 250 fits).
    expect(buffer.takeForReplay().map((c) => c[0])).toEqual([4]);
    expect(buffer.bufferedSamples).toBe(250);
    expect(buffer.droppedSamples).toBe(300);
    expect(buffer.firstSample(-1)).toBe(300);
  });

  it('with no room at all keeps nothing and counts all undelivered audio as dropped', () => {
    const buffer = new ReplayBuffer(0);
    buffer.append(chunk(10), 0, 0, false);
    buffer.append(chunk(5), 10, 0, true);
    expect(buffer.bufferedSamples).toBe(0);
    expect(buffer.droppedSamples).toBe(10);
    expect(buffer.takeForReplay()).toEqual([]);
    expect(buffer.firstSample(42)).toBe(42);
  });

  it('acknowledges every chunk that ends at or before the sample, and no later one', () => {
    const buffer = new ReplayBuffer(10_000);
    buffer.append(chunk(100, 1), 0, 0, true);
    buffer.append(chunk(100, 2), 100, 0, true);
    buffer.append(chunk(100, 3), 200, 0, true);
    buffer.acknowledge(99);
    expect(buffer.firstSample(-1)).toBe(0);
    expect(buffer.bufferedSamples).toBe(300);
    buffer.acknowledge(200);
    expect(buffer.firstSample(-1)).toBe(200);
    expect(buffer.bufferedSamples).toBe(100);
    buffer.acknowledge(10_000);
    expect(buffer.firstSample(-1)).toBe(-1);
    expect(buffer.bufferedSamples).toBe(0);
    expect(buffer.takeForReplay()).toEqual([]);
    // Acknowledging audio that is gone already changes nothing.
    buffer.acknowledge(50);
    expect(buffer.bufferedSamples).toBe(0);
  });

  it('replays the very chunks it was given, and replays them again if asked', () => {
    const buffer = new ReplayBuffer(10_000);
    const a = chunk(10, 1);
    const b = chunk(10, 2);
    buffer.append(a, 0, 0, false);
    buffer.append(b, 10, 0, false);
    const first = buffer.takeForReplay();
    expect(first).toHaveLength(2);
    expect(first[0]).toBe(a);
    expect(first[1]).toBe(b);
    expect(buffer.takeForReplay()).toEqual([a, b]);
    expect(buffer.bufferedSamples).toBe(20);
  });

  it('dates only the samples it holds: none before the oldest, none in a gap, the newest push past the end', () => {
    const buffer = new ReplayBuffer(10_000);
    buffer.append(chunk(100), 100, 1, true);
    buffer.append(chunk(100), 300, 2, true);
    expect(buffer.pushedAt(99)).toBeUndefined();
    expect(buffer.pushedAt(100)).toBe(1);
    expect(buffer.pushedAt(199)).toBe(1);
    expect(buffer.pushedAt(200)).toBeUndefined();
    expect(buffer.pushedAt(299)).toBeUndefined();
    expect(buffer.pushedAt(300)).toBe(2);
    expect(buffer.pushedAt(399)).toBe(2);
    expect(buffer.pushedAt(5000)).toBe(2);
    expect(new ReplayBuffer(10).pushedAt(0)).toBeUndefined();
  });

  it('clear() forgets all audio but keeps the count of dropped samples', () => {
    const buffer = new ReplayBuffer(100);
    buffer.append(chunk(80), 0, 0, false);
    buffer.append(chunk(80), 80, 7, false);
    expect(buffer.droppedSamples).toBe(80);
    buffer.clear();
    expect(buffer.bufferedSamples).toBe(0);
    expect(buffer.firstSample(-1)).toBe(-1);
    expect(buffer.pushedAt(100)).toBeUndefined();
    expect(buffer.takeForReplay()).toEqual([]);
    expect(buffer.droppedSamples).toBe(80);
    buffer.append(chunk(10, 9), 160, 3, false);
    expect(buffer.firstSample(-1)).toBe(160);
    expect(buffer.bufferedSamples).toBe(10);
  });

  it('stays exact over thousands of chunks acknowledged as they go (its storage is compacted on the way)', () => {
    const buffer = new ReplayBuffer(1_000_000);
    for (let i = 0; i < 5000; i++) {
      buffer.append(chunk(10, i % 30000), i * 10, i, true);
      if (i % 100 === 99) buffer.acknowledge((i - 49) * 10);
    }
    // The last acknowledgement, at i = 4999, kept chunks 4950 on.
    expect(buffer.firstSample(-1)).toBe(49500);
    expect(buffer.bufferedSamples).toBe(500);
    const replay = buffer.takeForReplay();
    expect(replay).toHaveLength(50);
    expect(replay[0]?.[0]).toBe(4950);
    expect(replay[49]?.[0]).toBe(4999);
    expect(buffer.pushedAt(49_505)).toBe(4950);
    expect(buffer.pushedAt(49_499)).toBeUndefined();
    // Evictions count from the compacted start too.
    const small = new ReplayBuffer(100);
    for (let i = 0; i < 3000; i++) small.append(chunk(10), i * 10, i, i % 2 === 0);
    expect(small.bufferedSamples).toBe(100);
    expect(small.firstSample(-1)).toBe(29_900);
    expect(small.droppedSamples).toBe(1495 * 10);
    expect(small.takeForReplay()).toHaveLength(10);
  });
});
