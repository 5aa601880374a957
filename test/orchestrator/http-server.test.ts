/**
 * The Node HTTP adapter on its own (`createWebhookServer`, `listen`): routing, refusals and how
 * they close the connection, body limits, client errors and the connection cap, each with its
 * exact answer and log line. The webhook core is a small stand-in, so each test sees what the
 * adapter itself does.
 */
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { VerifiedToken } from '../../src/orchestrator/auth.ts';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { DEFAULT_SERVER_LIMITS, MAX_WEBHOOK_BYTES, createWebhookServer, listen, type WebhookServerOptions } from '../../src/orchestrator/http-server.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import type { Authorization, WebhookHandler } from '../../src/orchestrator/webhook.ts';
import { rawConnection, statusOf, until } from '../security/harness.ts';
import { capturingLogger, silentLogger } from './helpers.ts';

const GOOD = 'good-token';
const token: VerifiedToken = { sha256: 'x', issuer: 'APItestkey', expiresAt: 0 };

interface Stub {
  handle: WebhookHandler;
  bodies: string[];
}

/** A webhook core that authorizes `GOOD` only and answers 200 to every body, keeping the bodies. */
function stubHandler(overrides: Partial<Pick<WebhookHandler, 'authorize' | 'accept'>> = {}): Stub {
  const bodies: string[] = [];
  const launches = new RoomLaunches({ launcher: new DryRunLauncher(), ledger: new MemoryLedger(), logger: silentLogger() });
  const handle: WebhookHandler = Object.assign(async () => ({ status: 500, body: { error: 'not used by the HTTP server' } }), {
    authorize: (authorization: string | undefined): Authorization =>
      authorization === GOOD ? { ok: true, token } : { ok: false, response: { status: 401, body: { error: 'unauthorized: bad token' } } },
    accept: async (body: string) => {
      bodies.push(body);
      return { response: { status: 200, body: { action: 'ignored' as const, event: 'test' } } };
    },
    launches,
    ...overrides,
  });
  return { handle, bodies };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  })));
});

async function start(options: Partial<WebhookServerOptions> = {}) {
  const { logger, lines } = capturingLogger();
  const stub = stubHandler();
  const server = createWebhookServer({ handle: stub.handle, logger, ...options });
  servers.push(server);
  const port = await listen(server, 0);
  return { server, port, lines, bodies: stub.bodies, warns: () => lines.filter((l) => l.level === 40) };
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function call(port: number, method: string, path: string, headers: Record<string, string | number> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The server side of the next request: its objects, and whether it was answered before any body byte was read. */
function nextRequest(server: Server): Promise<{ request: IncomingMessage; response: ServerResponse; answeredAtOnce: boolean }> {
  return new Promise((resolve) => server.once('request', (request: IncomingMessage, response: ServerResponse) => resolve({ request, response, answeredAtOnce: response.headersSent })));
}

function bodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

describe('/healthz', () => {
  it('GET answers 200 {ok: true} with the health fields, as JSON on a kept-alive connection', async () => {
    const { port, lines } = await start({ health: async () => ({ launcher: 'dry-run', agents: 2 }) });
    const answer = await call(port, 'GET', '/healthz?probe=1', { connection: 'keep-alive' });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ ok: true, launcher: 'dry-run', agents: 2 });
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    expect(answer.headers.connection).toBe('keep-alive');
    expect(lines).toEqual([]);
  });

  it('HEAD answers 200 with the length of the GET body and no body', async () => {
    const { port } = await start({ health: () => ({ agents: 0 }) });
    const answer = await call(port, 'HEAD', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify({ ok: true, agents: 0 }))));
  });

  it('without health fields answers just {ok: true}', async () => {
    const { port } = await start();
    const answer = await call(port, 'GET', '/healthz');
    expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({ status: 200, body: { ok: true } });
  });

  it('POST /healthz is not the health check: 404', async () => {
    const { port } = await start({ health: () => ({ agents: 0 }) });
    expect((await call(port, 'POST', '/healthz', {}, '')).status).toBe(404);
  });
});

