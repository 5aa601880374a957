/**
 * The emulator's WebSocket server: which paths and keys it accepts, the upgrade-time faults, and
 * what it records per connection. Raw `ws` clients, no Speech SDK.
 */
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEmulator, type EmulatorOptions, type SpeechEmulator } from '../../src/emulator/index.ts';
import { TRANSLATION_PATHS } from '../../src/emulator/server.ts';

/** A hang guard, not a speed limit. */
const HANG = { timeout: 10_000 };

let emulator: SpeechEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<SpeechEmulator> {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}

type Outcome = { open: WebSocket } | { status: number; statusText: string };

/** Opens a WebSocket to `path` (with its query) and says whether it opened or which HTTP status refused it. */
function attempt(e: SpeechEmulator, path: string, headers: Record<string, string> = { 'Ocp-Apim-Subscription-Key': 'key' }): Promise<Outcome> {
  const socket = new WebSocket(`ws://127.0.0.1:${e.port}${path}`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ open: socket }));
    socket.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' }));
    socket.once('error', reject);
  });
}

async function status(e: SpeechEmulator, path: string, headers?: Record<string, string>): Promise<number | 'open'> {
  const outcome = await attempt(e, path, headers);
  if ('open' in outcome) {
    outcome.open.close();
    return 'open';
  }
  return outcome.status;
}

