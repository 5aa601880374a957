/**
 * The listener app's two HTTP handlers, transport-free enough to mount in any Node `http` server
 * (`interpreter web` today, `interpreter serve` later): each is `(req, res) => boolean` and
 * answers only the paths it owns, returning false for the rest.
 *
 * - `createWebAppHandler`: the bundled static files of `web/dist` and a `config.json` made from
 *   the options (where to get a token, which languages to offer).
 * - `createTokenHandler`: `POST /api/token {room, identity, name?, language}` -> `{token, url}`.
 *   It signs join tokens with the API secret for whoever asks, so it is for development only:
 *   `tokenEndpointAllowed` says when it may exist (a LiveKit server on this machine, or an
 *   explicit flag). The AWS deployment never mounts it.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INTERPRETER_IDENTITY, LANGUAGE_ATTRIBUTE } from '../common/listener-protocol.ts';
import { isLoopbackHost as isLoopbackAddress } from '../common/dev-credentials.ts';
import { participantToken, type LiveKitAccess } from './participant.ts';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/** `web/dist` of this checkout or installed package (both keep it beside `src/` or `dist/src/`). */
export function defaultWebRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  // src/local/ in a checkout, dist/src/local/ when compiled: web/dist sits at the package root.
  const up = here.includes(`${sep}dist${sep}src${sep}`) ? '../../../web/dist' : '../../web/dist';
  return normalize(join(here, up));
}

export interface WebAppOptions {
  /** Folder of the built app (default `defaultWebRoot()`). */
  root?: string;
  /** Served as `config.json`; see `web/src/config.ts`. */
  config?: { tokenUrl?: string; livekitUrl?: string; languages?: readonly string[] };
  /** Where the app lives in the URL space (default `/`). */
  basePath?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves GET/HEAD of the app's files under `basePath`; everything else is left to the caller. */
export function createWebAppHandler(options: WebAppOptions = {}): RequestHandler {
  const root = normalize(options.root ?? defaultWebRoot());
  const base = (options.basePath ?? '/').replace(/\/?$/, '/');
  const config = JSON.stringify({ tokenUrl: 'api/token', ...options.config });
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = pathOf(request);
    if (path === base.slice(0, -1) && base !== '/') {
      response.writeHead(308, { location: base }).end();
      return true;
    }
    if (!path.startsWith(base)) return false;
    const relative = path.slice(base.length) || 'index.html';
    if (relative === 'config.json') {
      send(response, request, 200, CONTENT_TYPES['.json']!, Buffer.from(config), 'no-store');
      return true;
    }
    const type = CONTENT_TYPES[extname(relative)];
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      return false;
    }
    const file = normalize(join(root, decoded));
    // Only files of the app itself, never a path that climbs out of its folder.
    if (!type || !file.startsWith(root + sep) || decoded.includes('\0')) return false;
    void serveFile(file, type, request, response);
    return true;
  };
}

async function serveFile(file: string, type: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (!(await stat(file)).isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    // The HTML names app.js without a content hash: make browsers revalidate instead of caching stale code.
    send(response, request, 200, type, await readFile(file), 'no-cache');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const hint = missing && file.endsWith('index.html') ? ' (the listener app is not built: run `npm run build:web`)' : '';
    send(response, request, missing ? 404 : 500, CONTENT_TYPES['.txt']!, Buffer.from(`${missing ? 'not found' : 'cannot read the file'}${hint}\n`), 'no-store');
  }
}

function send(response: ServerResponse, request: IncomingMessage, status: number, type: string, body: Buffer, cache: string): void {
  response.writeHead(status, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0] ?? '/';
}

/**
 * The token endpoint exists with a LiveKit server on this machine (its URL is loopback: the dev
 * setup `interpreter livekit` makes) or when the operator asked for it by name (`explicit`).
 */
export function tokenEndpointAllowed(liveKitUrl: string, explicit: boolean): boolean {
  if (explicit) return true;
  try {
    return isLoopbackAddress(new URL(liveKitUrl).hostname);
  } catch {
    return false;
  }
}

export interface TokenHandlerOptions {
  access: LiveKitAccess;
  /** What the browser connects to, when it differs from `access.url` (a proxy, another host name). */
  publicUrl?: string;
  /** Default `/api/token`. */
  path?: string;
  ttl?: string;
}

const MAX_BODY_BYTES = 4096;
const ROOM = /^[\w.-]{1,128}$/;
const IDENTITY = /^[\w.@-]{1,64}$/;
const LANGUAGE = /^$|^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

export interface TokenRequest {
  room: string;
  identity: string;
  name?: string;
  language: string;
}

/** The request's fields, or the reason it cannot have a token. */
export function parseTokenRequest(body: unknown): TokenRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'send a JSON object {room, identity, language}';
  const { room, identity, name, language } = body as Record<string, unknown>;
  if (typeof room !== 'string' || !ROOM.test(room)) return 'room: 1-128 letters, digits, ".", "_" or "-"';
  if (typeof identity !== 'string' || !IDENTITY.test(identity)) return 'identity: 1-64 letters, digits, ".", "_", "@" or "-"';
  // A second participant with the agent's identity would remove the interpreter from the room.
  if (identity === INTERPRETER_IDENTITY) return `identity "${INTERPRETER_IDENTITY}" is the interpreter's own`;
  if (name !== undefined && (typeof name !== 'string' || name.length > 128)) return 'name: a string of at most 128 characters';
  const lang = language ?? '';
  if (typeof lang !== 'string' || !LANGUAGE.test(lang)) return 'language: a code such as "fr" or "zh-Hans", or "" for the original audio';
  return { room, identity, ...(name ? { name } : {}), language: lang };
}

/**
 * `POST <path>` with a JSON body. The JSON content type is required: a cross-site form cannot send
 * it without a CORS preflight, which this handler never approves, so another web page the user
 * visits cannot mint tokens here.
 */
export function createTokenHandler(options: TokenHandlerOptions): RequestHandler {
  const path = options.path ?? '/api/token';
  return (request, response) => {
    if (pathOf(request) !== path) return false;
    if (request.method !== 'POST') {
      json(response, 405, { error: 'use POST with {room, identity, language}' }, { allow: 'POST' });
      return true;
    }
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      json(response, 415, { error: 'send content-type: application/json' });
      return true;
    }
    void answer(request, response, options);
    return true;
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, options: TokenHandlerOptions): Promise<void> {
  let text: string;
  try {
    text = await readLimited(request, MAX_BODY_BYTES);
  } catch {
    json(response, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    json(response, 400, { error: 'the body is not JSON' });
    return;
  }
  const parsed = parseTokenRequest(body);
  if (typeof parsed === 'string') {
    json(response, 400, { error: parsed });
    return;
  }
  try {
    const token = await participantToken(options.access, parsed.identity, parsed.room, {
      ...(parsed.name ? { name: parsed.name } : {}),
      attributes: { [LANGUAGE_ATTRIBUTE]: parsed.language },
      ...(options.ttl ? { ttl: options.ttl } : {}),
    });
    json(response, 200, { token, url: options.publicUrl ?? options.access.url, identity: parsed.identity });
  } catch (error) {
    json(response, 500, { error: `cannot sign a token: ${error instanceof Error ? error.message : String(error)}` });
  }
}

function readLimited(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}
