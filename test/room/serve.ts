/**
 * `interpreter serve` as a child process for room tests: its JSON log lines are parsed as they
 * come, so a test waits for what it logged instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { freeTcpPort } from '../../src/local/ports.ts';
import { eventually } from './livekit.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const configs = fileURLToPath(new URL('../../configs', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServeProcess {
  port: number;
  webhookUrl: string;
  child: ChildProcess;
  logs: LogLine[];
  /** Non-JSON output (the server's own prefix lines, stack traces). */
  text(): string;
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<number | null>;
}

/** `port`: chosen beforehand when the LiveKit server must know the webhook URL before serve starts. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, port?: number): Promise<ServeProcess> {
  port ??= await freeTcpPort();
  const serve: ServeProcess = { ...spawnInterpreter(['serve', '--port', String(port), '--profiles', configs, ...args], env), port, webhookUrl: `http://127.0.0.1:${port}/webhook` };
  afterAll(() => serve.stop());
  await serve.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('listening for LiveKit webhooks'), 'serve listening');
  return serve;
}

export type InterpreterProcess = Omit<ServeProcess, 'port' | 'webhookUrl'>;

/** An `interpreter` command as a child process whose JSON log lines are parsed as they come. */
export function spawnInterpreter(args: string[], env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): InterpreterProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.detached ? { detached: true } : {}),
  });
  const logs: LogLine[] = [];
  let text = '';
  let partial = '';
  const take = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
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
    }
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const name = args[0] ?? 'interpreter';
  return {
    child,
    logs,
    text: () => text,
    async waitForLog(match, what, timeoutMs = 30_000) {
      await eventually(() => logs.some(match) || child.exitCode !== null, what, timeoutMs);
      const found = logs.find(match);
      if (!found) throw new Error(`${name} exited (${child.exitCode}) before ${what}:\n${text}\n${JSON.stringify(logs.slice(-20), null, 1)}`);
      return found;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
