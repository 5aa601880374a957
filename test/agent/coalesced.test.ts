/**
 * A task asked for often and run rarely: one pending run `delayMs` after the first request,
 * requests while it runs make exactly one more run, and nothing runs once stopped.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalesced } from '../../src/agent/coalesced.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder(task: (runs: number) => void = () => undefined) {
  const errors: unknown[] = [];
  let count = 0;
  const coalesced = new Coalesced(
    () => task(++count),
    (error) => errors.push(error),
  );
  return { coalesced, errors, count: () => count };
}

describe('Coalesced', () => {
  it('runs the task once, delayMs after the first request, however many requests came meanwhile', async () => {
    const { coalesced, count } = recorder();
    coalesced.request(100);
    await vi.advanceTimersByTimeAsync(50);
    coalesced.request(100);
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(49);
    expect(count()).toBe(0);
    expect(coalesced.runs).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(count()).toBe(1);
    expect(coalesced.runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(count()).toBe(1);
  });

  it('takes a new request once the pending run ran', async () => {
    const { coalesced, count } = recorder();
    coalesced.request(10);
    await vi.advanceTimersByTimeAsync(10);
    coalesced.request(30);
    await vi.advanceTimersByTimeAsync(29);
    expect(count()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(count()).toBe(2);
    expect(coalesced.runs).toBe(2);
  });

  it('a request made while the task runs, and due during the run, makes exactly one more run right after it', async () => {
    let coalesced: Coalesced | undefined;
    const rec = recorder((runs) => {
      if (runs === 1) {
        // Due at once, and fired while this run is still going: the run must loop, not nest.
        coalesced!.request(0);
        // Inside a tick the fake clock makes a 0 ms timer 1 ms.
        vi.advanceTimersByTime(1);
        expect(rec.count()).toBe(1);
      }
    });
    coalesced = rec.coalesced;
    coalesced.request(5);
    await vi.advanceTimersByTimeAsync(5);
    expect(rec.count()).toBe(2);
    expect(coalesced.runs).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(rec.count()).toBe(2);
    expect(rec.errors).toEqual([]);
  });

  it('a request made while the task runs and due after it makes one more run when due', async () => {
    let coalesced: Coalesced | undefined;
    const rec = recorder((runs) => {
      if (runs === 1) coalesced!.request(20);
    });
    coalesced = rec.coalesced;
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.count()).toBe(1);
    await vi.advanceTimersByTimeAsync(19);
    expect(rec.count()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.count()).toBe(2);
  });

  it('hands an error of the task to onError and takes requests afterwards', async () => {
    const failure = new Error('re-plan failed');
    const rec = recorder((runs) => {
      if (runs === 1) throw failure;
    });
    rec.coalesced.request(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.errors).toEqual([failure]);
    rec.coalesced.request(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(rec.count()).toBe(2);
    expect(rec.coalesced.runs).toBe(2);
    expect(rec.errors).toEqual([failure]);
  });

  it('an error in a run asked for during a run ends the loop there; the next request runs again', async () => {
    let coalesced: Coalesced | undefined;
    const failure = new Error('second run failed');
    const rec = recorder((runs) => {
      if (runs === 1) {
        coalesced!.request(0);
        // Inside a tick the fake clock makes a 0 ms timer 1 ms.
        vi.advanceTimersByTime(1);
      }
      if (runs === 2) throw failure;
    });
    coalesced = rec.coalesced;
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.count()).toBe(2);
    expect(rec.errors).toEqual([failure]);
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.count()).toBe(3);
  });

  it('stop cancels the pending run and refuses later requests', async () => {
    const { coalesced, count } = recorder();
    coalesced.request(10);
    coalesced.stop();
    await vi.advanceTimersByTimeAsync(100);
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(count()).toBe(0);
    expect(coalesced.runs).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop during a run ends it there: the run asked for meanwhile does not happen', async () => {
    let coalesced: Coalesced | undefined;
    const rec = recorder((runs) => {
      if (runs === 1) {
        coalesced!.request(0);
        // Inside a tick the fake clock makes a 0 ms timer 1 ms.
        vi.advanceTimersByTime(1);
        coalesced!.stop();
      }
    });
    coalesced = rec.coalesced;
    coalesced.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(rec.count()).toBe(1);
    expect(coalesced.runs).toBe(1);
  });

  it('stop before anything was requested is harmless', () => {
    const { coalesced } = recorder();
    expect(() => coalesced.stop()).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
  });
});
