/**
 * The decode pacer shares the event loop between sessions: a few milliseconds of decoding per turn,
 * the rest in later turns, most urgent decoder first. The clock (performance.now) is a counter the
 * tests move, and each turn of the event loop is one `vi.runOnlyPendingTimers()` over faked
 * setImmediate, so budgets and turns are exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DECODE_BUDGET_MS, decodeLater, mayDecodeNow, type PacedDecoder } from '../../src/azure/decode-pacer.ts';

let clock = 0;

beforeEach(() => {
  clock = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  vi.useFakeTimers({ toFake: ['setImmediate'] });
});

afterEach(() => {
  // Leave the pacer's module state idle for the next test: every scheduled turn has run.
  for (let turns = 0; vi.getTimerCount() > 0 && turns < 100; turns++) vi.runOnlyPendingTimers();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Runs one turn of the event loop: the immediates scheduled so far. */
function turn(): void {
  vi.runOnlyPendingTimers();
}

interface Step {
  name: string;
  at: number;
}

/** A decoder with `chunks` chunks to decode, each costing `costMs` on the clock. */
function decoder(name: string, chunks: number, costMs: number, log: Step[], urgency: (now: number) => number = () => 0) {
  let left = chunks;
  const seen: number[] = [];
  const d: PacedDecoder & { seen: number[]; left: () => number } = {
    seen,
    left: () => left,
    urgency(now) {
      seen.push(now);
      return urgency(now);
    },
    step() {
      log.push({ name, at: clock });
      clock += costMs;
      left--;
      return left > 0;
    },
  };
  return d;
}

