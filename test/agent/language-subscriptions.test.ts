/**
 * Keeping each listener on their own language's interpretation track: which UpdateSubscriptions
 * calls a listener costs (their own track first, then off the others), the queue that coalesces
 * changes and never runs two for one listener, the bound on calls in flight, retries, and stop.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { LanguageAudience } from '../../src/agent/audience.ts';
import { LanguageSubscriptions, type LanguageSubscriptionsOptions } from '../../src/agent/language-subscriptions.ts';
import type { ParticipantInfo, SubscriptionControl } from '../../src/agent/room-io.ts';
import { agentProfile, neuralTarget } from './profiles.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const profile = agentProfile({ targets: [neuralTarget('fr'), neuralTarget('de'), neuralTarget('es')] });
const person = (identity: string, language?: string, isAgent = false): ParticipantInfo => ({ identity, attributes: language === undefined ? {} : { language }, isAgent });
const sids: Record<string, string> = { fr: 'TR_fr', de: 'TR_de', es: 'TR_es' };

interface Call {
  identity: string;
  trackSids: string[];
  subscribe: boolean;
}

/** A RoomService stand-in: records each call; `hold` keeps calls pending until released. */
class FakeControl implements SubscriptionControl {
  readonly calls: Call[] = [];
  private readonly held: { call: Call; settle: (error?: Error) => void }[] = [];
  hold = false;
  failWith: ((call: Call) => Error | undefined) | undefined;

  updateSubscriptions(identity: string, trackSids: string[], subscribe: boolean): Promise<void> {
    const call = { identity, trackSids, subscribe };
    this.calls.push(call);
    const error = this.failWith?.(call);
    if (!this.hold) return error ? Promise.reject(error) : Promise.resolve();
    return new Promise<void>((resolve, reject) => this.held.push({ call, settle: (e) => (e ? reject(e) : resolve()) }));
  }

  get pending(): string[] {
    return this.held.map((h) => h.call.identity);
  }

  release(identity: string, error?: Error): void {
    const index = this.held.findIndex((h) => h.call.identity === identity);
    if (index < 0) throw new Error(`no pending call for ${identity}`);
    this.held.splice(index, 1)[0]!.settle(error);
  }
}

/** Lets promise callbacks and I/O callbacks run until `check` holds (no clock involved). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never: ${what}`);
}

function setup(options: Partial<LanguageSubscriptionsOptions> = {}) {
  const control = new FakeControl();
  const audience = new LanguageAudience(profile);
  const logs: { level: number; msg: string; listener?: string; attempt?: number; err?: string; subscribed?: string[]; unsubscribed?: string[] }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as (typeof logs)[number]) });
  const published = new Set<string>();
  const subscriptions = new LanguageSubscriptions({ control, audience, logger, trackSid: (language) => (published.has(language) ? sids[language] : undefined), ...options });
  const join = (identity: string, language?: string) => audience.update(person(identity, language));
  /** The interpreter publishing a language's track, then saying so. */
  const publish = (language: string) => {
    published.add(language);
    subscriptions.published(language);
  };
  return { control, audience, subscriptions, logs, join, publish, published };
}

const idle = (s: LanguageSubscriptions) => () => s.idle;

