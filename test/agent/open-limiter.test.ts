/**
 * Session opens per room as a token bucket: ten seconds' worth at once (at least one), then
 * refilled evenly at the rate; what may not open now is told how long to wait.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenLimiter } from '../../src/agent/open-limiter.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Opens taken now, until one is refused. */
function takeAll(limiter: OpenLimiter): number {
  let taken = 0;
  while (limiter.take()) taken++;
  return taken;
}

describe('OpenLimiter', () => {
  it('refuses a rate that is not > 0, naming it', () => {
    expect(() => new OpenLimiter(0)).toThrow(new RangeError('session opens per minute must be > 0, got 0'));
    expect(() => new OpenLimiter(-5)).toThrow(new RangeError('session opens per minute must be > 0, got -5'));
    expect(() => new OpenLimiter(Number.NaN)).toThrow(new RangeError('session opens per minute must be > 0, got NaN'));
  });

  it("opens ten seconds' worth at once: 20 at 120 a minute, 3 at 18, rounded up", () => {
    expect(takeAll(new OpenLimiter(120))).toBe(20);
    expect(takeAll(new OpenLimiter(18))).toBe(3);
    expect(takeAll(new OpenLimiter(13))).toBe(3);
  });

  it('opens at least one at once, however low the rate', () => {
    expect(takeAll(new OpenLimiter(1))).toBe(1);
    expect(takeAll(new OpenLimiter(0.5))).toBe(1);
  });

  it('says 0 ms while an open is allowed, and takes the last token of the burst', () => {
    const limiter = new OpenLimiter(18);
    expect(limiter.waitMs()).toBe(0);
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(true);
    expect(limiter.waitMs()).toBe(0);
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
  });

  it('refills evenly at the rate: after the burst, the next open waits for its token', async () => {
    // 60 a minute: one a second.
    const limiter = new OpenLimiter(60);
    expect(takeAll(limiter)).toBe(10);
    expect(limiter.waitMs()).toBe(1000);
    await vi.advanceTimersByTimeAsync(300);
    expect(limiter.waitMs()).toBe(700);
    // Asking again does not count the same time twice.
    expect(limiter.waitMs()).toBe(700);
    expect(limiter.take()).toBe(false);
    await vi.advanceTimersByTimeAsync(699);
    expect(limiter.waitMs()).toBe(1);
    expect(limiter.take()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(limiter.waitMs()).toBe(0);
    expect(limiter.take()).toBe(true);
    expect(limiter.take()).toBe(false);
    expect(limiter.waitMs()).toBe(1000);
  });

  it('rounds a wait up to the next whole millisecond', () => {
    // 18 a minute: a token every 3,333.3 ms.
    const limiter = new OpenLimiter(18);
    takeAll(limiter);
    expect(limiter.waitMs()).toBe(3334);
  });

  it('keeps no more than the burst however long it stayed unused', async () => {
    const limiter = new OpenLimiter(60);
    takeAll(limiter);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(takeAll(limiter)).toBe(10);
    expect(limiter.waitMs()).toBe(1000);
  });

  it('counts the time since it was made: a new limiter is full, not ahead', async () => {
    await vi.advanceTimersByTimeAsync(60_000);
    const limiter = new OpenLimiter(6);
    expect(takeAll(limiter)).toBe(1);
    expect(limiter.waitMs()).toBe(10_000);
  });
});
