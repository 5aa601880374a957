/**
 * How many worker tasks the warm pool should run: the one sizing rule, shared by the webhook
 * handler (scale out when a room starts), reconcile (scale in after an idle period) and the CDK
 * stack (which checks the same settings at synth). Pure, so the rule is tested alone.
 *
 *   desired = clamp(ceil((active rooms + buffer) / rooms per task), min, max)
 *
 * The buffer is rooms, not tasks: a room that starts must find a worker that is already
 * registered, because LiveKit drops a job no worker is free for (it is never queued), and a
 * new Fargate task takes tens of seconds to start.
 */
import { matchRoom, type Profile } from '../profiles/index.ts';
import { ConfigError } from './config.ts';

export interface PoolSizing {
  /** Tasks kept running with no room at all. */
  minTasks: number;
  /** Most tasks ever (a cost ceiling). */
  maxTasks: number;
  /** Rooms one worker task interprets at once (its `--max-rooms`). */
  roomsPerTask: number;
  /** Free room slots kept warm beyond the active rooms. */
  bufferRooms: number;
}

/** Settings the stack gives the Lambda functions in dispatch mode. */
export const PoolEnv = {
  cluster: 'INTERPRETER_POOL_CLUSTER',
  service: 'INTERPRETER_POOL_SERVICE',
  minTasks: 'INTERPRETER_POOL_MIN',
  maxTasks: 'INTERPRETER_POOL_MAX',
  roomsPerTask: 'INTERPRETER_POOL_ROOMS_PER_TASK',
  bufferRooms: 'INTERPRETER_POOL_BUFFER_ROOMS',
  scaleInIdleMinutes: 'INTERPRETER_POOL_SCALE_IN_IDLE_MINUTES',
} as const;

export const DEFAULT_POOL_SIZING: PoolSizing = { minTasks: 1, maxTasks: 10, roomsPerTask: 2, bufferRooms: 2 };
export const DEFAULT_SCALE_IN_IDLE_MINUTES = 15;

/** The problems with `sizing`, one sentence each; empty when it is usable. */
export function poolSizingProblems(sizing: PoolSizing): string[] {
  const problems: string[] = [];
  const whole = (name: keyof PoolSizing, min: number) => {
    const value = sizing[name];
    if (!Number.isInteger(value) || value < min) problems.push(`${name} must be a whole number of at least ${min} (got ${value})`);
  };
  whole('minTasks', 0);
  whole('maxTasks', 1);
  whole('roomsPerTask', 1);
  whole('bufferRooms', 0);
  if (problems.length === 0 && sizing.minTasks > sizing.maxTasks) problems.push(`minTasks (${sizing.minTasks}) is above maxTasks (${sizing.maxTasks})`);
  return problems;
}

/** The one sizing rule. `activeRooms` below 0 or not whole is a caller's bug: it throws. */
export function desiredTasks(activeRooms: number, sizing: PoolSizing): number {
  if (!Number.isInteger(activeRooms) || activeRooms < 0) throw new RangeError(`active rooms must be a whole number, got ${activeRooms}`);
  const problems = poolSizingProblems(sizing);
  if (problems.length > 0) throw new RangeError(`pool sizing: ${problems.join('; ')}`);
  const needed = Math.ceil((activeRooms + sizing.bufferRooms) / sizing.roomsPerTask);
  return Math.min(sizing.maxTasks, Math.max(sizing.minTasks, needed));
}

/** Rooms that need an interpreter: those a profile matches (the others never get a worker). */
export function activeRooms(rooms: readonly { name: string; metadata?: string }[], profiles: readonly Profile[]): number {
  return rooms.filter((room) => matchRoom(profiles, { name: room.name, ...(room.metadata !== undefined ? { metadata: room.metadata } : {}) }) !== undefined).length;
}

export interface PoolSettings {
  cluster: string;
  service: string;
  sizing: PoolSizing;
  scaleInIdleMinutes: number;
}

type Env = Record<string, string | undefined>;

/** The pool's settings from the environment the stack sets; `ConfigError` names what is wrong. */
export function poolSettings(env: Env): PoolSettings {
  const missing = [PoolEnv.cluster, PoolEnv.service].filter((name) => !env[name]);
  if (missing.length > 0) throw new ConfigError(`dispatch mode scales the worker pool and needs ${missing.join(', ')} (the CDK stack sets them)`);
  const problems: string[] = [];
  const whole = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) {
      problems.push(`${name}=${text} is not a whole number`);
      return fallback;
    }
    return value;
  };
  const sizing: PoolSizing = {
    minTasks: whole(PoolEnv.minTasks, DEFAULT_POOL_SIZING.minTasks),
    maxTasks: whole(PoolEnv.maxTasks, DEFAULT_POOL_SIZING.maxTasks),
    roomsPerTask: whole(PoolEnv.roomsPerTask, DEFAULT_POOL_SIZING.roomsPerTask),
    bufferRooms: whole(PoolEnv.bufferRooms, DEFAULT_POOL_SIZING.bufferRooms),
  };
  const scaleInIdleMinutes = whole(PoolEnv.scaleInIdleMinutes, DEFAULT_SCALE_IN_IDLE_MINUTES);
  if (problems.length === 0) problems.push(...poolSizingProblems(sizing));
  if (problems.length > 0) throw new ConfigError(`worker pool settings: ${problems.join('; ')}`);
  return { cluster: env[PoolEnv.cluster] ?? '', service: env[PoolEnv.service] ?? '', sizing, scaleInIdleMinutes };
}
