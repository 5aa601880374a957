import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
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
  // No --host: the default must be loopback.
  child = spawn(process.execPath, ['bin/interpreter.js', 'serve', '--launcher', 'dry-run', '--port', '0', '--reconcile-seconds', '0'], {
    cwd: root,
    env: { ...process.env, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { port?: number; msg?: string };
        if (entry.port && entry.msg?.includes('http://127.0.0.1:')) resolve(`http://127.0.0.1:${entry.port}`);
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

async function agents(): Promise<number> {
  return ((await (await fetch(`${base}/healthz`)).json()) as { agents: number }).agents;
}

/** Polls /healthz until `check` holds: the launch happens after the 202 answer. */
async function agentsUntil(check: (n: number) => boolean): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const n = await agents();
    if (check(n)) return n;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('agent count never reached the expected value');
}

function statusOfHeadersOnly(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${base}/webhook`, { method: 'POST', headers: { 'content-type': 'application/webhook+json', ...headers } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

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
    const before = await agents();
    const body = roomEventBody({ event: 'room_started', room: 'board-q3', sid: 'RM_serve1' });
    expect(await post(body, await signWebhookBody(body, KEY, SECRET))).toEqual({ status: 202, body: expect.objectContaining({ action: 'launching', profile: 'board-meeting' }) });
    // Each test that launches waits for its launch to land, so none is still on its way when another counts.
    await agentsUntil((n) => n > before);
    expect((await post(body, await signWebhookBody(body, KEY, 'forged-secret-forged-secret-xxxx'))).status).toBe(401);
    expect((await post(body)).status).toBe(401);
  });

  it('launches exactly once for 20 concurrent deliveries of the same event', async () => {
    const before = await agents();
    const body = roomEventBody({ event: 'room_started', room: 'board-dup', sid: 'RM_serve_dup', id: 'EV_serve_dup' });
    const authorization = await signWebhookBody(body, KEY, SECRET);
    const responses = await Promise.all(Array.from({ length: 20 }, () => post(body, authorization)));
    expect(responses.filter((r) => r.status === 202 && r.body.action === 'launching')).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200 && r.body.action === 'duplicate')).toHaveLength(19);
    expect(await agentsUntil((n) => n > before)).toBe(before + 1);
  });

  it('refuses an oversized signed body with 413 (the limit fits LiveKit metadata), a wrong path with 404', async () => {
    expect(MAX_WEBHOOK_BYTES).toBeGreaterThanOrEqual(1024 * 1024);
    const huge = 'x'.repeat(MAX_WEBHOOK_BYTES + 10);
    // Headers only: the server answers from the declared length, before any of the body.
    expect(await statusOfHeadersOnly({ 'content-length': String(huge.length), authorization: await signWebhookBody(huge, KEY, SECRET) })).toBe(413);
    expect((await fetch(`${base}/nope`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('accepts a signed room_started carrying 512 KiB of room metadata', async () => {
    const before = await agents();
    const metadata = JSON.stringify({ notes: '"\\'.repeat(512 * 1024 / 3) });
    const body = roomEventBody({ event: 'room_started', room: 'board-meta', sid: 'RM_serve_meta', metadata });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    expect((await post(body, await signWebhookBody(body, KEY, SECRET))).status).toBe(202);
    await agentsUntil((n) => n > before);
  });

  it('interpreter webhook send signs as LiveKit does and the server accepts it', async () => {
    const before = await agents();
    const sent = spawn(process.execPath, ['bin/interpreter.js', 'webhook', 'send', 'room_started', '--room', 'interview-7', '--url', `${base}/webhook`, '--api-key', KEY, '--api-secret', SECRET], { cwd: root });
    let output = '';
    sent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => sent.once('exit', resolve));
    expect(code).toBe(0);
    expect(output).toMatch(/^(202|200) .*"action":"(launching|no-profile)"/);
    if (output.includes('"action":"launching"')) await agentsUntil((n) => n > before);
  });
});

describe('interpreter serve on a non-loopback address', () => {
  it('refuses to start with the dev key pair on 0.0.0.0 unless --throwaway, and says how to expose it', async () => {
    const refused = spawn(process.execPath, ['bin/interpreter.js', 'serve', '--launcher', 'dry-run', '--port', '0', '--host', '0.0.0.0', '--reconcile-seconds', '0'], {
      cwd: root,
      env: { ...process.env, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET },
    });
    let stderr = '';
    refused.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => refused.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to listen on 0\.0\.0\.0 with the public dev API secret.*--throwaway/);
  });
});
