/**
 * The warm pool on one machine: `interpreter serve` in dispatch mode (what `npm start` runs)
 * starts `interpreter worker` processes beside its LiveKit server, as an ECS service runs them in
 * production (CPU is left out of their load: this machine also runs LiveKit, serve and the
 * browser). Each worker runs in its own process group: the agents framework forks job processes
 * that would outlive a worker killed alone, so stopping ends the whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const INTERPRETER_BIN = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

export interface WorkerPoolOptions {
  count: number;
  /** Environment of every worker (LiveKit and Azure settings, the profiles path). */
  env: Record<string, string | undefined>;
  /** Extra `interpreter worker` arguments (`--agent-name`, `--max-rooms`, ...). */
  args?: readonly string[];
  /** Each output line of a worker, with its index. */
  onLine: (worker: number, line: string, stream: 'stdout' | 'stderr') => void;
  onExit?: (worker: number, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Seconds a stopping worker's rooms may go on (its `--drain-seconds`; default 10). */
  drainSeconds?: number;
}

export interface WorkerPool {
  readonly pids: readonly number[];
  /** Drains every worker, then ends their process groups. */
  stop(graceMs?: number): Promise<void>;
}

export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const drainSeconds = options.drainSeconds ?? 10;
  const children: { proc: ChildProcess; exited: Promise<void> }[] = [];
  for (let index = 0; index < options.count; index += 1) {
    const proc = spawn(process.execPath, [INTERPRETER_BIN, 'worker', '--health-port', '0', '--ignore-cpu', '--drain-seconds', String(drainSeconds), ...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      proc.once('spawn', resolve);
      proc.once('error', reject);
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: proc[stream]! }).on('line', (line) => options.onLine(index, line, stream));
    }
    const exited = new Promise<void>((resolve) =>
      proc.once('exit', (code, signal) => {
        options.onExit?.(index, code, signal);
        resolve();
      }),
    );
    children.push({ proc, exited });
  }
  return {
    pids: children.map((c) => c.proc.pid!),
    async stop(graceMs = (drainSeconds + 20) * 1000) {
      await Promise.all(
        children.map(async ({ proc, exited }) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return;
          proc.kill('SIGTERM');
          const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
          // Job processes the worker did not end (it was killed, or they hung) go with their group.
          killGroup(proc, 'SIGKILL');
        }),
      );
    },
  };
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (proc.pid !== undefined) process.kill(-proc.pid, signal);
  } catch {
    // the group is already gone
  }
}
