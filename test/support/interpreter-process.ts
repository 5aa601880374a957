/**
 * An `interpreter` command as a child process, its JSON log lines parsed as they come, so a room
 * test or a benchmark waits for what it logged instead of sleeping. Free of vitest: benchmarks use
 * it too (test/room/serve.ts adds serve's start and clean-up for tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

export interface InterpreterProcess {
  child: ChildProcess;
  logs: LogLine[];
  /** Non-JSON output (the server's own prefix lines, stack traces). */
  text(): string;
  /** The first line `match` accepts, as soon as it is logged; rejects when the process exits first or at `timeoutMs`. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  /** Its own process group (a worker and its job processes, killed together). */
  detached?: boolean;
  /** Copy non-JSON lines to this process's stderr as they come. */
  echoText?: boolean;
}

export function spawnInterpreter(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): InterpreterProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.detached ? { detached: true } : {}),
  });
  const logs: LogLine[] = [];
  const waiting = new Set<() => void>();
  let text = '';
  const partial = { stdout: '', stderr: '' };
  const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const lines = (partial[stream] + chunk.toString('utf8')).split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const parsed = JSON.parse(line) as unknown;
        if (parsed && typeof parsed === 'object') {
          logs.push(parsed as LogLine);
          continue;
        }
      } catch {
        // not a log line
      }
      text += `${line}\n`;
      if (options.echoText) process.stderr.write(`${line}\n`);
    }
    for (const check of waiting) check();
  };
  child.stdout!.on('data', take('stdout'));
  child.stderr!.on('data', take('stderr'));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      for (const check of waiting) check();
      resolve(code);
    }),
  );
  const name = args[0] ?? 'interpreter';
  return {
    child,
    logs,
    text: () => text,
    waitForLog: (match, what, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const finish = (outcome: () => void) => {
          clearTimeout(timer);
          waiting.delete(check);
          outcome();
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))), timeoutMs);
        const check = () => {
          const found = logs.find(match);
          if (found) finish(() => resolve(found));
          else if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${text}\n${JSON.stringify(logs.slice(-20), null, 1)}`)));
        };
        waiting.add(check);
        check();
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