describe('refusals', () => {
  it('an unknown path is 404 with its reason, one warn line, and the connection closed', async () => {
    const { port, lines } = await start({ health: () => ({ agents: 1 }) });
    const answer = await call(port, 'GET', '/nope?x=1');
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: 'not found; LiveKit webhooks go to POST /webhook' });
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, status: 404, reason: 'not found; LiveKit webhooks go to POST /webhook', method: 'GET', path: '/nope', remote: '127.0.0.1', msg: 'request refused: not found; LiveKit webhooks go to POST /webhook' }),
    ]);
  });

  it('routes answer the paths they serve; the others are still 404', async () => {
    const { port } = await start({
      routes: (request, response) => {
        if (request.url !== '/app') return false;
        response.writeHead(200, { 'content-type': 'text/plain' }).end('app');
        return true;
      },
    });
    const served = await call(port, 'GET', '/app');
    expect({ status: served.status, body: served.body }).toEqual({ status: 200, body: 'app' });
    expect((await call(port, 'GET', '/other')).status).toBe(404);
  });

  it('GET /webhook is 405 with allow: POST', async () => {
    const { port, warns } = await start();
    const answer = await call(port, 'GET', '/webhook');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'use POST' });
    expect(warns()).toEqual([expect.objectContaining({ status: 405, reason: 'use POST', method: 'GET', path: '/webhook', msg: 'request refused: use POST' })]);
  });

  it('a refused token gets the handler answer, the small body drained first, then the connection closed', async () => {
    const { server, port, bodies } = await start();
    const seen = nextRequest(server);
    const { socket, closed } = await rawConnection(port);
    socket.write('POST /webhook HTTP/1.1\r\nhost: x\r\nauthorization: bad\r\ncontent-length: 5\r\n\r\n');
    expect((await seen).answeredAtOnce).toBe(false);
    socket.write('hello');
    const raw = await closed;
    expect(statusOf(raw)).toBe(401);
    expect(raw).toContain('\r\nconnection: close\r\n');
    expect(bodyOf(raw)).toEqual({ error: 'unauthorized: bad token' });
    expect(bodies).toEqual([]);
  });

  it('a declared body of exactly 64 KiB is still drained', async () => {
    const { server, port } = await start();
    const seen = nextRequest(server);
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: ${64 * 1024}\r\n\r\n`);
    expect((await seen).answeredAtOnce).toBe(false);
    socket.write('a'.repeat(64 * 1024));
    expect(statusOf(await closed)).toBe(401);
  });

  it('a refused token with a bigger declared body is answered at once and cut', async () => {
    const { server, port } = await start();
    const seen = nextRequest(server);
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: ${64 * 1024 + 1}\r\n\r\n`);
    expect((await seen).answeredAtOnce).toBe(true);
    const raw = await closed;
    expect(statusOf(raw)).toBe(401);
    expect(raw).toContain('\r\nconnection: close\r\n');
  });
});

