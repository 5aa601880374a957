/**
 * FinishWaiter: settles after `idleMs` of quiet from the service, at once on `settle()`, and only once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FinishWaiter } from '../../src/azure/finish-waiter.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Tracks whether the waiter's promise has resolved (read after a microtask flush). */
function watch(waiter: FinishWaiter): { settled: () => boolean } {
  let settled = false;
  void waiter.promise.then(() => {
    settled = true;
  });
  return { settled: () => settled };
}

describe('FinishWaiter', () => {
  it('settles once the service has been quiet for exactly idleMs from construction', async () => {
    const waiter = new FinishWaiter(500);
    const state = watch(waiter);
    await vi.advanceTimersByTimeAsync(499);
    expect(state.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.settled()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('restarts the quiet period on every activity', async () => {
    const waiter = new FinishWaiter(500);
    const state = watch(waiter);
    await vi.advanceTimersByTimeAsync(400);
    waiter.activity();
    await vi.advanceTimersByTimeAsync(400);
    expect(state.settled()).toBe(false);
    waiter.activity();
    // One timer at a time: the old ones were cleared.
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(state.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.settled()).toBe(true);
  });

  it('settle() resolves at once and clears the idle timer', async () => {
    const waiter = new FinishWaiter(10_000);
    const state = watch(waiter);
    expect(vi.getTimerCount()).toBe(1);
    waiter.settle();
    expect(vi.getTimerCount()).toBe(0);
    await waiter.promise;
    expect(state.settled()).toBe(true);
  });

  it('ignores activity after it has settled: no timer is started again', async () => {
    const waiter = new FinishWaiter(100);
    waiter.settle();
    waiter.activity();
    expect(vi.getTimerCount()).toBe(0);
    // Settling again is harmless.
    waiter.settle();
    await expect(waiter.promise).resolves.toBeUndefined();
  });

  it('after the idle timeout it has settled for good: later activity starts no timer', async () => {
    const waiter = new FinishWaiter(100);
    await vi.advanceTimersByTimeAsync(100);
    await waiter.promise;
    waiter.activity();
    expect(vi.getTimerCount()).toBe(0);
  });
});
