/**
 * The Lambda handlers in dispatch mode against the real livekit-server (its Twirp API only, on
 * loopback: no media, so no network namespace), with ECS mocked at the SDK client (the worker
 * service nothing here can run). The webhook dispatches and scales the pool out; reconcile
 * scales it in; a scaling failure never costs the room its dispatch.
 */
import { DescribeServicesCommand, ECSClient, ECSServiceException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetSecretCache } from '../../src/orchestrator/config.ts';
import { handler, reconcileHandler, resetRuntime } from '../../src/orchestrator/lambda.ts';
import { PoolEnv } from '../../src/orchestrator/pool-sizing.ts';
import { signedEvent } from './helpers.ts';
import { startTestLiveKit, type TestLiveKit } from '../room/livekit.ts';

const ecs = mockClient(ECSClient);
const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service/interp/workers';
let livekit: TestLiveKit;
let dispatches: AgentDispatchClient;
let desired = 1;
const saved: Record<string, string | undefined> = {};
const baseEnv = (): Record<string, string> => ({
  LIVEKIT_URL: livekit.url,
  LIVEKIT_API_KEY: livekit.apiKey,
  LIVEKIT_API_SECRET: livekit.apiSecret,
  INTERPRETER_PROFILES: 'configs',
  INTERPRETER_LAUNCHER: 'dispatch',
  [PoolEnv.cluster]: 'interp',
  [PoolEnv.service]: SERVICE_ARN,
  [PoolEnv.minTasks]: '1',
  [PoolEnv.maxTasks]: '6',
  [PoolEnv.roomsPerTask]: '2',
  [PoolEnv.bufferRooms]: '2',
  [PoolEnv.scaleInIdleMinutes]: '0',
  LOG_LEVEL: 'silent',
});

function setEnv(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

beforeAll(async () => {
  livekit = await startTestLiveKit();
  dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
beforeEach(() => {
  setEnv({ ...baseEnv(), INTERPRETER_LEDGER_TABLE: undefined, LIVEKIT_SECRET_ARN: undefined });
  resetRuntime();
  resetSecretCache();
  ecs.reset();
  desired = 1;
  ecs.on(DescribeServicesCommand).callsFake(() => ({ services: [{ serviceArn: SERVICE_ARN, serviceName: 'workers', status: 'ACTIVE', desiredCount: desired }] }));
  ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount?: number }) => {
    desired = input.desiredCount ?? desired;
    return {};
  });
});

function functionUrlEvent(body: string, authorization: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/webhook+json', authorization },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'LiveKit' } } as APIGatewayProxyEventV2['requestContext'],
    body,
    isBase64Encoded: false,
  };
}

async function roomStarted(room: string, sid: string) {
  const signed = await signedEvent({ event: 'room_started', room, sid }, livekit.apiKey, livekit.apiSecret);
  return handler(functionUrlEvent(signed.body, signed.authorization));
}

describe('the webhook in dispatch mode', () => {
  it('dispatches the room to the worker pool and scales the pool out for it before answering', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-pool-1' });
    const result = await roomStarted(room.name, room.sid);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ action: 'launched', profile: 'board-meeting' });
    const listed = (await dispatches.listDispatch(room.name)).filter((d) => d.agentName === 'interpreter');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ agentName: 'interpreter' });
    expect(JSON.parse(listed[0]?.metadata ?? '{}')).toMatchObject({ profile: 'board-meeting', roomSid: room.sid });
    // One open room (more may be open from other tests: at least this one) + a buffer of 2, 2 per task.
    const open = (await livekit.rooms.listRooms()).filter((r) => r.name.startsWith('board-')).length;
    expect(ecs.commandCalls(UpdateServiceCommand).at(-1)?.args[0].input).toEqual({ cluster: 'interp', service: SERVICE_ARN, desiredCount: Math.ceil((open + 2) / 2) });
    await livekit.rooms.deleteRoom(room.name);
  });

  it('never lowers the pool from a webhook', async () => {
    desired = 6;
    const room = await livekit.rooms.createRoom({ name: 'board-pool-2' });
    expect((await roomStarted(room.name, room.sid)).statusCode).toBe(200);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(desired).toBe(6);
    await livekit.rooms.deleteRoom(room.name);
  });

  it('keeps the dispatch when ECS refuses to scale (reconcile corrects the size)', async () => {
    ecs.on(UpdateServiceCommand).rejects(new ECSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'not authorized to perform: ecs:UpdateService' }));
    const room = await livekit.rooms.createRoom({ name: 'board-pool-3' });
    const result = await roomStarted(room.name, room.sid);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ action: 'launched' });
    expect((await dispatches.listDispatch(room.name)).filter((d) => d.agentName === 'interpreter')).toHaveLength(1);
    await livekit.rooms.deleteRoom(room.name);
  });

  it('does not scale for a room no profile matches', async () => {
    const room = await livekit.rooms.createRoom({ name: 'lobby-pool' });
    expect(JSON.parse((await roomStarted(room.name, room.sid)).body ?? '{}')).toMatchObject({ action: 'no-profile' });
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    await livekit.rooms.deleteRoom(room.name);
  });

  it('fails its start with the missing setting named when the pool is not configured', async () => {
    setEnv({ [PoolEnv.service]: undefined });
    const room = await livekit.rooms.createRoom({ name: 'board-pool-4' });
    const result = await roomStarted(room.name, room.sid);
    expect(result.statusCode).toBe(500);
    expect((await dispatches.listDispatch(room.name)).filter((d) => d.agentName === 'interpreter')).toHaveLength(0);
    await livekit.rooms.deleteRoom(room.name);
  });
});

describe('reconcile in dispatch mode', () => {
  it('scales the pool in once the rooms are gone (idle period 0 here)', async () => {
    for (const room of await livekit.rooms.listRooms()) await livekit.rooms.deleteRoom(room.name);
    desired = 5;
    const report = await reconcileHandler();
    expect(report.pool).toEqual({ action: 'scaled-in', from: 5, to: 1, wanted: 1, activeRooms: 0 });
    expect(desired).toBe(1);
  });

  it('waits out the idle period before scaling in', async () => {
    setEnv({ [PoolEnv.scaleInIdleMinutes]: '15' });
    desired = 4;
    const report = await reconcileHandler();
    expect(report.pool).toMatchObject({ action: 'waiting-to-scale-in', from: 4 });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('reports, not throws, when the service cannot be read', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    const report = await reconcileHandler();
    expect(report.pool).toBeUndefined();
    expect(report.poolError).toMatch(/cannot be scaled: MISSING/);
  });
});
