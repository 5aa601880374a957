/**
 * The Lambda adapters' exact answers: events without parts a Function URL usually sends, bodies at
 * the size limit, a start that fails, the default profiles path, and reconcile in task mode.
 * LiveKit's RoomService is a local Twirp stand-in; ECS, DynamoDB and Secrets Manager are mocked at
 * their SDK clients.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import fs from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeServicesCommand, ECSClient, ListTasksCommand, RunTaskCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_WEBHOOK_BYTES } from '../../src/orchestrator/http-server.ts';
import { signWebhookBody } from '../../src/orchestrator/signing.ts';
import { resetSecretCache } from '../../src/orchestrator/config.ts';
import { API_KEY, API_SECRET, signedEvent } from './helpers.ts';
import { startTwirpServer, type TwirpServer } from './livekit-twirp.ts';
import { PoolEnv } from '../../src/orchestrator/pool-sizing.ts';

const ecs = mockClient(ECSClient);
const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const JSON_HEADERS = { 'content-type': 'application/json' };
let twirp: TwirpServer;
const saved: Record<string, string | undefined> = {};
const baseEnv = (): Record<string, string | undefined> => ({
  LIVEKIT_URL: twirp.url,
  LIVEKIT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:livekit-abc',
  INTERPRETER_PROFILES: 'configs',
  INTERPRETER_LAUNCHER: undefined,
  INTERPRETER_CLUSTER: 'interpreter',
  INTERPRETER_TASK_DEFINITION: 'interpreter-agent:1',
  INTERPRETER_CONTAINER: 'agent',
  INTERPRETER_SUBNETS: 'subnet-1',
  INTERPRETER_SECURITY_GROUPS: 'sg-1',
  INTERPRETER_ASSIGN_PUBLIC_IP: 'ENABLED',
  INTERPRETER_LEDGER_TABLE: 'interpreter-ledger',
  LOG_LEVEL: 'info',
});
function setEnv(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

// The module's logger takes LOG_LEVEL when it loads: load it at info, after setting that.
let lambda: typeof import('../../src/orchestrator/lambda.ts');
const handler = (event: APIGatewayProxyEventV2) => lambda.handler(event);
const reconcileHandler = () => lambda.reconcileHandler();
beforeAll(async () => {
  twirp = await startTwirpServer(API_KEY, API_SECRET, []);
  setEnv({ LOG_LEVEL: 'info' });
  lambda = await import('../../src/orchestrator/lambda.ts');
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await twirp.close();
});
beforeEach(() => {
  setEnv(baseEnv());
  lambda.resetRuntime();
  resetSecretCache();
  ecs.reset();
  secrets.reset();
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/1' }], failures: [] });
  written = vi.spyOn(fs, 'write');
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The handler logs JSON lines to stdout (fd 1) through pino; the spy lets each write through. */
let written: MockInstance<typeof fs.write>;
function loggedLines(): Record<string, unknown>[] {
  return written.mock.calls
    .filter((call) => call[0] === 1)
    .flatMap((call) => String(call[1]).split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const { time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });
}
/** Waits for pino to hand the line to stdout (it writes asynchronously), then returns it. */
async function logLine(msg: string): Promise<Record<string, unknown>> {
  return vi.waitFor(() => {
    const line = loggedLines().find((l) => l.msg === msg);
    if (!line) throw new Error(`no log line ${JSON.stringify(msg)} yet`);
    return line;
  });
}

function event(body: string | undefined, authorization?: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/webhook+json', ...(authorization ? { Authorization: authorization } : {}) },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'LiveKit' } } as APIGatewayProxyEventV2['requestContext'],
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}
const unauthorized = { statusCode: 401, headers: JSON_HEADERS, body: JSON.stringify({ error: 'unauthorized: no Authorization header' }) };

