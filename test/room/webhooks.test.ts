/**
 * Webhooks as the real LiveKit server sends them: to `interpreter serve` (dry-run launcher), which
 * must accept every one of them, and to a recorder that answers as a test tells it, to pin the
 * server's retry rules (5xx retried with the same event id, other 4xx not).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { WebhookReceiver } from 'livekit-server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { freeTcpPort } from '../../src/local/ports.ts';
import { eventually, startTestLiveKit } from './livekit.ts';
import { startServe } from './serve.ts';

interface Delivery {
  id: string;
  event: string;
  room: string;
  authorization: string;
  contentType: string;
  body: string;
}

/** Records each delivery; `answer` picks the status for it (default 200). */
async function startRecorder(answer: (delivery: Delivery, earlier: Delivery[]) => number) {
  const deliveries: Delivery[] = [];
  const read = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => resolve(body));
    });
  const server = createServer(async (request, response) => {
    const text = await read(request);
    const body = JSON.parse(text) as { id: string; event: string; room?: { name: string } };
    const delivery = { id: body.id, event: body.event, room: body.room?.name ?? '', authorization: request.headers.authorization ?? '', contentType: request.headers['content-type'] ?? '', body: text };
    const status = answer(delivery, [...deliveries]);
    deliveries.push(delivery);
    response.writeHead(status).end();
  });
  const port = await freeTcpPort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}/hook`, deliveries };
}

const recorder = await startRecorder((delivery, earlier) => {
  const seen = earlier.filter((d) => d.id === delivery.id).length;
  if (delivery.room === 'board-retry-5xx' && delivery.event === 'room_started' && seen === 0) return 503;
  if (delivery.room === 'board-refused-4xx' && delivery.event === 'room_started') return 400;
  return 200;
});
const servePort = await freeTcpPort();
const livekit = await startTestLiveKit({ webhookUrls: [`http://127.0.0.1:${servePort}/webhook`, recorder.url], departureTimeoutSeconds: 1, emptyTimeoutSeconds: 5 });
const serve = await startServe(['--launcher', 'dry-run', '--reconcile-seconds', '0'], { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret }, servePort);

const isEvent = (event: string, room: string) => (line: Record<string, unknown>) => line.event === event && line.room === room;

describe("the real server's webhooks", () => {
  it('reach serve, verified: room_started launches once for the room sid, room_finished stops it', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-webhooks' });
    const launched = await serve.waitForLog(isEvent('room_started', 'board-webhooks'), 'room_started at serve');
    expect(launched).toMatchObject({ sid: room.sid, profile: 'board-meeting', action: 'launched' });

    const participant = await livekit.join('someone', 'board-webhooks');
    await participant.disconnect();
    await livekit.rooms.deleteRoom('board-webhooks');
    const finished = await serve.waitForLog(isEvent('room_finished', 'board-webhooks'), 'room_finished at serve');
    expect(finished).toMatchObject({ sid: room.sid, stopped: 1 });

    // Every body the real server signed was accepted.
    expect(serve.logs.filter((line) => line.level !== undefined && Number(line.level) >= 40)).toEqual([]);
  });

  it('carry what our verification expects: the content type and a JWT the server SDK accepts', async () => {
    await livekit.rooms.createRoom({ name: 'board-shape' });
    await eventually(() => recorder.deliveries.some((d) => d.room === 'board-shape'), 'a delivery');
    const delivery = recorder.deliveries.find((d) => d.room === 'board-shape')!;
    expect(delivery.contentType).toBe('application/webhook+json');
    expect(delivery.authorization).not.toMatch(/^Bearer /i);
    const claims = JSON.parse(Buffer.from(delivery.authorization.split('.')[1]!, 'base64url').toString('utf8')) as { iss: string; exp: number; nbf?: number; sha256: string };
    expect(claims.iss).toBe(livekit.apiKey);
    expect(claims.exp - (claims.nbf ?? claims.exp - 300)).toBeLessThanOrEqual(300);
    expect(typeof claims.sha256).toBe('string');
    // WebhookReceiver (what our handler verifies with) accepts it as it came.
    const event = await new WebhookReceiver(livekit.apiKey, livekit.apiSecret).receive(delivery.body, delivery.authorization);
    expect(event.room?.name).toBe('board-shape');
    await livekit.rooms.deleteRoom('board-shape');
  });

  it('are retried after a 5xx with the same event id', async () => {
    await livekit.rooms.createRoom({ name: 'board-retry-5xx' });
    await eventually(() => recorder.deliveries.filter((d) => d.room === 'board-retry-5xx' && d.event === 'room_started').length === 2, 'the retry', 30_000);
    const [first, second] = recorder.deliveries.filter((d) => d.room === 'board-retry-5xx' && d.event === 'room_started');
    expect(second!.id).toBe(first!.id);
    await livekit.rooms.deleteRoom('board-retry-5xx');
  });

  it('are not retried after another 4xx (the room queue moves on to the next event)', async () => {
    await livekit.rooms.createRoom({ name: 'board-refused-4xx' });
    const participant = await livekit.join('someone', 'board-refused-4xx');
    await participant.disconnect();
    await livekit.rooms.deleteRoom('board-refused-4xx');
    // Events of one room go through one queue in order (protocol webhook/url_notifier.go): once
    // room_finished is here, a retry of room_started would have come before it.
    await eventually(() => recorder.deliveries.some((d) => d.room === 'board-refused-4xx' && d.event === 'room_finished'), 'room_finished at the recorder', 30_000);
    expect(recorder.deliveries.filter((d) => d.room === 'board-refused-4xx' && d.event === 'room_started')).toHaveLength(1);
  });
});
