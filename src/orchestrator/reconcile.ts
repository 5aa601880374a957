/**
 * Repairs what lost webhooks leave behind: LiveKit's delivery is best effort, so periodically
 * compare the server's rooms with the running agents, stop what is orphaned, launch what is
 * missing. Orphans go first (they cost money and free capacity for the launches); launches run
 * in parallel, a few at a time, and none starts after the time budget (a Lambda has a timeout),
 * so one slow ECS answer cannot keep the other rooms waiting until the next pass.
 */
import { matchRoom, type Profile } from '../profiles/index.ts';
import { servesRoom, type RunningAgent } from './launcher.ts';
import type { RoomLaunches } from './launches.ts';
import type { Logger } from './log.ts';

/** The log message of a room reconcile launched again; infra's metric filter matches it exactly. */
export const RELAUNCHED_MESSAGE = 'room relaunched by reconcile: it had no interpreter';

export interface ListedRoom {
  name: string;
  sid: string;
  metadata?: string;
}

export interface ReconcileReport {
  rooms: number;
  launched: string[];
  stopped: string[];
  failed: { room: string; error: string }[];
  /** Rooms left for the next pass: the time budget ran out before their launch could start. */
  deferred: string[];
}

export interface ReconcileOptions {
  listRooms: () => Promise<ListedRoom[]>;
  profiles: readonly Profile[];
  launches: RoomLaunches;
  logger: Logger;
  /** No launch or stop starts later than this after the pass began (default 30 s). */
  budgetMs?: number;
  /** Launches at once (default 8). */
  concurrency?: number;
  /** Milliseconds since the epoch, for the time budget; tests move the clock. */
  now?: () => number;
}

/** One pass. Throws only when the room list cannot be had (the caller logs and tries later). */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { launches, logger, profiles } = options;
  const now = options.now ?? Date.now;
  const deadline = now() + (options.budgetMs ?? 30_000);
  const late = () => now() >= deadline;
  const rooms = await options.listRooms();
  const agents = await launches.launcher.running();
  const report: ReconcileReport = { rooms: rooms.length, launched: [], stopped: [], failed: [], deferred: [] };
  const failed = (room: string, error: unknown) => report.failed.push({ room, error: error instanceof Error ? error.message : String(error) });

  const orphans = agents.filter((agent) => !rooms.some((room) => servesRoom(agent, room)));
  await inParallel(orphans, options.concurrency ?? 8, late, async (agent: RunningAgent) => {
    try {
      await launches.stopOrphan({ name: agent.room, sid: agent.roomSid });
      report.stopped.push(agent.room);
    } catch (error) {
      failed(agent.room, error);
    }
  }, (agent) => report.deferred.push(agent.room));

  const missing = rooms.flatMap((room) => {
    if (agents.some((agent) => servesRoom(agent, room))) return [];
    const match = matchRoom(profiles, { name: room.name, ...(room.metadata !== undefined ? { metadata: room.metadata } : {}) });
    return match ? [{ room, profile: match.profile.name }] : [];
  });
  await inParallel(missing, options.concurrency ?? 8, late, async ({ room, profile }) => {
    try {
      const outcome = await launches.repair({ room: room.name, roomSid: room.sid, profile });
      if (outcome === 'launched') {
        report.launched.push(room.name);
        // One line per room, worded the same every time: CloudWatch counts them (RelaunchedRooms)
        // and alarms. Each is a room whose interpreter was lost: a dropped webhook, a dead agent.
        logger.warn({ room: room.name, sid: room.sid, profile }, RELAUNCHED_MESSAGE);
      }
    } catch (error) {
      failed(room.name, error);
    }
  }, ({ room }) => report.deferred.push(room.name));

  if (report.launched.length + report.stopped.length + report.failed.length + report.deferred.length > 0) logger.info({ reconcile: report }, 'reconciled agents with rooms');
  if (report.deferred.length > 0) logger.warn({ deferred: report.deferred.length }, 'reconcile ran out of time; the next pass continues');
  return report;
}

/** Runs `work` over `items`, `limit` at a time; items not started before `late()` holds go to `skipped`. */
async function inParallel<T>(items: readonly T[], limit: number, late: () => boolean, work: (item: T) => Promise<void>, skipped: (item: T) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      if (late()) skipped(item);
      else await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Runs `reconcile` now and every `intervalMs`; a failed pass is logged, never thrown. */
export function scheduleReconcile(options: ReconcileOptions & { intervalMs: number }): { stop(): void; runNow(): Promise<void> } {
  let running: Promise<void> | undefined;
  const runNow = (): Promise<void> => {
    running ??= reconcile(options)
      .then(() => undefined)
      .catch((error: unknown) => {
        options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconcile failed; will retry');
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void runNow();
  const timer = setInterval(() => void runNow(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runNow };
}