describe('LanguageSubscriptions: the calls', () => {
  it("subscribes a listener to their language's track first, then off the other languages' tracks", async () => {
    const { control, subscriptions, join, publish } = setup();
    join('carol', 'fr');
    publish('fr');
    publish('de');
    publish('es');
    await until(idle(subscriptions), 'idle');
    expect(control.calls.slice(-2)).toEqual([
      { identity: 'carol', trackSids: ['TR_fr'], subscribe: true },
      { identity: 'carol', trackSids: ['TR_de', 'TR_es'], subscribe: false },
    ]);
    expect(subscriptions.calls).toBe(control.calls.length);
  });

  it('touches only listeners, and makes no call with nothing to set', async () => {
    const { control, subscriptions, join, audience } = setup();
    join('carol', 'fr');
    audience.update(person('recorder', 'fr', true));
    join('speaker');
    subscriptions.refresh('speaker');
    subscriptions.refresh('recorder');
    subscriptions.refresh('nobody');
    expect(subscriptions.idle).toBe(true);
    // carol is a listener, but no track is published yet: nothing to call.
    subscriptions.refresh('carol');
    await until(idle(subscriptions), 'idle');
    expect(control.calls).toEqual([]);
    expect(subscriptions.calls).toBe(0);
  });

  it('leaves out languages whose track has no sid now, and subscribes only when their own track is there', async () => {
    const { control, subscriptions, join, publish, published } = setup();
    join('carol', 'fr');
    join('jo', 'ja');
    publish('de');
    await until(idle(subscriptions), 'idle');
    expect(control.calls).toEqual([
      { identity: 'carol', trackSids: ['TR_de'], subscribe: false },
      { identity: 'jo', trackSids: ['TR_de'], subscribe: false },
    ]);
    // A language known as published whose track is gone (a reconnect) is skipped.
    published.delete('de');
    publish('fr');
    await until(idle(subscriptions), 'idle');
    expect(control.calls.slice(2)).toEqual([
      { identity: 'carol', trackSids: ['TR_fr'], subscribe: true },
      { identity: 'jo', trackSids: ['TR_fr'], subscribe: false },
    ]);
  });

  it('logs what it set for a listener at debug level', async () => {
    const { logs, subscriptions, join, publish } = setup();
    join('carol', 'fr');
    publish('fr');
    publish('de');
    await until(idle(subscriptions), 'idle');
    expect(logs.at(-1)).toMatchObject({ level: 20, listener: 'carol', subscribed: ['TR_fr'], unsubscribed: ['TR_de'], msg: 'listener interpretation tracks set' });
  });

  it('sets a listener with the state of the moment it is applied: one who left while waiting costs nothing', async () => {
    const { control, subscriptions, join, publish, audience } = setup({ concurrency: 1 });
    control.hold = true;
    join('carol', 'fr');
    join('dave', 'de');
    publish('fr');
    expect(control.pending).toEqual(['carol']);
    audience.remove('dave');
    control.release('carol');
    await until(idle(subscriptions), 'idle');
    expect(control.calls.map((c) => c.identity)).toEqual(['carol']);
  });
});

describe('LanguageSubscriptions: the queue', () => {
  it('keeps at most `concurrency` calls in flight, starting the next as one ends', async () => {
    const { control, subscriptions, join, publish } = setup({ concurrency: 2 });
    control.hold = true;
    for (const who of ['a', 'b', 'c']) join(who, 'fr');
    publish('fr');
    expect(control.pending).toEqual(['a', 'b']);
    expect(subscriptions.idle).toBe(false);
    control.release('b');
    await until(() => control.pending.length === 2, 'the next call');
    expect(control.pending).toEqual(['a', 'c']);
    control.release('a');
    control.release('c');
    await until(idle(subscriptions), 'idle');
    expect(control.calls.map((c) => c.identity)).toEqual(['a', 'b', 'c']);
  });

  it('runs 8 calls at once by default', () => {
    const { control, join, publish } = setup();
    control.hold = true;
    for (let i = 0; i < 10; i++) join(`l${i}`, 'fr');
    publish('fr');
    expect(control.pending).toHaveLength(8);
  });

  it('never runs two for one listener: a change while theirs runs is applied after it, once, with the latest state', async () => {
    const { control, subscriptions, join, publish } = setup();
    publish('fr');
    publish('de');
    control.hold = true;
    join('carol', 'fr');
    subscriptions.refresh('carol');
    expect(control.pending).toEqual(['carol']);
    join('carol', 'de');
    subscriptions.refresh('carol');
    join('carol', 'es');
    join('carol', 'de');
    subscriptions.refresh('carol');
    expect(control.pending).toEqual(['carol']);
    control.release('carol');
    await until(() => control.pending.length === 1, 'the unsubscribe of the first pass');
    control.release('carol');
    await until(() => control.pending.length === 1, 'the second pass');
    control.hold = false;
    control.release('carol');
    await until(idle(subscriptions), 'idle');
    expect(control.calls).toEqual([
      { identity: 'carol', trackSids: ['TR_fr'], subscribe: true },
      { identity: 'carol', trackSids: ['TR_de'], subscribe: false },
      { identity: 'carol', trackSids: ['TR_de'], subscribe: true },
      { identity: 'carol', trackSids: ['TR_fr'], subscribe: false },
    ]);
  });

  it('a listener waiting behind their own call does not hold up the others', async () => {
    const { control, subscriptions, join, publish } = setup({ concurrency: 2 });
    publish('fr');
    control.hold = true;
    join('carol', 'fr');
    join('dave', 'fr');
    subscriptions.refresh('carol');
    subscriptions.refresh('carol');
    subscriptions.refresh('dave');
    expect(control.pending).toEqual(['carol', 'dave']);
    control.hold = false;
    control.release('carol');
    control.release('dave');
    await until(idle(subscriptions), 'idle');
    expect(control.calls.map((c) => c.identity)).toEqual(['carol', 'dave', 'carol']);
  });
});

