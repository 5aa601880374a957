/** The listener app's HTTP handlers over a real Node server: static files, config.json, the token endpoint and its guards. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenHandler, createWebAppHandler, parseTokenRequest, tokenEndpointAllowed } from '../../src/local/web-app.ts';

const access = { url: 'ws://127.0.0.1:7880', apiKey: 'testkey', apiSecret: 'a-secret-of-at-least-thirty-two-characters' };
const root = mkdtempSync(join(tmpdir(), 'web-app-'));
const app = join(root, 'app');
mkdirSync(app);
writeFileSync(join(app, 'index.html'), '<!doctype html><title>app</title>');
writeFileSync(join(app, 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.js'), 'outside the app');

let server: Server;
let base = '';
beforeAll(async () => {
  const handlers = [createTokenHandler({ access, publicUrl: 'wss://lk.example.test' }), createWebAppHandler({ root: app, config: { languages: ['fr', 'de'] } })];
  server = createServer((req, res) => {
    for (const handle of handlers) if (handle(req, res)) return;
    res.writeHead(404).end('not handled');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** A raw request, so paths like `/../x` reach the server as written (fetch would normalize them). */
function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, path }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const token = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => raw('POST', '/api/token', typeof body === 'string' ? body : JSON.stringify(body), headers);

describe('createWebAppHandler', () => {
  it('serves the page at /, its files with their types, and config.json from the options', async () => {
    const page = await raw('GET', '/');
    expect([page.status, page.type, page.text]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>app</title>']);
    expect((await raw('GET', '/app.js')).type).toBe('text/javascript; charset=utf-8');
    const config = await raw('GET', '/config.json');
    expect(JSON.parse(config.text)).toEqual({ tokenUrl: 'api/token', languages: ['fr', 'de'] });
    expect((await raw('HEAD', '/')).text).toBe('');
  });

  it('leaves other paths, methods and anything outside its folder to the caller', async () => {
    expect((await raw('GET', '/../secret.js')).text).toBe('not handled');
    expect((await raw('GET', '/%2e%2e/secret.js')).text).toBe('not handled');
    expect((await raw('GET', '/readme.md')).text).toBe('not handled');
    expect((await raw('POST', '/')).text).toBe('not handled');
    expect((await raw('GET', '/missing.js')).status).toBe(404);
  });
});

describe('createTokenHandler', () => {
  it('signs a join token for that room only, with the language as an attribute and the name', async () => {
    const response = await token({ room: 'board-q3', identity: 'ana-1f2e3d', name: 'Ana', language: 'fr' });
    expect(response.status).toBe(200);
    const body = JSON.parse(response.text) as { token: string; url: string; identity: string };
    expect(body.url).toBe('wss://lk.example.test');
    const claims = await new TokenVerifier(access.apiKey, access.apiSecret).verify(body.token);
    expect(claims.sub).toBe('ana-1f2e3d');
    expect(claims.name).toBe('Ana');
    expect(claims.attributes).toEqual({ language: 'fr' });
    expect(claims.video).toMatchObject({ room: 'board-q3', roomJoin: true, canSubscribe: true, canPublish: true, canUpdateOwnMetadata: true });
    expect(claims.video?.roomAdmin).toBeFalsy();
  });

  it('refuses what it must not sign, saying why', async () => {
    expect(await token({ room: 'r', identity: 'interpreter', language: 'fr' })).toMatchObject({ status: 400, text: expect.stringContaining("the interpreter's own") });
    expect(await token({ room: 'a room with spaces', identity: 'x', language: 'fr' })).toMatchObject({ status: 400, text: expect.stringContaining('room:') });
    expect(await token({ room: 'r', identity: 'x', language: 'not a code' })).toMatchObject({ status: 400, text: expect.stringContaining('language:') });
    expect(await token('{not json')).toMatchObject({ status: 400 });
    // A form post from another site cannot set this content type without a preflight.
    expect(await token({ room: 'r', identity: 'x', language: 'fr' }, { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
    expect(await token(JSON.stringify({ room: 'r', identity: 'x', language: 'fr', pad: 'x'.repeat(5000) }))).toMatchObject({ status: 413 });
    expect((await raw('GET', '/api/token')).status).toBe(405);
  });

  it('accepts the original audio (no language)', () => {
    expect(parseTokenRequest({ room: 'r', identity: 'x', language: '' })).toEqual({ room: 'r', identity: 'x', language: '' });
  });
});

describe('tokenEndpointAllowed', () => {
  it('is on for a LiveKit server on this machine, off for any other unless asked for by name', () => {
    expect(tokenEndpointAllowed('ws://127.0.0.1:7880', false)).toBe(true);
    expect(tokenEndpointAllowed('ws://localhost:7880', false)).toBe(true);
    expect(tokenEndpointAllowed('ws://[::1]:7880', false)).toBe(true);
    expect(tokenEndpointAllowed('wss://my-project.livekit.cloud', false)).toBe(false);
    expect(tokenEndpointAllowed('ws://10.0.0.5:7880', false)).toBe(false);
    expect(tokenEndpointAllowed('wss://my-project.livekit.cloud', true)).toBe(true);
  });
});