describe('mayDecodeNow', () => {
  it('allows decoding for the first 2 ms of a turn, counted from the first call, and not from 2 ms on', () => {
    expect(DECODE_BUDGET_MS).toBe(2);
    expect(mayDecodeNow()).toBe(true);
    clock += 1.999;
    expect(mayDecodeNow()).toBe(true);
    clock = 1002;
    expect(mayDecodeNow()).toBe(false);
    clock = 1500;
    expect(mayDecodeNow()).toBe(false);
  });

  it('gives every turn of the event loop a fresh budget from its own first call', () => {
    expect(mayDecodeNow()).toBe(true);
    clock += 5;
    expect(mayDecodeNow()).toBe(false);
    turn();
    clock = 2000;
    expect(mayDecodeNow()).toBe(true);
    clock = 2001.5;
    expect(mayDecodeNow()).toBe(true);
    clock = 2002;
    expect(mayDecodeNow()).toBe(false);
  });

  it('schedules one reset per turn, however often it is asked', () => {
    mayDecodeNow();
    mayDecodeNow();
    mayDecodeNow();
    expect(vi.getTimerCount()).toBe(1);
    turn();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('decodeLater', () => {
  it('decodes nothing in the current turn, then in the next turn as much as the budget allows', () => {
    const log: Step[] = [];
    const d = decoder('a', 10, 0.75, log);
    decodeLater(d);
    expect(log).toEqual([]);
    turn();
    // Steps at 0, 0.75 and 1.5 ms into the turn; at 2.25 ms the budget is spent.
    expect(log.map((s) => s.at)).toEqual([1000, 1000.75, 1001.5]);
    expect(d.left()).toBe(7);
    expect(vi.getTimerCount()).toBe(1);
    turn();
    expect(d.left()).toBe(4);
  });

  it('stops a turn exactly when the budget is used up', () => {
    const log: Step[] = [];
    const d = decoder('a', 10, 1, log);
    decodeLater(d);
    turn();
    // 0 ms, 1 ms in: decode; 2 ms in: no budget left.
    expect(log.map((s) => s.at)).toEqual([1000, 1001]);
  });

  it('takes at least one step per turn even when a step costs more than the budget', () => {
    const log: Step[] = [];
    const d = decoder('a', 3, 50, log);
    decodeLater(d);
    turn();
    expect(log).toHaveLength(1);
    turn();
    expect(log).toHaveLength(2);
    turn();
    expect(log).toHaveLength(3);
    // Nothing left: no further turn is scheduled.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('forgets a decoder once it has nothing left, and schedules no turn when all are done', () => {
    const log: Step[] = [];
    const d = decoder('a', 2, 0.1, log);
    decodeLater(d);
    turn();
    expect(log.map((s) => s.name)).toEqual(['a', 'a']);
    expect(vi.getTimerCount()).toBe(0);
    // A decoder that was forgotten is not asked again when another one is added.
    const e = decoder('e', 1, 0.1, log);
    decodeLater(e);
    turn();
    expect(log.map((s) => s.name)).toEqual(['a', 'a', 'e']);
    expect(d.seen).toHaveLength(2);
  });

  it('schedules a single drain for decoders added in the same turn', () => {
    const log: Step[] = [];
    decodeLater(decoder('a', 1, 0, log));
    decodeLater(decoder('b', 1, 0, log));
    expect(vi.getTimerCount()).toBe(1);
    turn();
    expect(log.map((s) => s.name).sort()).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('adding the same decoder twice keeps one entry', () => {
    const log: Step[] = [];
    const d = decoder('a', 1, 3, log);
    decodeLater(d);
    decodeLater(d);
    turn();
    expect(log).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('steps the most urgent decoder first, asking each its urgency at the current time', () => {
    const log: Step[] = [];
    const backlog = decoder('backlog', 2, 3, log, () => 500);
    const fresh = decoder('fresh', 1, 3, log, () => 0);
    const middle = decoder('middle', 1, 3, log, () => 100);
    decodeLater(backlog);
    decodeLater(fresh);
    decodeLater(middle);
    turn();
    expect(log.map((s) => s.name)).toEqual(['fresh']);
    expect(backlog.seen).toEqual([1000]);
    turn();
    expect(log.map((s) => s.name)).toEqual(['fresh', 'middle']);
    expect(backlog.seen).toEqual([1000, 1003]);
    turn();
    turn();
    expect(log.map((s) => s.name)).toEqual(['fresh', 'middle', 'backlog', 'backlog']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-reads urgencies after every step within a turn (the clock has moved on)', () => {
    const log: Step[] = [];
    // `a` grows less urgent as time passes, `b` stays at 0.5.
    const a = decoder('a', 5, 0.5, log, (now) => now - 1000);
    const b = decoder('b', 5, 0.5, log, () => 0.5);
    decodeLater(a);
    decodeLater(b);
    turn();
    // 0 ms: a (0 < 0.5); 0.5: tie, the first added wins (a); 1.0: b (1.0 > 0.5); 1.5: b.
    expect(log.map((s) => `${s.name}@${s.at - 1000}`)).toEqual(['a@0', 'a@0.5', 'b@1', 'b@1.5']);
    expect(a.seen).toEqual([1000, 1000.5, 1001, 1001.5]);
  });

  it('breaks ties in favour of the decoder waiting longest', () => {
    const log: Step[] = [];
    decodeLater(decoder('first', 1, 0.1, log, () => Number.POSITIVE_INFINITY));
    decodeLater(decoder('second', 1, 0.1, log, () => Number.POSITIVE_INFINITY));
    turn();
    expect(log.map((s) => s.name)).toEqual(['first', 'second']);
  });

  it('a decoder added while a turn is decoding waits for the next turn', () => {
    const log: Step[] = [];
    const late = decoder('late', 1, 0.1, log);
    const d: PacedDecoder = {
      urgency: () => 0,
      step() {
        log.push({ name: 'adder', at: clock });
        clock += 3;
        decodeLater(late);
        return false;
      },
    };
    decodeLater(d);
    turn();
    expect(log.map((s) => s.name)).toEqual(['adder']);
    turn();
    expect(log.map((s) => s.name)).toEqual(['adder', 'late']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
