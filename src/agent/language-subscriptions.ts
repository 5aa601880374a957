/**
 * Keeps each listener subscribed to the interpretation tracks of their language only, for clients
 * that subscribe to everything (LiveKit's `autoSubscribe`, the default of every client SDK): the
 * agent subscribes them to `interpretation-<their language>` and unsubscribes them from the other
 * `interpretation-*` tracks with RoomService `UpdateSubscriptions` (livekit-server v1.13.5
 * `pkg/service/roommanager.go` -> `pkg/rtc/room.go` `UpdateSubscriptions`: per track
 * `SubscribeToTrack` / `UnsubscribeFromTrack` of that participant).
 *
 * The server's own auto-subscription wins over anything set before it, so the listener's tracks
 * are set again at each moment the server may have auto-subscribed them (v1.13.5 `pkg/rtc/room.go`):
 * - their connection becoming ACTIVE (`onStateChange` -> `subscribeToExistingTracks`);
 * - a new interpretation track getting its first subscriber (`onTrackPublished` subscribes every
 *   active auto-subscriber when the track's media arrives, which is after the publish returned;
 *   an `UnsubscribeFromTrack` before that finds no subscription and does nothing);
 * - besides their changing `language`, and the agent's reconnecting (new track sids). Not at their
 *   joining: ACTIVE follows and would undo it.
 *
 * Only listeners are touched (not agents, not participants without `language`: a speaker who
 * hears the floor, a recorder, an app that subscribes itself). A listener who clears their
 * language keeps the subscriptions they had. Work is one queue of identities, each applied with
 * the state of that moment (changes while it waits coalesce), a few calls in flight at once and
 * never two for one listener, so a 4,000-person room costs a bounded stream of calls and a join
 * costs two calls, never a pass over the room.
 */
import type { Logger } from 'pino';
import type { LanguageAudience } from './audience.ts';
import type { SubscriptionControl } from './room-io.ts';

export interface LanguageSubscriptionsOptions {
  control: SubscriptionControl;
  audience: LanguageAudience;
  /** The current sid of a language's interpretation track, if it is published. */
  trackSid: (language: string) => string | undefined;
  logger: Logger;
  /** Calls in flight at once (default 8). */
  concurrency?: number;
  /** Waits before the retries of a failed listener (default 1 s, 5 s); then it is left as it is. */
  retryDelaysMs?: readonly number[];
}

export class LanguageSubscriptions {
  /** Languages whose interpretation track is published. */
  private readonly languages = new Set<string>();
  /** Listeners waiting to be applied, oldest first. */
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly concurrency: number;
  private readonly retryDelaysMs: readonly number[];
  private stopped = false;
  /** UpdateSubscriptions calls made (tests and logs: the work the room's changes caused). */
  calls = 0;

  constructor(private readonly options: LanguageSubscriptionsOptions) {
    this.concurrency = options.concurrency ?? 8;
    this.retryDelaysMs = options.retryDelaysMs ?? [1_000, 5_000];
  }

  /** A language's track was published: every listener's tracks change. */
  published(language: string): void {
    this.languages.add(language);
    this.refreshAll();
  }

  /** Sets one listener's tracks again (a join, a change of language, their connection up). */
  refresh(identity: string): void {
    if (this.stopped || this.options.audience.languagesOf(identity) === undefined) return;
    this.queue.add(identity);
    this.pump();
  }

  /** Sets every listener's tracks again. */
  refreshAll(): void {
    for (const identity of this.options.audience.listeners()) this.queue.add(identity);
    this.pump();
  }

  /** True when nothing waits or runs. */
  get idle(): boolean {
    return this.queue.size === 0 && this.inFlight.size === 0 && this.timers.size === 0;
  }

  stop(): void {
    this.stopped = true;
    this.queue.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private pump(): void {
    if (this.stopped) return;
    for (const identity of this.queue) {
      if (this.inFlight.size >= this.concurrency) return;
      // One call sequence per listener at a time: a later state must not land before an earlier one.
      if (this.inFlight.has(identity)) continue;
      this.queue.delete(identity);
      this.inFlight.add(identity);
      void this.apply(identity).finally(() => {
        this.inFlight.delete(identity);
        this.pump();
      });
    }
  }

  private async apply(identity: string): Promise<void> {
    const chosen = this.options.audience.languagesOf(identity);
    if (chosen === undefined) return;
    const subscribe: string[] = [];
    const unsubscribe: string[] = [];
    for (const language of this.languages) {
      const sid = this.options.trackSid(language);
      if (sid) (chosen.includes(language) ? subscribe : unsubscribe).push(sid);
    }
    try {
      // Their own language first: switching from one to another never leaves them with neither.
      if (subscribe.length > 0) await this.call(identity, subscribe, true);
      if (unsubscribe.length > 0) await this.call(identity, unsubscribe, false);
      this.failures.delete(identity);
      this.options.logger.debug({ listener: identity, subscribed: subscribe, unsubscribed: unsubscribe }, 'listener interpretation tracks set');
    } catch (error) {
      this.failed(identity, error);
    }
  }

  private async call(identity: string, trackSids: string[], subscribe: boolean): Promise<void> {
    this.calls++;
    await this.options.control.updateSubscriptions(identity, trackSids, subscribe);
  }

  private failed(identity: string, error: unknown): void {
    // Gone meanwhile (the server answers not_found): nothing to fix.
    if (this.stopped || this.options.audience.languagesOf(identity) === undefined) return;
    const attempt = (this.failures.get(identity) ?? 0) + 1;
    const delay = this.retryDelaysMs[attempt - 1];
    if (delay === undefined) {
      this.failures.delete(identity);
      this.options.logger.warn({ listener: identity, err: String(error) }, 'could not set the listener\'s interpretation tracks; leaving them as they are');
      return;
    }
    this.failures.set(identity, attempt);
    this.options.logger.info({ listener: identity, attempt, err: String(error) }, 'setting the listener\'s interpretation tracks failed; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.refresh(identity);
    }, delay);
    timer.unref?.();
    this.timers.add(timer);
  }
}
