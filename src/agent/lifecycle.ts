/**
 * When the agent leaves: the room emptied (after a grace period) or was deleted, nobody came at all,
 * SIGTERM arrived (drain, then leave), or the profile's time limit passed. Whatever the reason,
 * the interpreter is stopped and the room left before this resolves.
 */
import type { Logger } from 'pino';
import { settledWithin } from '../common/deadline.ts';
import type { RoomInterpreter } from './interpreter.ts';
import type { DisconnectReason, RoomIO } from './room-io.ts';

/**
 * `room-replaced`: after a reconnect the room has another sid (a restarted LiveKit node recreated
 * it), which gets an interpreter of its own; `replaced`: another interpreter joined this room.
 */
export type ExitReason = 'nobody-joined' | 'room-empty' | 'room-deleted' | 'room-replaced' | 'replaced' | 'disconnected' | 'stop-requested' | 'time-limit';

export interface SuperviseOptions {
  room: RoomIO;
  interpreter: RoomInterpreter;
  logger: Logger;
  /**
   * Aborted on SIGTERM/SIGINT (drain, then leave). Aborted with the reason `ROOM_ENDED` (the
   * launcher's SIGUSR2: this sid's room is gone, a new one has its own agent): leave at once.
   */
  stopSignal: AbortSignal;
  /** Longest wait for current utterances when stopping. */
  drainMs?: number;
  /**
   * Asked after every reconnect: is the room still the one this agent was launched for (its sid)?
   * False: leave. Errors count as yes (LiveKit unreachable for a moment is not a reason to go).
   */
  stillOurRoom?: () => Promise<boolean>;
  /**
   * Longest wait for a leaving step the server must answer: the disconnect, and the interpreter's
   * stop past its drain (unpublishing). A server that is down answers neither. Default 3 s.
   */
  serverWaitMs?: number;
}

/** The stop signal's abort reason that means "your room has ended": nothing to drain into. */
export const ROOM_ENDED = 'room-ended';

/** Exit code for each reason: 0 when leaving is the normal end of the job, 1 when it is not. */
export function exitCode(reason: ExitReason): number {
  return reason === 'disconnected' ? 1 : 0;
}

export async function superviseRoom(options: SuperviseOptions): Promise<ExitReason> {
  const { room, interpreter, logger, stopSignal } = options;
  const { limits } = interpreter.profile;
  const timers = new Set<NodeJS.Timeout>();
  let everJoined = interpreter.humanCount() > 0;
  let emptyTimer: NodeJS.Timeout | undefined;

  const reason = await new Promise<ExitReason>((resolve) => {
    const later = (ms: number, why: ExitReason) => {
      const timer = setTimeout(() => resolve(why), ms);
      timers.add(timer);
      return timer;
    };
    const checkEmpty = () => {
      const humans = interpreter.humanCount();
      if (humans > 0) {
        everJoined = true;
        if (emptyTimer) {
          clearTimeout(emptyTimer);
          timers.delete(emptyTimer);
          emptyTimer = undefined;
        }
      } else if (!emptyTimer) {
        emptyTimer = later(limits.emptyRoomTimeoutSeconds * 1000, everJoined ? 'room-empty' : 'nobody-joined');
      }
    };
    const onDisconnected = (why: DisconnectReason) =>
      resolve(why === 'room-deleted' ? 'room-deleted' : why === 'left' ? 'stop-requested' : why === 'replaced' ? 'replaced' : 'disconnected');
    const onReconnected = () => {
      const check = options.stillOurRoom;
      if (!check) return;
      check().then(
        (ours) => {
          if (!ours) resolve('room-replaced');
        },
        (error: unknown) => logger.warn({ err: String(error) }, 'could not check the room after a reconnect; staying'),
      );
    };
    room.on('participantJoined', checkEmpty);
    room.on('participantLeft', checkEmpty);
    room.on('disconnected', onDisconnected);
    room.on('reconnected', onReconnected);
    const onStop = () => resolve(stopSignal.reason === ROOM_ENDED ? 'room-replaced' : 'stop-requested');
    stopSignal.addEventListener('abort', onStop, { once: true });
    if (stopSignal.aborted) onStop();
    later(limits.maxSessionMinutes * 60_000, 'time-limit');
    checkEmpty();
  });

  for (const timer of timers) clearTimeout(timer);
  logger.info({ reason }, `leaving room ${room.name}: ${reason}`);
  // A deleted, replaced or lost room has nothing to drain into.
  const nothingToDrainInto = reason === 'room-deleted' || reason === 'room-replaced' || reason === 'replaced' || reason === 'disconnected';
  const drainMs = nothingToDrainInto ? 0 : (options.drainMs ?? 10_000);
  // Unpublishing and a source's last frames wait on the server too: a server killed mid-meeting
  // never answers them, and a process held here keeps the room's next agent waiting (the local
  // launcher runs one agent per room name). Each step gets a deadline; the process exits after.
  const slackMs = options.serverWaitMs ?? 3_000;
  if (!(await settledWithin(interpreter.stop(drainMs), drainMs + slackMs))) logger.warn(`the interpreter did not stop within ${drainMs + slackMs} ms; leaving anyway`);
  if (!(await settledWithin(room.disconnect(), slackMs))) logger.warn(`room ${room.name} did not confirm the disconnect within ${slackMs} ms; leaving anyway`);
  return reason;
}