describe('body limits', () => {
  it('a declared Content-Length over maxBodyBytes is 413 with its reason; the handler never sees it', async () => {
    const { port, bodies, warns } = await start({ maxBodyBytes: 10 });
    const answer = await call(port, 'POST', '/webhook', { authorization: GOOD, 'content-length': 11 }, 'x'.repeat(11));
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'body of 11 bytes is over 10' });
    expect(warns()).toEqual([expect.objectContaining({ status: 413, reason: 'body of 11 bytes is over 10', method: 'POST', path: '/webhook' })]);
    expect(bodies).toEqual([]);
  });

  it('a body of exactly maxBodyBytes is read and handed to the handler, declared or chunked', async () => {
    const { port, bodies, lines } = await start({ maxBodyBytes: 10 });
    const declared = await call(port, 'POST', '/webhook', { authorization: GOOD, 'content-length': 10, connection: 'keep-alive' }, '0123456789');
    const chunked = await call(port, 'POST', '/webhook', { authorization: GOOD, 'transfer-encoding': 'chunked' }, 'abcdefghij');
    expect([declared.status, chunked.status]).toEqual([200, 200]);
    expect(JSON.parse(declared.body)).toEqual({ action: 'ignored', event: 'test' });
    expect(declared.headers.connection).toBe('keep-alive');
    expect(bodies).toEqual(['0123456789', 'abcdefghij']);
    expect(lines).toEqual([]);
  });

  it('a chunked body that grows over maxBodyBytes is 413 at once, without waiting for its end', async () => {
    const { port, bodies, warns } = await start({ maxBodyBytes: 10 });
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\nauthorization: ${GOOD}\r\ntransfer-encoding: chunked\r\n\r\nb\r\n${'y'.repeat(11)}\r\n`);
    const raw = await closed;
    expect(statusOf(raw)).toBe(413);
    expect(raw).toContain('\r\nconnection: close\r\n');
    expect(bodyOf(raw)).toEqual({ error: 'body over 10 bytes' });
    expect(warns()).toEqual([expect.objectContaining({ status: 413, reason: 'body over 10 bytes', msg: 'request refused: body over 10 bytes' })]);
    expect(bodies).toEqual([]);
  });

  it('a body the client aborts (connection reset) is dropped silently: no answer, no log line, no handler call', async () => {
    const { server, port, lines, bodies } = await start();
    const seen = nextRequest(server);
    const { socket } = await rawConnection(port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\nauthorization: ${GOOD}\r\ncontent-length: 100\r\n\r\npartial`);
    const { request, response } = await seen;
    const gone = Promise.all([new Promise((resolve) => request.once('close', resolve)), new Promise((resolve) => response.once('close', resolve))]);
    socket.resetAndDestroy();
    await gone;
    await new Promise((resolve) => setImmediate(resolve));
    expect(response.headersSent).toBe(false);
    expect(lines).toEqual([]);
    expect(bodies).toEqual([]);
  });

  it.each([
    ['a declared', 'content-length: 100\r\n\r\npartial'],
    ['a chunked', 'transfer-encoding: chunked\r\n\r\n7\r\npartial\r\n'],
  ])('%s body the client ends early (a normal close, not a reset) is dropped silently too, not logged as malformed', async (_kind, rest) => {
    const { server, port, lines, bodies } = await start();
    const seen = nextRequest(server);
    const { socket, closed } = await rawConnection(port);
    socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\nauthorization: ${GOOD}\r\n${rest}`);
    const { response } = await seen;
    const answered = new Promise((resolve) => response.once('close', resolve));
    socket.end();
    expect(await closed).toBe('');
    await answered;
    expect(response.headersSent).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([]);
    expect(bodies).toEqual([]);
  });

  it('an undefined limit keeps the default; defined ones reach the Node server', async () => {
    const { server, port } = await start({ maxBodyBytes: undefined, headersTimeoutMs: 4_000, requestTimeoutMs: 9_000, keepAliveTimeoutMs: 3_000, maxConnections: 7 });
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([4_000, 9_000, 3_000, 7]);
    const answer = await call(port, 'POST', '/webhook', { authorization: GOOD, 'content-length': MAX_WEBHOOK_BYTES + 1 });
    expect(JSON.parse(answer.body)).toEqual({ error: `body of ${MAX_WEBHOOK_BYTES + 1} bytes is over ${MAX_WEBHOOK_BYTES}` });
  });

  it('all limits undefined are the defaults', async () => {
    const { server } = await start({ headersTimeoutMs: undefined, requestTimeoutMs: undefined, keepAliveTimeoutMs: undefined, maxConnections: undefined });
    const d = DEFAULT_SERVER_LIMITS;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, server.maxConnections]).toEqual([d.headersTimeoutMs, d.requestTimeoutMs, d.keepAliveTimeoutMs, d.maxConnections]);
  });
});

describe('handler failures', () => {
  it('a handler that throws is 500 internal error and one error line', async () => {
    const { logger, lines } = capturingLogger();
    const stub = stubHandler({ authorize: () => { throw new Error('boom'); } });
    const server = createWebhookServer({ handle: stub.handle, logger });
    servers.push(server);
    const answer = await call(await listen(server, 0), 'POST', '/webhook', { authorization: GOOD }, '{}');
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ error: 'internal error' });
    expect(lines).toEqual([expect.objectContaining({ level: 50, err: 'Error: boom', msg: 'request failed' })]);
  });

  it('a failure after the answer began cuts the connection instead of a second answer', async () => {
    const { port, lines } = await start({
      routes: (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': 100 });
        response.write('partial');
        throw new Error('late');
      },
    });
    const { socket, closed } = await rawConnection(port);
    socket.write('GET /app HTTP/1.1\r\nhost: x\r\n\r\n');
    const raw = await closed;
    expect(statusOf(raw)).toBe(200);
    expect(raw.endsWith('\r\n\r\npartial')).toBe(true);
    expect(lines).toEqual([expect.objectContaining({ level: 50, err: 'Error: late', msg: 'request failed' })]);
  });
});

describe('client errors', () => {
  it('a malformed request is 400 Bad Request with a warn line', async () => {
    const { port, lines } = await start();
    const { socket, closed } = await rawConnection(port);
    socket.write('GARBAGE\r\n\r\n');
    expect(await closed).toBe('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 400, reason: 'HPE_INVALID_METHOD', remote: '127.0.0.1', msg: 'request refused: malformed HTTP (HPE_INVALID_METHOD)' })]);
  });

  it('headers over the size limit are 431', async () => {
    const { port, lines } = await start();
    const { socket, closed } = await rawConnection(port);
    socket.write(`GET /healthz HTTP/1.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(await closed).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 431, reason: 'HPE_HEADER_OVERFLOW', msg: 'request refused: malformed HTTP (HPE_HEADER_OVERFLOW)' })]);
  });

  it('headers slower than headersTimeoutMs are 408 too slow', async () => {
    const { port, lines } = await start({ headersTimeoutMs: 200, requestTimeoutMs: 200 });
    const { socket, closed } = await rawConnection(port);
    socket.write('GET /healthz HTTP/1.1\r\n');
    expect(await closed).toBe('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 408, reason: 'ERR_HTTP_REQUEST_TIMEOUT', remote: '127.0.0.1', msg: 'request refused: too slow (ERR_HTTP_REQUEST_TIMEOUT)' })]);
  });

  async function serverSocket(server: Server, port: number): Promise<{ own: Socket; closed: Promise<string> }> {
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const { closed } = await rawConnection(port);
    return { own: await accepted, closed };
  }

  it.each(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE'])('%s closes the socket silently', async (code) => {
    const { server, port, lines } = await start();
    const { own, closed } = await serverSocket(server, port);
    server.emit('clientError', Object.assign(new Error(`read ${code}`), { code }), own);
    expect(await closed).toBe('');
    expect(own.destroyed).toBe(true);
    expect(lines).toEqual([]);
  });

  it.each(['destroyed', 'ended'])('a socket already %s is not written to: one warn line and nothing more', async (state) => {
    const { server, port, lines } = await start();
    const { own, closed } = await serverSocket(server, port);
    if (state === 'destroyed') own.destroy();
    else own.end();
    server.emit('clientError', Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), own);
    expect(await closed).toBe('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 400, reason: 'HPE_INVALID_METHOD' })]);
  });

  it('an error without a code is 400 with its message as the reason', async () => {
    const { server, port, lines } = await start();
    const { own, closed } = await serverSocket(server, port);
    server.emit('clientError', new Error('parse failed'), own);
    expect(await closed).toBe('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(lines).toEqual([expect.objectContaining({ level: 40, status: 400, reason: 'parse failed', msg: 'request refused: malformed HTTP (parse failed)' })]);
  });
});

