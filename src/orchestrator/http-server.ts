/**
 * The Node HTTP adapter of the webhook core: `POST /webhook` (LiveKit's `application/webhook+json`),
 * `GET /healthz`. What an unauthenticated client can cost is bounded before any handler runs:
 * - the JWT in the `Authorization` header is verified before a byte of the body is read; a
 *   refused request is answered 401 and its connection closed, its body never buffered;
 * - headers must arrive within `headersTimeoutMs`, the whole request within `requestTimeoutMs`,
 *   and at most `maxConnections` sockets are open (more are dropped on accept);
 * - an authenticated body may be up to `maxBodyBytes` (default 4 MiB: LiveKit puts room metadata
 *   of up to 512 KiB and attributes of 64 KiB in a webhook, JSON escaping can grow that several
 *   times, and LiveKit never retries a 413, so that room would silently get no interpreter).
 * Every refused request is one warn line with the reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from './log.ts';
import type { WebhookHandler } from './webhook.ts';

export const MAX_WEBHOOK_BYTES = 4 * 1024 * 1024;
/**
 * A refused request whose declared body is at most this big is drained (read and dropped, never
 * kept) before the answer, so that its client reads the status instead of a reset connection: a
 * LiveKit server with the wrong secret then logs a 401. Anything bigger is cut at once.
 */
const DRAIN_MAX_BYTES = 64 * 1024;

export interface WebhookServerLimits {
  maxBodyBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: WebhookServerLimits = {
  maxBodyBytes: MAX_WEBHOOK_BYTES,
  // LiveKit's client sends its headers in one write and the body right after.
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

export interface WebhookServerOptions extends Partial<WebhookServerLimits> {
  handle: WebhookHandler;
  logger: Logger;
  /** Extra fields for `/healthz`. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Other paths (the local listener app): answers and returns true for the requests it serves. */
  routes?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

class BodyTooLarge extends Error {}
class BodyAborted extends Error {}

export function createWebhookServer(options: WebhookServerOptions): Server {
  const limits: WebhookServerLimits = { ...DEFAULT_SERVER_LIMITS, ...definedOnly(options) };
  const { logger, handle } = options;
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for connections past those timeouts (default 30 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (request, response) => {
      void serve(request, response).catch((error: unknown) => {
        logger.error({ err: String(error) }, 'request failed');
        if (!response.headersSent && !response.destroyed) send(response, 500, { error: 'internal error' });
        else response.destroy();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    logger.warn({ status: 0, reason: 'connection cap', remote: data?.remoteAddress, maxConnections: limits.maxConnections }, `request refused: more than ${limits.maxConnections} connections open; dropped`);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = error.code ?? '';
    // The client went away: reset, or (HPE_INVALID_EOF_STATE) closed its side partway through the
    // request. Nobody reads an answer, and the request handler already dropped the body unlogged.
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE') {
      socket.destroy();
      return;
    }
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    logger.warn({ status, reason: code || error.message, remote: socket.remoteAddress }, `request refused: ${status === 408 ? 'too slow' : 'malformed HTTP'} (${code || error.message})`);
    if (socket.writable && !socket.writableEnded) socket.end(`HTTP/1.1 ${status} ${status === 408 ? 'Request Timeout' : status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  });
  return server;

  function refuse(request: IncomingMessage, response: ServerResponse, status: number, reason: string, extra: Record<string, string> = {}): void {
    logger.warn({ status, reason, method: request.method, path: pathOf(request), remote: request.socket.remoteAddress }, `request refused: ${reason}`);
    for (const [name, value] of Object.entries(extra)) response.setHeader(name, value);
    answerRefusal(request, response, status, { error: reason });
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = pathOf(request);
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      send(response, 200, { ok: true, ...(await options.health?.()) });
      return;
    }
    if (path !== '/webhook') {
      if (options.routes?.(request, response)) return;
      return refuse(request, response, 404, 'not found; LiveKit webhooks go to POST /webhook');
    }
    if (request.method !== 'POST') return refuse(request, response, 405, 'use POST', { allow: 'POST' });
    // The header alone decides whether the body is worth reading (the handler logs why not).
    const authorized = handle.authorize(request.headers.authorization);
    if (!authorized.ok) {
      answerRefusal(request, response, authorized.response.status, authorized.response.body);
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limits.maxBodyBytes) return refuse(request, response, 413, `body of ${declared} bytes is over ${limits.maxBodyBytes}`);
    let body: string;
    try {
      body = await readBody(request, limits.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuse(request, response, 413, `body over ${limits.maxBodyBytes} bytes`);
      if (error instanceof BodyAborted) return; // the client went away (or the request timed out): nobody to answer
      throw error;
    }
    const result = await handle.accept(body, authorized.token);
    send(response, result.response.status, result.response.body);
    // The launch or stop goes on after the answer; it logs its own outcome and never rejects.
    void result.work;
  }
}

/** Answers a refused request and closes its connection, draining a small unread body first. */
function answerRefusal(request: IncomingMessage, response: ServerResponse, status: number, body: unknown): void {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (request.complete || request.readableEnded || !(declared <= DRAIN_MAX_BYTES)) {
    send(response, status, body, true);
    return;
  }
  request.removeAllListeners('data');
  request.once('end', () => send(response, status, body, true));
  request.resume();
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('aborted', () => reject(new BodyAborted()));
    request.on('close', () => {
      if (!request.complete) reject(new BodyAborted());
    });
    request.on('error', () => reject(new BodyAborted()));
  });
}

function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  if (response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0] ?? '/';
}

function definedOnly(options: Partial<WebhookServerLimits>): Partial<WebhookServerLimits> {
  const picked: Partial<WebhookServerLimits> = {};
  for (const key of Object.keys(DEFAULT_SERVER_LIMITS) as (keyof WebhookServerLimits)[]) {
    const value = options[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

/** Resolves when the server listens; returns the bound port. Loopback unless told otherwise. */
export function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
