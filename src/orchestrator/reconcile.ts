/**
 * Repairs what lost webhooks leave behind: LiveKit's delivery is best effort, so periodically
 * compare the server's rooms with the running agents, launch what is missing, stop what is orphaned.
 */
import { matchRoom, type Profile } from '../profiles/index.ts';
import { servesRoom, type Launcher } from './launcher.ts';
import type { Logger } from './log.ts';

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
}

export interface ReconcileOptions {
  listRooms: () => Promise<ListedRoom[]>;
  profiles: readonly Profile[];
  launcher: Launcher;
  logger: Logger;
}

/** One pass. Throws only when the room list cannot be had (the caller logs and tries later). */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { launcher, logger, profiles } = options;
  const rooms = await options.listRooms();
  const agents = await launcher.running();
  const report: ReconcileReport = { rooms: rooms.length, launched: [], stopped: [], failed: [] };

  for (const room of rooms) {
    const match = matchRoom(profiles, { name: room.name, ...(room.metadata !== undefined ? { metadata: room.metadata } : {}) });
    if (!match || agents.some((agent) => servesRoom(agent, room))) continue;
    try {
      const result = await launcher.launch({ room: room.name, roomSid: room.sid, profile: match.profile.name });
      if (result.status === 'launched') report.launched.push(room.name);
    } catch (error) {
      report.failed.push({ room: room.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  for (const agent of agents) {
    if (rooms.some((room) => servesRoom(agent, room))) continue;
    try {
      await launcher.stop({ name: agent.room, sid: agent.roomSid });
      report.stopped.push(agent.room);
    } catch (error) {
      report.failed.push({ room: agent.room, error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (report.launched.length + report.stopped.length + report.failed.length > 0) logger.info({ reconcile: report }, 'reconciled agents with rooms');
  return report;
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
