/**
 * What every launcher does: start one agent for a room, stop a room's agents, say which run.
 * The webhook core and reconcile talk only to this interface, so the local process launcher, the
 * ECS launcher and the dry-run launcher are interchangeable.
 */
import type { LaunchRequest } from '../common/launch-contract.ts';
import type { LauncherKind } from './config.ts';

/** Default most agents at once, for every launcher (`--max-agents`, `INTERPRETER_MAX_AGENTS`). */
export const DEFAULT_MAX_AGENTS = 20;

export interface RunningAgent {
  room: string;
  roomSid: string;
  profile: string;
  /** Process id, ECS task ARN, or a dry-run counter. */
  id: string;
  startedAt: number;
}

export type LaunchResult = { status: 'launched'; agent: RunningAgent } | { status: 'already-running'; agent?: RunningAgent };

export interface RoomRef {
  name: string;
  sid?: string;
}

export interface Launcher {
  readonly kind: LauncherKind;
  /**
   * Starts an agent unless one already runs for the room sid. The check and the registration of
   * the new agent are one atomic step: concurrent calls for one sid start one agent. Throws
   * `LaunchError` on failure.
   */
  launch(request: LaunchRequest): Promise<LaunchResult>;
  /**
   * Why this launcher can never run `request` (a name too long for an ECS override, ...), or
   * undefined. Checked before the webhook is answered, so the refusal is a clear 4xx.
   */
  refuses(request: LaunchRequest): string | undefined;
  /** Stops every agent of the room; returns how many were asked to stop. */
  stop(room: RoomRef): Promise<number>;
  running(): Promise<RunningAgent[]>;
  /** Releases the launcher (the local launcher stops its children). */
  close(): Promise<void>;
}

/**
 * A launch that failed. `status` is what the webhook answers where it waits for the launch
 * (Lambda): 5xx makes LiveKit retry, 4xx (a request no retry can fix) does not.
 */
export class LaunchError extends Error {
  override name = 'LaunchError';
  constructor(
    message: string,
    readonly status: 422 | 500 | 502 | 503 = 502,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `agent` serves `room` (by sid when both have one, else by name). */
export function servesRoom(agent: RunningAgent, room: RoomRef): boolean {
  if (room.sid && agent.roomSid) return agent.roomSid === room.sid;
  return agent.room === room.name;
}
