/**
 * When the agent leaves: the room emptied (after a grace period) or was deleted, nobody came at all,
 * SIGTERM arrived (drain, then leave), or the profile's time limit passed. Whatever the reason,
 * the interpreter is stopped and the room left before this resolves.
 */
import type { Logger } from 'pino';
import type { RoomInterpreter } from './interpreter.ts';
import type { DisconnectReason, RoomIO } from './room-io.ts';

export type ExitReason = 'nobody-joined' | 'room-empty' | 'room-deleted' | 'disconnected' | 'stop-requested' | 'time-limit';

export interface SuperviseOptions {
  room: RoomIO;
  interpreter: RoomInterpreter;
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT. */
  stopSignal: AbortSignal;
  /** Longest wait for current utterances when stopping. */
  drainMs?: number;
}

/** Exit code for each reason: 0 when leaving is the normal end of the job, 1 when it is not. */
export function exitCode(reason: ExitReason): number {
  return reason === 'disconnected' ? 1 : 0;
}

export async function superviseRoom(options: SuperviseOptions): Promise<ExitReason> {
  const { room, interpreter, logger, stopSignal } = options;
  const { limits } = interpreter.profile;
  const timers = new Set<NodeJS.Timeout>();
  let everJoined = interpreter.humans().length > 0;
  let emptyTimer: NodeJS.Timeout | undefined;

  const reason = await new Promise<ExitReason>((resolve) => {
    const later = (ms: number, why: ExitReason) => {
      const timer = setTimeout(() => resolve(why), ms);
      timers.add(timer);
      return timer;
    };
    const checkEmpty = () => {
      const humans = interpreter.humans().length;
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
    const onDisconnected = (why: DisconnectReason) => resolve(why === 'room-deleted' ? 'room-deleted' : why === 'left' ? 'stop-requested' : 'disconnected');
    room.on('participantJoined', checkEmpty);
    room.on('participantLeft', checkEmpty);
    room.on('disconnected', onDisconnected);
    stopSignal.addEventListener('abort', () => resolve('stop-requested'), { once: true });
    if (stopSignal.aborted) resolve('stop-requested');
    later(limits.maxSessionMinutes * 60_000, 'time-limit');
    checkEmpty();
  });

  for (const timer of timers) clearTimeout(timer);
  logger.info({ reason }, `leaving room ${room.name}: ${reason}`);
  // A deleted room has nothing to drain into.
  await interpreter.stop(reason === 'room-deleted' || reason === 'disconnected' ? 0 : (options.drainMs ?? 10_000));
  await room.disconnect().catch(() => undefined);
  return reason;
}