describe('startEmulator: paths and keys', HANG, () => {
  it('listens on 127.0.0.1 and names the SDK default path in its URL', async () => {
    const e = await start();
    expect(e.port).toBeGreaterThan(0);
    expect(e.url.href).toBe(`ws://127.0.0.1:${e.port}/stt/speech/universal/v2`);
  });

  it('listens on the port it is given: fails to start when that port is taken', async () => {
    const e = await start();
    await expect(startEmulator({ port: e.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('serves the v2 resource path, the regional v2 path and v1, and answers any other path 404 Not Found', async () => {
    const e = await start();
    expect(TRANSLATION_PATHS).toEqual(['/stt/speech/universal/v2', '/speech/universal/v2', '/speech/translation/cognitiveservices/v1']);
    for (const path of TRANSLATION_PATHS) expect(await status(e, path)).toBe('open');
    expect(await attempt(e, '/speech/recognition/conversation/cognitiveservices/v1')).toEqual({ status: 404, statusText: 'Not Found' });
  });

  it('answers a plain HTTP request 404', async () => {
    const e = await start();
    const code = await new Promise<number | undefined>((resolve, reject) => get(`http://127.0.0.1:${e.port}/stt/speech/universal/v2`, (res) => resolve(res.statusCode)).on('error', reject));
    expect(code).toBe(404);
  });

  it('takes the key from the header, the query, or a bearer token in the Authorization header or query', async () => {
    const e = await start();
    expect(await status(e, '/stt/speech/universal/v2', { 'Ocp-Apim-Subscription-Key': 'header-key' })).toBe('open');
    expect(await status(e, '/stt/speech/universal/v2?Ocp-Apim-Subscription-Key=query-key', {})).toBe('open');
    expect(await status(e, '/stt/speech/universal/v2', { Authorization: 'Bearer token-1' })).toBe('open');
    expect(await status(e, '/stt/speech/universal/v2?Authorization=bearer%20token-2', {})).toBe('open');
    expect(await status(e, '/stt/speech/universal/v2', { Authorization: 'Bearer \t token-3' })).toBe('open');
    await expect.poll(() => e.connections.length).toBe(5);
    expect(e.connections.map((c) => c.key)).toEqual(['header-key', 'query-key', 'token-1', 'token-2', 'token-3']);
  });

  it('prefers the header key over the query key', async () => {
    const e = await start();
    expect(await status(e, '/stt/speech/universal/v2?Ocp-Apim-Subscription-Key=query-key', { 'Ocp-Apim-Subscription-Key': 'header-key', Authorization: 'Bearer t' })).toBe('open');
    await expect.poll(() => e.connections.length).toBe(1);
    expect(e.connections[0]!.key).toBe('header-key');
  });

  it('refuses a connection without a key, or with an empty bearer token in the header or the query, 401 Unauthorized', async () => {
    const e = await start();
    expect(await attempt(e, '/stt/speech/universal/v2', {})).toEqual({ status: 401, statusText: 'Unauthorized' });
    expect(await status(e, '/stt/speech/universal/v2?Authorization=Bearer%20', {})).toBe(401);
    expect(await status(e, '/stt/speech/universal/v2?Authorization=Bearer', {})).toBe(401);
    expect(await status(e, '/stt/speech/universal/v2', { Authorization: 'Bearer ' })).toBe(401);
    expect(await status(e, '/stt/speech/universal/v2', { Authorization: 'bearer' })).toBe(401);
    expect(e.connections).toHaveLength(0);
  });

  it('with a key list, accepts only those keys', async () => {
    const e = await start({ keys: ['good'] });
    expect(await status(e, '/stt/speech/universal/v2', { 'Ocp-Apim-Subscription-Key': 'bad' })).toBe(401);
    expect(await status(e, '/stt/speech/universal/v2', { 'Ocp-Apim-Subscription-Key': 'good' })).toBe('open');
  });
});

describe('startEmulator: upgrade faults', HANG, () => {
  it('rejects every upgrade with the rejectKey status, even without a key, 403 Forbidden or 401', async () => {
    const e = await start({ faults: { rejectKey: 403, throttle: true } });
    expect(await attempt(e, '/stt/speech/universal/v2', {})).toEqual({ status: 403, statusText: 'Forbidden' });
    e.setFaults({ rejectKey: 401 });
    expect(await status(e, '/stt/speech/universal/v2')).toBe(401);
  });

  it('throttles with 429 Too Many Requests, and setFaults turns it on and off', async () => {
    const e = await start();
    e.setFaults({ throttle: true });
    expect(await attempt(e, '/stt/speech/universal/v2')).toEqual({ status: 429, statusText: 'Too Many Requests' });
    e.setFaults({});
    expect(await status(e, '/stt/speech/universal/v2')).toBe('open');
  });

  it('still answers an unknown path 404 while rejecting keys', async () => {
    const e = await start({ faults: { rejectKey: 403 } });
    expect(await status(e, '/other')).toBe(404);
  });

  it('copies the faults it is given: changing the object afterwards changes nothing', async () => {
    const faults: { throttle?: boolean } = {};
    const e = await start({ faults });
    faults.throttle = true;
    expect(await status(e, '/stt/speech/universal/v2')).toBe('open');
    const next: { throttle?: boolean } = { throttle: true };
    e.setFaults(next);
    next.throttle = false;
    expect(await status(e, '/stt/speech/universal/v2')).toBe(429);
  });
});

describe('startEmulator: connection records', HANG, () => {
  it('records the id, path, query, key, targets and voice of the URL, and zero counts', async () => {
    const lines: string[] = [];
    const e = await start({ log: (line) => lines.push(line) });
    const before = Date.now();
    const outcome = await attempt(e, '/speech/universal/v2?X-ConnectionId=ABCDEF0123456789&to=fr,de,&voice=fr-FR-DeniseNeural&from=en-US');
    await expect.poll(() => e.connections.length).toBe(1);
    expect(e.connections[0]).toEqual({
      id: 'ABCDEF0123456789',
      path: '/speech/universal/v2',
      query: { 'X-ConnectionId': 'ABCDEF0123456789', to: 'fr,de,', voice: 'fr-FR-DeniseNeural', from: 'en-US' },
      key: 'key',
      targetLanguages: ['fr', 'de'],
      voice: 'fr-FR-DeniseNeural',
      sourceLanguages: [],
      languageUpdates: 0,
      openedAt: expect.any(Number) as number,
      utterances: 0,
      audioBytes: 0,
      turns: 0,
    });
    expect(e.connections[0]!.openedAt).toBeGreaterThanOrEqual(before);
    expect(lines).toEqual(['connection ABCDEF01 /speech/universal/v2 to=fr,de voice=fr-FR-DeniseNeural']);
    if ('open' in outcome) outcome.open.close();
  });

  it('makes up a 32-hex id without X-ConnectionId, and records no voice and no targets without them', async () => {
    const e = await start();
    await status(e, '/stt/speech/universal/v2');
    await expect.poll(() => e.connections.length).toBe(1);
    const record = e.connections[0]!;
    expect(record.id).toMatch(/^[0-9a-f]{32}$/);
    expect(record.targetLanguages).toEqual([]);
    expect('voice' in record).toBe(false);
  });

  it('counts open connections until they close, and close() ends the ones still open', async () => {
    const e = await start();
    const first = await attempt(e, '/stt/speech/universal/v2');
    const second = await attempt(e, '/stt/speech/universal/v2');
    if (!('open' in first) || !('open' in second)) throw new Error('not opened');
    await expect.poll(() => e.openConnections()).toBe(2);
    first.open.close();
    await expect.poll(() => e.openConnections()).toBe(1);
    expect(e.connections[0]!.closeCode).toBe(1005);
    const dropped = new Promise<number>((resolve) => second.open.once('close', (code) => resolve(code)));
    await e.close();
    emulator = undefined;
    expect(await dropped).toBe(1006);
  });
});
