/**
 * Attacks on the way in, against the real webhook server: forged and odd tokens, bodies that are
 * never read, slow clients, too many connections, oversized bodies. Each must be refused with
 * the right status and exactly one warn line, and launch nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { createHash } from 'node:crypto';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { forgeJwt } from '../orchestrator/helpers.ts';
import { API_KEY, API_SECRET, post, rawConnection, startTarget, statusOf, stopTargets, until } from './harness.ts';

afterEach(stopTargets);

const body = () => roomEventBody({ event: 'room_started', room: 'board-attack', sid: 'RM_attack' });
const sha = (text: string) => createHash('sha256').update(text).digest('base64');
const now = () => Math.floor(Date.now() / 1000);
const claimsFor = (text: string, extra: Record<string, unknown> = {}) => ({ iss: API_KEY, nbf: now(), exp: now() + 300, sha256: sha(text), ...extra });

async function tenYearToken(text: string): Promise<string> {
  const token = new AccessToken(API_KEY, API_SECRET, { ttl: '3650d' });
  token.sha256 = sha(text);
  return token.toJwt();
}

describe('forged and odd tokens', () => {
  it.each([
    ['alg none', (text: string) => forgeJwt({ alg: 'none', typ: 'JWT' }, claimsFor(text))],
    ['RS256 (a key of its own)', (text: string) => forgeJwt({ alg: 'RS256', typ: 'JWT' }, claimsFor(text))],
    ['ES256 (a key of its own)', (text: string) => forgeJwt({ alg: 'ES256', typ: 'JWT' }, claimsFor(text))],
    ['HS384 with the real secret', (text: string) => forgeJwt({ alg: 'HS384', typ: 'JWT' }, claimsFor(text))],
    ['a token valid for 10 years', tenYearToken],
    ['the right secret, another body', (text: string) => signWebhookBody(`${text} `, API_KEY, API_SECRET)],
    ['the dev secret', (text: string) => signWebhookBody(text, API_KEY, 'secret')],
  ])('%s: 401, one warn line naming the reason, no launch', async (_name, token) => {
    const launcher = new DryRunLauncher();
    const target = await startTarget({ launcher });
    const text = body();
    const response = await post(target, text, { authorization: await token(text) });
    expect(response.status).toBe(401);
    expect(target.refusals()).toEqual([expect.objectContaining({ status: 401, reason: expect.any(String) })]);
    expect(launcher.calls).toEqual([]);
  });

  it('answers 401 from the header alone: a body that never comes is never waited for', async () => {
    const target = await startTarget();
    const { socket, closed } = await rawConnection(target.port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/webhook+json\r\ncontent-length: 1000000\r\nauthorization: ${forgeJwt({ alg: 'none' }, claimsFor('x'))}\r\n\r\n`);
    const response = await closed;
    expect(statusOf(response)).toBe(401);
    expect(target.refusals()).toHaveLength(1);
  });
});

describe('slow and numerous clients', () => {
  it('closes a connection whose headers trickle in (408), and logs it once', async () => {
    const target = await startTarget({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const { socket, closed } = await rawConnection(target.port);
    socket.write('POST /webhook HTTP/1.1\r\nhost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write('x-slow: 1\r\n'), 50);
    const response = await closed;
    clearInterval(drip);
    expect(statusOf(response)).toBe(408);
    await until(() => target.refusals().length > 0, 'the refusal log line');
    expect(target.refusals()).toEqual([expect.objectContaining({ status: 408, reason: 'ERR_HTTP_REQUEST_TIMEOUT' })]);
  });

  it('closes an authenticated request whose body trickles in past the request timeout, and launches nothing', async () => {
    const launcher = new DryRunLauncher();
    const target = await startTarget({ launcher, limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const text = body();
    const { socket, closed } = await rawConnection(target.port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: ${text.length}\r\nauthorization: ${await signWebhookBody(text, API_KEY, API_SECRET)}\r\n\r\n`);
    let sent = 0;
    const drip = setInterval(() => socket.writable && sent < text.length - 1 && socket.write(text[sent++] ?? ''), 20);
    await closed;
    clearInterval(drip);
    expect(launcher.calls).toEqual([]);
  });

  it('drops connections past its cap, one warn line each, and still serves once they are gone', async () => {
    const target = await startTarget({ limits: { maxConnections: 5 } });
    const held = await Promise.all(Array.from({ length: 5 }, () => rawConnection(target.port)));
    const extra = await Promise.all(Array.from({ length: 3 }, () => rawConnection(target.port)));
    for (const { closed } of extra) expect(await closed).toBe('');
    await until(() => target.refusals().filter((l) => l.reason === 'connection cap').length === 3, 'three drop lines');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    // The server notices the closes on its own schedule: ask until it answers.
    let status = 0;
    for (let i = 0; i < 400 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${target.port}/healthz`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe(200);
  });
});

describe('bodies', () => {
  it('refuses a signed chunked body over the limit with 413 once the limit is passed', async () => {
    const target = await startTarget({ limits: { maxBodyBytes: 64 * 1024 } });
    const text = 'x'.repeat(200 * 1024);
    const { socket, closed } = await rawConnection(target.port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nauthorization: ${await signWebhookBody(text, API_KEY, API_SECRET)}\r\n\r\n`);
    for (let i = 0; i < text.length; i += 16 * 1024) socket.write(`${(16 * 1024).toString(16)}\r\n${text.slice(i, i + 16 * 1024)}\r\n`);
    socket.write('0\r\n\r\n');
    expect(statusOf(await closed)).toBe(413);
    expect(target.refusals()).toEqual([expect.objectContaining({ status: 413 })]);
  });

  it('accepts a real-sized webhook: 512 KiB of room metadata', async () => {
    const target = await startTarget();
    const text = roomEventBody({ event: 'room_started', room: 'board-big', sid: 'RM_big', metadata: JSON.stringify({ agenda: 'é"'.repeat(256 * 1024) }) });
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
    expect((await post(target, text, { authorization: await signWebhookBody(text, API_KEY, API_SECRET) })).status).toBe(202);
  });

  it.each([
    ['GET /webhook', 'GET', '/webhook', 405],
    ['POST /elsewhere', 'POST', '/elsewhere', 404],
  ])('%s: %#, one warn line', async (_name, method, path, status) => {
    const target = await startTarget();
    const response = await fetch(`http://127.0.0.1:${target.port}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
    expect(response.status).toBe(status);
    expect(target.refusals()).toEqual([expect.objectContaining({ status })]);
  });
});
