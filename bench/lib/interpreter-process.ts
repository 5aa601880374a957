/**
 * An `interpreter` command as a child process for benchmarks, its JSON log lines parsed as they
 * come, so a benchmark waits for what it logged instead of sleeping. (test/room/serve.ts is the
 * tests' twin, tied to vitest.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

export interface InterpreterProcess {
  child: ChildProcess;
  logs: LogLine[];
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<void>;
}

/** `detached`: its own process group (a worker and its job processes, killed together). */
export function spawnInterpreter(args: string[], env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): InterpreterProcess {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(options.detached ? { detached: true } : {}) });
  const logs: LogLine[] = [];
  const waiting = new Set<() => void>();
  const take = (line: string) => {
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed && typeof parsed === 'object') logs.push(parsed as LogLine);
    } catch {
      if (process.env.BENCH_VERBOSE) process.stderr.write(`${line}\n`);
    }
    for (const check of waiting) check();
  };
  createInterface({ input: child.stdout! }).on('line', take);
  createInterface({ input: child.stderr! }).on('line', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    logs,
    waitForLog: (match, what, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        const check = () => {
          const found = logs.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiting.delete(check);
          resolve(found);
        };
        waiting.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
