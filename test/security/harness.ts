/**
 * The attacker's bench: the real webhook service (`startWebhookService`, what `interpreter serve`
 * runs) on loopback with a launcher the test chooses, a log the test reads, and raw sockets for
 * what `fetch` will not send.
 */
import { connect, type Socket } from 'node:net';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import type { Launcher } from '../../src/orchestrator/launcher.ts';
import type { WebhookServerLimits } from '../../src/orchestrator/http-server.ts';
import { MemoryLedger, type LaunchLedger } from '../../src/orchestrator/ledger.ts';
import { startWebhookService, type WebhookService } from '../../src/orchestrator/service.ts';
import { API_KEY, API_SECRET, capturingLogger, testProfile } from '../orchestrator/helpers.ts';

export { API_KEY, API_SECRET };
export const profiles = [testProfile('board-meeting', ['board-*'])];

export interface Target {
  service: WebhookService;
  launcher: Launcher;
  lines: Record<string, unknown>[];
  port: number;
  /** Warn lines logged so far (one per refused request). */
  refusals(): Record<string, unknown>[];
}

const started: WebhookService[] = [];

export async function startTarget(
  options: { launcher?: Launcher; ledger?: LaunchLedger; limits?: Partial<WebhookServerLimits>; relaunchAfterMs?: number; profiles?: typeof profiles } = {},
): Promise<Target> {
  const { logger, lines } = capturingLogger();
  const launcher = options.launcher ?? new DryRunLauncher();
  const service = await startWebhookService({
    credentials: { url: 'ws://127.0.0.1:1', apiKey: API_KEY, apiSecret: API_SECRET },
    profiles: options.profiles ?? profiles,
    launcher,
    logger,
    ledger: options.ledger ?? new MemoryLedger(),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.relaunchAfterMs !== undefined ? { relaunchAfterMs: options.relaunchAfterMs } : {}),
    listRooms: async () => [],
  });
  started.push(service);
  return { service, launcher, lines, port: service.port, refusals: () => lines.filter((l) => l.level === 40) };
}

export async function stopTargets(): Promise<void> {
  await Promise.all(started.splice(0).map((s) => s.close()));
}

export async function post(target: Target, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${target.port}/webhook`, { method: 'POST', headers: { 'content-type': 'application/webhook+json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A raw connection; `closed` resolves with everything the server sent once it closes the socket. */
export function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<string>((done) => socket.once('close', () => done(received)));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Resolves when `check` holds, polling an event-driven state; fails only after a generous wait. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}
