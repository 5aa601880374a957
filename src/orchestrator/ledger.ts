/**
 * The durable "once" records every launch path relies on: which webhook event ids were handled
 * and which room sids got an agent. Where several handlers run (Lambda instances, a webhook and a
 * reconcile pass) they must share one ledger whose writes are atomic conditions (DynamoDB, see
 * `dynamo-ledger.ts`); one `interpreter serve` process keeps it in memory.
 *
 * A launcher never decides "once" itself: the webhook claims a sid before it launches, reconcile
 * claims a relaunch of a sid whose agent is gone, and the dispatch launcher does the same before
 * `CreateDispatch`. A claim is won by exactly one caller; a failed launch gives it back.
 */

export interface RoomClaimInput {
  roomSid: string;
  room: string;
  profile: string;
}

export interface LaunchRecord extends RoomClaimInput {
  /** 1 for the first launch of the sid; each relaunch (reconcile, re-dispatch) adds one. */
  generation: number;
  /** When this generation was claimed, ms since the epoch; 0 after a failed launch gave it back. */
  claimedAt: number;
  /** `room_finished` was seen: this sid never gets an agent again. */
  finished: boolean;
}

export type Claim = { claimed: true; record: LaunchRecord } | { claimed: false; existing: LaunchRecord | undefined };

export interface LaunchLedger {
  /** Remembers a webhook event id; false when it was remembered before (a redelivery or a replay). */
  rememberEvent(eventId: string): Promise<boolean>;
  /** Forgets an event id whose handling failed, so that LiveKit's retry of it is handled. */
  forgetEvent(eventId: string): Promise<void>;
  /** Claims the first launch of a room sid; exactly one caller among all sharing the ledger wins. */
  claimLaunch(input: RoomClaimInput): Promise<Claim>;
  /**
   * Claims one more launch of a sid whose agent is gone: won only while the sid's record is still
   * at `previous.generation` and not finished, so concurrent repairs of one room launch once.
   */
  claimRelaunch(previous: LaunchRecord, profile?: string): Promise<Claim>;
  /** Gives a claim back after its launch failed (only while it is still that generation). */
  releaseLaunch(record: LaunchRecord): Promise<void>;
  /** The room ended: later claims for the sid fail (a replayed `room_started` launches nothing). */
  finishRoom(roomSid: string, room: string): Promise<void>;
  lookup(roomSid: string): Promise<LaunchRecord | undefined>;
}

export interface LedgerTimes {
  /** How long event ids are remembered; longer than the stale window plus clock skew. */
  eventTtlSeconds: number;
  /** How long room records are kept after their last change. */
  roomTtlSeconds: number;
}

export const DEFAULT_LEDGER_TIMES: LedgerTimes = { eventTtlSeconds: 60 * 60, roomTtlSeconds: 48 * 60 * 60 };

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** One process's ledger: atomic because JavaScript runs each method up to its first await alone. */
export class MemoryLedger implements LaunchLedger {
  private readonly events = new Map<string, number>();
  private readonly rooms = new Map<string, Entry<LaunchRecord>>();

  constructor(
    private readonly times: LedgerTimes = DEFAULT_LEDGER_TIMES,
    private readonly now: () => number = Date.now,
    /** Bound on each map; the oldest entries go first. */
    private readonly capacity = 100_000,
  ) {}

  async rememberEvent(eventId: string): Promise<boolean> {
    const expiresAt = this.events.get(eventId);
    if (expiresAt !== undefined && expiresAt > this.now()) return false;
    this.events.delete(eventId);
    this.events.set(eventId, this.now() + this.times.eventTtlSeconds * 1000);
    trim(this.events, this.capacity);
    return true;
  }

  async forgetEvent(eventId: string): Promise<void> {
    this.events.delete(eventId);
  }

  async claimLaunch(input: RoomClaimInput): Promise<Claim> {
    const existing = this.live(input.roomSid);
    if (existing) return { claimed: false, existing: { ...existing } };
    return { claimed: true, record: this.put({ ...input, generation: 1, claimedAt: this.now(), finished: false }) };
  }

  async claimRelaunch(previous: LaunchRecord, profile?: string): Promise<Claim> {
    const existing = this.live(previous.roomSid);
    if (!existing || existing.finished || existing.generation !== previous.generation) return { claimed: false, existing: existing && { ...existing } };
    return { claimed: true, record: this.put({ ...existing, profile: profile ?? existing.profile, generation: existing.generation + 1, claimedAt: this.now() }) };
  }

  async releaseLaunch(record: LaunchRecord): Promise<void> {
    const existing = this.live(record.roomSid);
    if (!existing || existing.generation !== record.generation || existing.finished) return;
    if (record.generation === 1) this.rooms.delete(record.roomSid);
    else this.put({ ...existing, claimedAt: 0 });
  }

  async finishRoom(roomSid: string, room: string): Promise<void> {
    const existing = this.live(roomSid);
    this.put({ roomSid, room: existing?.room ?? room, profile: existing?.profile ?? '', generation: existing?.generation ?? 0, claimedAt: existing?.claimedAt ?? 0, finished: true });
  }

  async lookup(roomSid: string): Promise<LaunchRecord | undefined> {
    const record = this.live(roomSid);
    return record && { ...record };
  }

  private live(roomSid: string): LaunchRecord | undefined {
    const entry = this.rooms.get(roomSid);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.rooms.delete(roomSid);
      return undefined;
    }
    return entry.value;
  }

  private put(record: LaunchRecord): LaunchRecord {
    this.rooms.delete(record.roomSid);
    this.rooms.set(record.roomSid, { value: record, expiresAt: this.now() + this.times.roomTtlSeconds * 1000 });
    trim(this.rooms, this.capacity);
    return { ...record };
  }
}

function trim<K, V>(map: Map<K, V>, capacity: number): void {
  while (map.size > capacity) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
