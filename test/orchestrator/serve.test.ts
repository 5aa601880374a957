import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { MAX_WEBHOOK_BYTES } from '../../src/orchestrator/http-server.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'devkey';
const SECRET = 'secret';
let child: ChildProcess;
let base = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['bin/interpreter.js', 'serve', '--launcher', 'dry-run', '--port', '0', '--host', '127.0.0.1', '--reconcile-seconds', '0'], {
    cwd: root,
    env: { ...process.env, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { port?: number };
        if (entry.port) resolve(`http://127.0.0.1:${entry.port}`);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
}, 30_000);

afterAll(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

async function post(body: string, authorization?: string) {
  const response = await fetch(`${base}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('interpreter serve --launcher dry-run', () => {
  it('answers GET /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, launcher: 'dry-run' });
  });

  it('answers a correctly signed room_started with 2xx and the chosen profile, a forged one with 401', async () => {
    const body = roomEventBody({ event: 'room_started', room: 'board-q3', sid: 'RM_serve1' });
    expect(await post(body, await signWebhookBody(body, KEY, SECRET))).toEqual({ status: 200, body: expect.objectContaining({ action: 'launched', profile: 'board-meeting' }) });
    expect((await post(body, await signWebhookBody(body, KEY, 'forged-secret-forged-secret-xxxx'))).status).toBe(401);
    expect((await post(body)).status).toBe(401);
  });

  it('launches exactly once for 20 concurrent deliveries of the same event', async () => {
    const body = roomEventBody({ event: 'room_started', room: 'board-dup', sid: 'RM_serve_dup', id: 'EV_serve_dup' });
    const authorization = await signWebhookBody(body, KEY, SECRET);
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(body, authorization)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.filter((r) => r.body.action === 'launched')).toHaveLength(1);
    expect(responses.filter((r) => r.body.action === 'duplicate')).toHaveLength(19);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { agents: number };
    expect(health.agents).toBe(2);
  });

  it('refuses an oversized body with 413 and a wrong path with 404', async () => {
    const huge = 'x'.repeat(MAX_WEBHOOK_BYTES + 10);
    expect((await post(huge, 'whatever')).status).toBe(413);
    expect((await fetch(`${base}/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('interpreter webhook send signs as LiveKit does and the server accepts it', async () => {
    const sent = spawn(process.execPath, ['bin/interpreter.js', 'webhook', 'send', 'room_started', '--room', 'interview-7', '--url', `${base}/webhook`, '--api-key', KEY, '--api-secret', SECRET], { cwd: root });
    let output = '';
    sent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => sent.once('exit', resolve));
    expect(code).toBe(0);
    expect(output).toMatch(/^200 .*"action":"(launched|no-profile)"/);
  });
});
