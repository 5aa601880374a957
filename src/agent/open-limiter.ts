/**
 * Session opens per room, rate-limited: a token bucket holding ten seconds' worth (at least
 * one), refilled evenly: a room starting with 20 sessions opens them at once at the default 120 a
 * minute, a room churning opens no more than the rate. A re-plan that wants more opens than there are tokens opens what it may; the rest wait
 * for the next token (the interpreter re-plans then), none is dropped.
 */
export class OpenLimiter {
  private tokens: number;
  private last = performance.now();
  private readonly perMs: number;
  private readonly burst: number;

  constructor(perMinute: number) {
    if (!(perMinute > 0)) throw new RangeError(`session opens per minute must be > 0, got ${perMinute}`);
    this.burst = Math.max(1, Math.ceil(perMinute / 6));
    this.tokens = this.burst;
    this.perMs = perMinute / 60_000;
  }

  /** Takes one open if allowed now. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next open is allowed (0: now). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }
}
