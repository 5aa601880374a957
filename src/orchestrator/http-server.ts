/**
 * The Node HTTP adapter of the webhook core: `POST /webhook` (LiveKit's `application/webhook+json`),
 * `GET /healthz`. The body is read raw (its hash is signed) and capped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from './log.ts';
import type { WebhookHandler } from './webhook.ts';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookServerOptions {
  handle: WebhookHandler;
  logger: Logger;
  maxBodyBytes?: number;
  /** Extra fields for `/healthz`. */
  health?: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

class BodyTooLarge extends Error {}

export function createWebhookServer(options: WebhookServerOptions): Server {
  const limit = options.maxBodyBytes ?? MAX_WEBHOOK_BYTES;
  return createServer((request, response) => {
    void serve(request, response).catch((error: unknown) => {
      options.logger.error({ err: String(error) }, 'request failed');
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      send(response, 200, { ok: true, ...(await options.health?.()) });
      return;
    }
    if (path !== '/webhook') {
      send(response, 404, { error: 'not found; LiveKit webhooks go to POST /webhook' });
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      send(response, 405, { error: 'use POST' });
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      send(response, 413, { error: `body over ${limit} bytes` }, true);
      return;
    }
    let body: string;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        send(response, 413, { error: `body over ${limit} bytes` }, true);
        return;
      }
      throw error;
    }
    const result = await options.handle({ body, authorization: request.headers.authorization });
    send(response, result.status, result.body);
  }
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
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
}

/** Resolves when the server listens; returns the bound port. */
export function listen(server: Server, port: number, host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
