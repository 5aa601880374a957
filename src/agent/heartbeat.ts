/**
 * A heartbeat the agent's event loop keeps: every few seconds a timer writes the time into a file.
 * A wedged process (a blocked event loop: a runaway loop, a stuck synchronous native call) stops
 * writing while it is still alive, which `process.kill(pid, 0)` cannot see. `interpreter health` reads the file and fails when the beat is stale; the image's
 * HEALTHCHECK (and the ECS container health check) run it, so a wedged agent is replaced.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/** The file to beat into; set by the image (Dockerfile), unset elsewhere: no heartbeat. */
export const HEARTBEAT_FILE_ENV = 'INTERPRETER_HEARTBEAT_FILE';
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
/** What `interpreter health` allows by default: six missed beats. */
export const DEFAULT_HEARTBEAT_MAX_AGE_SECONDS = 30;

export interface Heartbeat {
  readonly file: string;
  /** Stops beating and removes the file: a stopped agent is not a healthy one. */
  stop(): void;
}

/**
 * Starts beating into `file` at once and then every `intervalMs`. The timer is unref'd (it keeps
 * no process alive). The first write throws (a path that cannot be written is a setup error);
 * later failures are left to the health check, which sees the beat go stale.
 */
export function startHeartbeat(file: string, intervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS): Heartbeat {
  if (!(intervalMs > 0)) throw new Error(`heartbeat interval must be a positive number of milliseconds, not ${intervalMs}`);
  const temporary = `${file}.${process.pid}.tmp`;
  const beat = () => {
    // Written aside and renamed: a reader never sees half a timestamp.
    writeFileSync(temporary, `${Date.now()}\n`);
    renameSync(temporary, file);
  };
  try {
    beat();
  } catch (error) {
    throw new Error(`cannot write the heartbeat file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const timer = setInterval(() => {
    try {
      beat();
    } catch {
      // The beat goes stale and `interpreter health` reports it; nothing else to do here.
    }
  }, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    file,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      rmSync(file, { force: true });
      rmSync(temporary, { force: true });
    },
  };
}

/** Starts the heartbeat when `INTERPRETER_HEARTBEAT_FILE` is set (the image sets it). */
export function startHeartbeatFromEnv(env: NodeJS.ProcessEnv = process.env, intervalMs?: number): Heartbeat | undefined {
  const file = env[HEARTBEAT_FILE_ENV];
  return file ? startHeartbeat(file, intervalMs) : undefined;
}

export type HeartbeatState =
  | { healthy: true; ageMs: number; message: string }
  | { healthy: false; ageMs?: number; message: string };

/** Reads the beat in `file` and judges it against `maxAgeMs`. */
export function checkHeartbeat(file: string, maxAgeMs: number, now = Date.now()): HeartbeatState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      healthy: false,
      message: code === 'ENOENT' ? `no heartbeat at ${file}: the agent has not started beating, or it stopped` : `cannot read the heartbeat at ${file}: ${(error as Error).message}`,
    };
  }
  const trimmed = text.trim();
  const beatAt = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(beatAt)) return { healthy: false, message: `the heartbeat at ${file} is not a timestamp: ${JSON.stringify(trimmed.slice(0, 40))}` };
  // A beat from the future (a clock step back) counts as fresh: the loop did run.
  const ageMs = Math.max(0, now - beatAt);
  const age = `${(ageMs / 1000).toFixed(1)} s`;
  if (ageMs > maxAgeMs) {
    return { healthy: false, ageMs, message: `the last heartbeat is ${age} old (more than ${maxAgeMs / 1000} s): the agent's event loop is blocked or wedged` };
  }
  return { healthy: true, ageMs, message: `heartbeat ${age} old` };
}
