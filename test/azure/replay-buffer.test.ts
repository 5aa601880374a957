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