describe('LanguageSubscriptions: failures and stop', () => {
  it('retries a failed listener after 1 s, then 5 s, then leaves them as they are and says so', async () => {
    const { control, subscriptions, logs, join, publish } = setup();
    control.failWith = () => new Error('twirp unavailable');
    join('carol', 'fr');
    publish('fr');
    await until(() => logs.some((l) => l.attempt === 1), 'the first failure');
    expect(logs.at(-1)).toMatchObject({ level: 30, listener: 'carol', attempt: 1, err: 'Error: twirp unavailable', msg: "setting the listener's interpretation tracks failed; retrying" });
    expect(subscriptions.idle).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(control.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => logs.some((l) => l.attempt === 2), 'the second failure');
    expect(control.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(4999);
    expect(control.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => logs.some((l) => l.level === 40), 'giving up');
    expect(control.calls).toHaveLength(3);
    expect(logs.at(-1)).toMatchObject({ level: 40, listener: 'carol', err: 'Error: twirp unavailable', msg: "could not set the listener's interpretation tracks; leaving them as they are" });
    expect(subscriptions.idle).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(control.calls).toHaveLength(3);
  });

  it('takes its retry delays from retryDelaysMs; success starts the count again', async () => {
    const { control, subscriptions, logs, join, publish } = setup({ retryDelaysMs: [10] });
    let failing = true;
    control.failWith = () => (failing ? new Error('down') : undefined);
    join('carol', 'fr');
    publish('fr');
    await until(() => logs.some((l) => l.attempt === 1), 'the first failure');
    failing = false;
    await vi.advanceTimersByTimeAsync(10);
    await until(idle(subscriptions), 'idle');
    expect(control.calls).toHaveLength(2);
    failing = true;
    subscriptions.refresh('carol');
    await until(() => logs.filter((l) => l.attempt === 1).length === 2, 'a first failure again');
    await vi.advanceTimersByTimeAsync(10);
    await until(() => logs.some((l) => l.level === 40), 'giving up after the one retry');
    expect(control.calls).toHaveLength(4);
  });

  it('a listener who left meanwhile is not retried, and nothing is logged', async () => {
    const { control, subscriptions, logs, join, publish, audience } = setup();
    control.hold = true;
    join('carol', 'fr');
    publish('fr');
    audience.remove('carol');
    control.release('carol', new Error('not_found'));
    await until(idle(subscriptions), 'idle');
    expect(logs.filter((l) => l.level >= 30)).toEqual([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(control.calls).toHaveLength(1);
  });

  it('stop drops what waits and the retries, lets the calls in flight end, and takes nothing afterwards', async () => {
    const { control, subscriptions, logs, join, publish } = setup({ concurrency: 1 });
    control.hold = true;
    join('carol', 'fr');
    join('dave', 'fr');
    publish('fr');
    expect(control.pending).toEqual(['carol']);
    subscriptions.stop();
    control.release('carol', new Error('down'));
    await until(idle(subscriptions), 'idle');
    subscriptions.refresh('dave');
    subscriptions.refreshAll();
    publish('de');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(control.calls.map((c) => c.identity)).toEqual(['carol']);
    expect(logs.filter((l) => l.level >= 30)).toEqual([]);
  });

  it('stop cancels a retry that was waiting', async () => {
    const { control, subscriptions, logs, join, publish } = setup();
    control.failWith = () => new Error('down');
    join('carol', 'fr');
    publish('fr');
    await until(() => logs.some((l) => l.attempt === 1), 'the first failure');
    expect(subscriptions.idle).toBe(false);
    subscriptions.stop();
    expect(subscriptions.idle).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(control.calls).toHaveLength(1);
  });
});