describe('connection cap', () => {
  it('a connection over maxConnections is dropped with one warn line', async () => {
    const { port, lines } = await start({ maxConnections: 1 });
    await rawConnection(port);
    const second = await rawConnection(port);
    expect(await second.closed).toBe('');
    await until(() => lines.length > 0, 'the drop line');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, status: 0, reason: 'connection cap', remote: '127.0.0.1', maxConnections: 1, msg: 'request refused: more than 1 connections open; dropped' }),
    ]);
  });

  it('a drop without address details is still logged', async () => {
    const { server, lines } = await start({ maxConnections: 3 });
    server.emit('drop');
    expect(lines).toEqual([expect.objectContaining({ status: 0, reason: 'connection cap', maxConnections: 3, msg: 'request refused: more than 3 connections open; dropped' })]);
    expect(lines[0]).not.toHaveProperty('remote');
  });
});

describe('listen', () => {
  it('resolves with the bound port on loopback by default and leaves no error listener behind', async () => {
    const server = createWebhookServer({ handle: stubHandler().handle, logger: silentLogger() });
    servers.push(server);
    const port = await listen(server, 0);
    expect(server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port });
    expect(port).toBeGreaterThan(0);
    expect(server.listenerCount('error')).toBe(0);
  });

  it('rejects when the port is taken', async () => {
    const first = createWebhookServer({ handle: stubHandler().handle, logger: silentLogger() });
    const second = createWebhookServer({ handle: stubHandler().handle, logger: silentLogger() });
    servers.push(first);
    const port = await listen(first, 0);
    await expect(listen(second, port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.listening).toBe(false);
  });
});
