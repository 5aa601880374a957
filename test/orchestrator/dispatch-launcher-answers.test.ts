/**
 * What DispatchLauncher makes of LiveKit answers the real server gives only with an interpreter
 * in the room (which takes WebRTC: test/room/dispatch.test.ts does it for real) or when it fails:
 * a local stand-in answers each Twirp method as the test says, in protobuf-JSON.
 */
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { API_KEY, API_SECRET } from './helpers.ts';

type Answer = { status: number; body: unknown };
type Route = (request: Record<string, unknown>) => Answer;

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers `POST /twirp/livekit.<Service>/<Method>` from `routes` (by method name); records the calls. */
async function fakeLiveKit(routes: Record<string, Route>): Promise<{ launcher: (maxRooms?: number) => DispatchLauncher; calls: string[] }> {
  const calls: string[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const method = (request.url ?? '').split('/').pop() ?? '';
      calls.push(method);
      const route = routes[method];
      const answer = route ? route(JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>) : { status: 404, body: { code: 'bad_route', msg: method } };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    calls,
    launcher: (maxRooms?: number) => new DispatchLauncher({ livekit: { url, apiKey: API_KEY, apiSecret: API_SECRET }, logger: pino({ level: 'silent' }), ...(maxRooms !== undefined ? { maxRooms } : {}) }),
  };
}

const ok = (body: unknown): Answer => ({ status: 200, body });
const rooms = [
  { name: 'board-a', sid: 'RM_a' },
  { name: 'board-b', sid: 'RM_b' },
  { name: 'board-c', sid: 'RM_c' },
];
const interpreter = (sid: string) => ({ sid, identity: 'interpreter', joinedAt: '1764669601' });

describe('DispatchLauncher with an interpreter in the room', () => {
  it('counts the rooms with an interpreter as served, at most maxRooms of them, and skips a room it cannot read', async () => {
    const participants: Record<string, unknown[]> = { 'board-a': [interpreter('PA_a')], 'board-b': [{ sid: 'PA_alice', identity: 'alice' }], 'board-c': [interpreter('PA_c')] };
    let cFails = true;
    const { launcher } = await fakeLiveKit({
      ListRooms: () => ok({ rooms }),
      ListParticipants: (request) => (cFails && request.room === 'board-c' ? { status: 500, body: { code: 'internal', msg: 'node lost' } } : ok({ participants: participants[String(request.room)] })),
    });
    expect(await launcher().running()).toEqual([{ room: 'board-a', roomSid: 'RM_a', profile: '', id: 'PA_a', startedAt: 1_764_669_601_000 }]);
    cFails = false;
    expect((await launcher().running()).map((a) => a.room)).toEqual(['board-a', 'board-c']);
    expect((await launcher(1).running()).map((a) => a.room)).toEqual(['board-a']);
  });

  it('answers a launch for a room with an interpreter in it as running, without a dispatch', async () => {
    const { launcher, calls } = await fakeLiveKit({
      ListRooms: () => ok({ rooms: [rooms[0]] }),
      ListParticipants: () => ok({ participants: [{ sid: 'PA_alice', identity: 'alice' }, interpreter('PA_a')] }),
    });
    expect(await launcher().launch({ room: 'board-a', roomSid: 'RM_a', profile: 'board-meeting', launchId: 'RM_a-g1' })).toMatchObject({ status: 'already-running', agent: { room: 'board-a', roomSid: 'RM_a', id: 'in-room' } });
    expect(calls).toEqual(['ListRooms', 'ListParticipants']);
  });

  it('dispatches to a room with only people in it', async () => {
    const { launcher, calls } = await fakeLiveKit({
      ListRooms: () => ok({ rooms: [rooms[0]] }),
      ListParticipants: () => ok({ participants: [{ sid: 'PA_alice', identity: 'alice' }] }),
      ListDispatch: () => ok({ agentDispatches: [] }),
      CreateDispatch: (request) => ok({ id: 'AD_new', agentName: request.agentName, room: request.room, metadata: request.metadata }),
    });
    expect(await launcher().launch({ room: 'board-a', roomSid: 'RM_a', profile: 'board-meeting', launchId: 'RM_a-g1' })).toMatchObject({ status: 'launched', agent: { id: 'AD_new' } });
    expect(calls).toEqual(['ListRooms', 'ListParticipants', 'ListDispatch', 'CreateDispatch']);
  });
});

describe('DispatchLauncher when LiveKit answers with an error', () => {
  it('fails with 422 for a 4xx (no retry fixes it) and 503 for a 5xx (LiveKit retries)', async () => {
    let status = 400;
    const { launcher } = await fakeLiveKit({ ListRooms: () => ({ status, body: { code: 'error', msg: 'refused' } }) });
    for (const [answered, expected] of [
      [400, 422],
      [403, 422],
      [499, 422],
      [500, 503],
      [503, 503],
    ] as const) {
      status = answered;
      await expect(launcher().launch({ room: 'board-a', roomSid: 'RM_a', profile: 'board-meeting' }), `HTTP ${answered}`).rejects.toMatchObject({ status: expected, message: expect.stringMatching(/^LiveKit ListRooms failed: /) });
    }
  });

  it('names the call that failed', async () => {
    let failing = '';
    const fail: Answer = { status: 503, body: { code: 'unavailable', msg: 'not now' } };
    const { launcher } = await fakeLiveKit({
      ListRooms: () => (failing === 'ListRooms' ? fail : ok({ rooms: [rooms[0]] })),
      ListParticipants: () => (failing === 'ListParticipants' ? fail : ok({ participants: [] })),
      ListDispatch: () => (failing === 'ListDispatch' ? fail : ok({ agentDispatches: [] })),
      CreateDispatch: () => fail,
    });
    for (const method of ['ListParticipants', 'ListDispatch', 'CreateDispatch']) {
      failing = method;
      await expect(launcher().launch({ room: 'board-a', roomSid: 'RM_a', profile: 'board-meeting' }), method).rejects.toMatchObject({ status: 503, message: expect.stringMatching(new RegExp(`^LiveKit ${method} failed: `)) });
    }
  });
});
