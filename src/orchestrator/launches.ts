/**
 * The one way into a launcher. Every path that launches or stops an agent — the webhook,
 * reconcile, and the dispatch mode later — goes through here, which gives two guarantees:
 * - one at a time per room sid, in this process: a queue per sid, so a webhook's launch and a
 *   reconcile repair of the same room never overlap inside the launcher;
 * - once per room sid, across processes: each launch is preceded by a claim in the ledger,
 *   which exactly one caller wins (see `ledger.ts`).
 */
import type { LaunchRequest } from '../common/launch-contract.ts';
import type { Claim, LaunchLedger, LaunchRecord, RoomClaimInput } from './ledger.ts';
import type { LaunchResult, Launcher, RoomRef } from './launcher.ts';
import type { Logger } from './log.ts';

export interface RoomLaunchesOptions {
  launcher: Launcher;
  ledger: LaunchLedger;
  logger: Logger;
  /**
   * Reconcile relaunches a listed room with no agent only when its last claim is older than this:
   * younger, the launch may still be on its way (default 60 s; a crash-looping agent is retried
   * at most this often).
   */
  relaunchAfterMs?: number;
  now?: () => number;
}

export type StartOutcome = { status: 'claimed'; record: LaunchRecord; launched: Promise<LaunchResult> } | { status: 'duplicate'; existing: LaunchRecord | undefined };

export type RepairOutcome = 'launched' | 'running' | 'in-progress' | 'finished';

export class RoomLaunches {
  readonly launcher: Launcher;
  readonly ledger: LaunchLedger;
  private readonly queue = new KeyedQueue();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly relaunchAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RoomLaunchesOptions) {
    this.launcher = options.launcher;
    this.ledger = options.ledger;
    this.relaunchAfterMs = options.relaunchAfterMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * A room started: claims its sid, and when the claim is won launches in the sid's queue. The
   * claim is settled when this resolves; `launched` settles with the launch (it rejects with the
   * launcher's error, after the claim was given back).
   */
  async start(input: RoomClaimInput): Promise<StartOutcome> {
    const claim = await this.ledger.claimLaunch(input);
    if (!claim.claimed) return { status: 'duplicate', existing: claim.existing };
    const record = claim.record;
    return { status: 'claimed', record, launched: this.track(this.queue.run(input.roomSid, () => this.launchClaimed(input, record))) };
  }

  /** A listed room that has no agent (reconcile): launch or relaunch it, unless a launch is under way or it ended. */
  async repair(input: RoomClaimInput): Promise<RepairOutcome> {
    return this.track(
      this.queue.run(input.roomSid, async () => {
        const record = await this.ledger.lookup(input.roomSid);
        if (record?.finished) return 'finished';
        if (record && this.now() - record.claimedAt < this.relaunchAfterMs) return 'in-progress';
        const claim: Claim = record ? await this.ledger.claimRelaunch(record, input.profile) : await this.ledger.claimLaunch(input);
        if (!claim.claimed) return 'in-progress';
        const result = await this.launchClaimed(input, claim.record);
        return result.status === 'launched' ? 'launched' : 'running';
      }),
    );
  }

  /** The room ended: no launch for its sid from now on, and its agents stop (after a launch in its queue). */
  async finish(room: RoomRef): Promise<number> {
    if (room.sid) await this.ledger.finishRoom(room.sid, room.name);
    return this.track(this.queue.run(queueKey(room), () => this.launcher.stop(room)));
  }

  /** Stops an agent whose room is gone (reconcile), in its sid's queue. */
  stopOrphan(room: RoomRef): Promise<number> {
    return this.track(this.queue.run(queueKey(room), () => this.launcher.stop(room)));
  }

  /** Resolves when every launch and stop started so far has settled (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async launchClaimed(input: RoomClaimInput, record: LaunchRecord): Promise<LaunchResult> {
    const request: LaunchRequest = { ...input, launchId: `${input.roomSid}-g${record.generation}` };
    try {
      return await this.launcher.launch(request);
    } catch (error) {
      await this.ledger.releaseLaunch(record).catch((releaseError: unknown) => {
        this.options.logger.error({ room: input.room, sid: input.roomSid, err: String(releaseError) }, 'could not give back the launch claim; reconcile retries after the relaunch delay');
      });
      throw error;
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return promise;
  }
}

function queueKey(room: RoomRef): string {
  // LiveKit always sends the sid; a stop by name alone gets a queue of its own.
  return room.sid ?? `name:${room.name}`;
}

/** Runs tasks one after another per key; keys run independently. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Keys with a task queued or running: a key goes when its last task settles, else one would stay per room sid. */
  get size(): number {
    return this.tails.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