describe('Lambda webhook handler answers', () => {
  it('answers in JSON with its content type, a launch for a signed room_started (Authorization in any case)', async () => {
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_answers', id: 'EV_answers' });
    const result = await handler(event(signed.body, signed.authorization));
    expect(result.headers).toEqual(JSON_HEADERS);
    expect(result.statusCode).toBe(200);
  });

  it.each([
    ['no requestContext', (e: APIGatewayProxyEventV2) => ({ ...e, requestContext: undefined })],
    ['a requestContext without http', (e: APIGatewayProxyEventV2) => ({ ...e, requestContext: {} })],
    ['no headers at all', (e: APIGatewayProxyEventV2) => ({ ...e, headers: undefined })],
  ])('takes an event with %s as a POST without credentials: 401', async (_name, change) => {
    const changed = change(event('{}')) as unknown as APIGatewayProxyEventV2;
    expect(await handler(changed)).toEqual(unauthorized);
  });

  it('answers 500 with a pointer to its logs when it cannot start, and no launcher but task or dispatch starts', async () => {
    setEnv({ INTERPRETER_LAUNCHER: 'local' });
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_local' });
    expect(await handler(event(signed.body, signed.authorization))).toEqual({ statusCode: 500, headers: JSON_HEADERS, body: JSON.stringify({ error: 'webhook handler misconfigured; see its logs' }) });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('reads the profiles from configs/ when INTERPRETER_PROFILES is not set', async () => {
    setEnv({ INTERPRETER_PROFILES: undefined });
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_default', id: 'EV_default' });
    const result = await handler(event(signed.body, signed.authorization));
    expect([result.statusCode, JSON.parse(result.body ?? '{}')]).toEqual([200, expect.objectContaining({ action: 'launched', profile: 'board-meeting' })]);
  });

  it('passes a signed body of exactly the limit on to the webhook, which judges it (not a 413)', async () => {
    const body = 'x'.repeat(MAX_WEBHOOK_BYTES);
    const result = await handler(event(body, await signWebhookBody(body, API_KEY, API_SECRET)));
    expect(result.statusCode).not.toBe(413);
    expect(result).toEqual({ statusCode: 400, headers: JSON_HEADERS, body: expect.any(String) });
  });

  it('reads a missing body as an empty one, signed as such', async () => {
    const result = await handler(event(undefined, await signWebhookBody('', API_KEY, API_SECRET)));
    const withEmpty = await handler(event('', await signWebhookBody('', API_KEY, API_SECRET)));
    expect(result).toEqual(withEmpty);
    expect(result.statusCode).toBe(400);
  });
});

describe('Lambda webhook handler log lines', () => {
  it('logs a refused method with the method named', async () => {
    expect((await handler({ ...event('{}'), requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2)).statusCode).toBe(405);
    expect(await logLine('request refused: use POST')).toEqual({ level: 40, name: 'interpreter-webhook', status: 405, reason: 'method GET', msg: 'request refused: use POST' });
  });

  it('logs why it cannot start', async () => {
    setEnv({ INTERPRETER_LAUNCHER: 'local' });
    await handler(event('{}'));
    expect(await logLine('webhook handler cannot start')).toEqual({ level: 50, name: 'interpreter-webhook', err: 'the Lambda handler launches with task or dispatch, not local', msg: 'webhook handler cannot start' });
  });

  it('logs a body over the limit', async () => {
    const huge = 'x'.repeat(MAX_WEBHOOK_BYTES + 1);
    expect((await handler(event(huge, await signWebhookBody(huge, API_KEY, API_SECRET)))).statusCode).toBe(413);
    const msg = `request refused: body over ${MAX_WEBHOOK_BYTES} bytes`;
    expect(await logLine(msg)).toEqual({ level: 40, name: 'interpreter-webhook', status: 413, reason: 'body too large', msg });
  });

  it('warns that duplicates are caught per instance only without a ledger table, and not with one', async () => {
    const warning = 'INTERPRETER_LEDGER_TABLE is not set: duplicate detection is per Lambda instance only';
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_table', id: 'EV_table' });
    expect((await handler(event(signed.body, signed.authorization))).statusCode).toBe(200);
    await logLine('agent launched');
    expect(loggedLines().filter((l) => l.msg === warning)).toEqual([]);
    lambda.resetRuntime();
    setEnv({ INTERPRETER_LEDGER_TABLE: undefined });
    expect((await handler(event(signed.body, signed.authorization))).statusCode).toBe(200);
    expect(await logLine(warning)).toEqual({ level: 40, name: 'interpreter-webhook', msg: warning });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(2);
  });
});

describe('Lambda reconcile', () => {
  const SERVICE = 'arn:aws:ecs:eu-west-1:123456789012:service/interp/workers';
  const dispatchEnv = {
    INTERPRETER_LAUNCHER: 'dispatch',
    [PoolEnv.cluster]: 'interp',
    [PoolEnv.service]: SERVICE,
    [PoolEnv.minTasks]: '1',
    [PoolEnv.maxTasks]: '6',
    [PoolEnv.roomsPerTask]: '2',
    [PoolEnv.bufferRooms]: '0',
    [PoolEnv.scaleInIdleMinutes]: '1',
  };
  afterEach(() => setEnv(Object.fromEntries(Object.keys(dispatchEnv).map((k) => [k, undefined]))));

  it('reports the pass without any pool fields in task mode', async () => {
    expect(await reconcileHandler()).toEqual({ rooms: 0, launched: [], stopped: [], failed: [], deferred: [] });
  });

  it('in dispatch mode waits a whole idle period, in minutes, before scaling the pool in', async () => {
    setEnv(dispatchEnv);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceArn: SERVICE, serviceName: 'workers', status: 'ACTIVE', desiredCount: 3 }] });
    ecs.on(UpdateServiceCommand).resolves({});
    const waiting = { action: 'waiting-to-scale-in', from: 3, to: 3, wanted: 1, activeRooms: 0 };
    expect((await reconcileHandler()).pool).toEqual(waiting);
    vi.setSystemTime(1_700_000_000_000 + 59_999);
    expect((await reconcileHandler()).pool).toEqual(waiting);
    vi.setSystemTime(1_700_000_000_000 + 60_000);
    expect((await reconcileHandler()).pool).toEqual({ action: 'scaled-in', from: 3, to: 1, wanted: 1, activeRooms: 0 });
  });

  it('in dispatch mode answers a room_started whose pool cannot be scaled out, and logs why', async () => {
    setEnv(dispatchEnv);
    ecs.on(DescribeServicesCommand).rejects(new Error('not authorized to perform: ecs:DescribeServices'));
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_scale', id: 'EV_scale' });
    const result = await handler(event(signed.body, signed.authorization));
    // The room is not in the stand-in's list, so nothing is dispatched; the answer still comes.
    expect(result.statusCode).toBe(200);
    const msg = 'worker pool could not be scaled out; reconcile corrects it within a minute';
    expect(await logLine(msg)).toEqual({ level: 50, name: 'interpreter-webhook', err: `DescribeServices ${SERVICE} failed: not authorized to perform: ecs:DescribeServices`, msg });
  });

  it('in dispatch mode reports and logs a pool it cannot size, instead of throwing', async () => {
    setEnv(dispatchEnv);
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: SERVICE, reason: 'MISSING' }] });
    const report = await reconcileHandler();
    expect(report.pool).toBeUndefined();
    const error = report.poolError ?? '';
    expect(error).toMatch(/cannot be scaled: MISSING/);
    expect(await logLine('worker pool could not be sized; the next reconcile tries again')).toEqual({
      level: 50,
      name: 'interpreter-webhook',
      err: error,
      msg: 'worker pool could not be sized; the next reconcile tries again',
    });
  });
});
