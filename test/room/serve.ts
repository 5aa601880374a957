/**
 * `interpreter serve` as a child process for room tests (test/support/interpreter-process.ts),
 * stopped after the file's tests.
 */
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { freeTcpPort } from '../../src/local/ports.ts';
import { spawnInterpreter, type InterpreterProcess, type LogLine } from '../support/interpreter-process.ts';

export { spawnInterpreter, type InterpreterProcess, type LogLine };

const configs = fileURLToPath(new URL('../../configs', import.meta.url));

export interface ServeProcess extends InterpreterProcess {
  port: number;
  webhookUrl: string;
}

/** `port`: chosen beforehand when the LiveKit server must know the webhook URL before serve starts. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, port?: number): Promise<ServeProcess> {
  port ??= await freeTcpPort();
  const serve: ServeProcess = { ...spawnInterpreter(['serve', '--port', String(port), '--profiles', configs, ...args], env), port, webhookUrl: `http://127.0.0.1:${port}/webhook` };
  afterAll(() => serve.stop());
  await serve.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('listening for LiveKit webhooks'), 'serve listening');
  return serve;
}
