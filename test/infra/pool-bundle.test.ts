/**
 * The handler bundle exactly as `cdk synth` wrote it for `launch: dispatch`, with the environment
 * the stack gives it, against the real livekit-server (its Twirp API on loopback, no media) and
 * with AWS mocked at the SDK clients the bundle loads (it leaves `@aws-sdk/*` external): a signed
 * `room_started` becomes a dispatch on the real server and a scale-out of the stack's service;
 * reconcile scales it in.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import { signWebhookBody, roomEventBody } from '../../src/orchestrator/signing.ts';
import { PoolEnv } from '../../src/orchestrator/pool-sizing.ts';
import { startTestLiveKit, type TestLiveKit } from '../room/livekit.ts';
import { FIXTURE_PROFILE, FIXTURE_ROOM } from './fixtures/room.ts';
import { ref, synthesize, type Synthesized } from './synth.ts';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
interface Bundle {
  handler: Handler;
  reconcileHandler: () => Promise<{ pool?: { action: string; from: number; to: number } }>;
}

const LIVEKIT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:interpreter/livekit-AbCdEf';
const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service/interpreter-cluster/workers';
const ecs = mockClient(ECSClient);
const secretsManager = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const savedEnv = { ...process.env };
let synth: Synthesized;
let livekit: TestLiveKit;
let bundle: Bundle;
let desired = 1;


/**
 * Calls of one command by its class name: the bundle, imported by Node itself, can hold other
 * copies of the command classes than this file's (vitest's) imports, and `commandCalls` matches
 * by class identity, so it saw calls or not depending on which file loaded the SDK first.
 */
function callsNamed(mock: { calls(): { args: unknown[] }[] }, name: string): { input: Record<string, unknown> }[] {
  return mock.calls().map((c) => c.args[0] as { constructor: { name: string }; input: Record<string, unknown> }).filter((command) => command.constructor.name === name);
}

beforeAll(async () => {
  livekit = await startTestLiveKit();
  synth = synthesize({});
  const { stack, template } = synth;
  const fn = template.toJSON().Resources[ref(stack, stack.webhook.function).Ref] as { Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } };
  const assetDir = join(synth.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  const entry = join(assetDir, 'index.mjs');
  expect(existsSync(entry)).toBe(true);
  // The stack's environment, with its CloudFormation references made concrete.
  const concrete: Record<string, string> = {
    [AgentEnv.livekitUrl]: livekit.url,
    [OrchestratorEnv.livekitSecretArn]: LIVEKIT_SECRET_ARN,
    [OrchestratorEnv.ledgerTable]: 'interpreter-ledger',
    [PoolEnv.cluster]: 'interpreter-cluster',
    [PoolEnv.service]: SERVICE_ARN,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.Properties.Environment.Variables)) {
    if (typeof value === 'string') env[name] = value;
    else if (concrete[name] !== undefined) env[name] = concrete[name];
    else throw new Error(`no test value for the stack's ${name}=${JSON.stringify(value)}`);
  }
  env[AgentEnv.profilesPath] = env[AgentEnv.profilesPath]!.replace('/var/task', assetDir);
  Object.assign(process.env, env, { AWS_REGION: 'eu-west-1', LOG_LEVEL: 'silent' });
  bundle = (await import(pathToFileURL(entry).href)) as Bundle;
}, 300_000);

afterAll(() => {
  process.env = savedEnv;
  ecs.restore();
  secretsManager.restore();
  dynamo.restore();
  synth?.cleanup();
});

beforeEach(() => {
  ecs.reset();
  secretsManager.reset();
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(GetItemCommand).resolves({});
  secretsManager.on(GetSecretValueCommand, { SecretId: LIVEKIT_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ apiKey: livekit.apiKey, apiSecret: livekit.apiSecret }) });
  // Each test starts from a one-task pool (the other may have grown it): any order.
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
    headers: { authorization, 'content-type': 'application/webhook+json', 'user-agent': 'LiveKit' },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'LiveKit' } } as APIGatewayProxyEventV2['requestContext'],
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

describe('the bundled handler with launch: dispatch', () => {
  it('dispatches a started room on the real server and scales the stack’s worker service out', async () => {
    const room = await livekit.rooms.createRoom({ name: FIXTURE_ROOM });
    const body = roomEventBody({ event: 'room_started', room: room.name, sid: room.sid });
    const response = await bundle.handler(functionUrlEvent(body, await signWebhookBody(body, livekit.apiKey, livekit.apiSecret)));
    expect(response.statusCode, response.body).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ action: 'launched', profile: FIXTURE_PROFILE });

    const dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    const ours = (await dispatches.listDispatch(room.name)).filter((d) => d.agentName === 'interpreter');
    expect(ours).toHaveLength(1);
    expect(JSON.parse(ours[0]!.metadata)).toMatchObject({ profile: FIXTURE_PROFILE, roomSid: room.sid });
    // cdk.json: buffer 3, 3 rooms per worker: one room asks for ceil(4 / 3) = 2 tasks.
    expect(callsNamed(ecs, 'UpdateServiceCommand').map((c) => c.input)).toEqual([{ cluster: 'interpreter-cluster', service: SERVICE_ARN, desiredCount: 2 }]);
    // Fetched once per container: by this test, or by an earlier one of this file (any order).
    expect(callsNamed(secretsManager, 'GetSecretValueCommand').length).toBeLessThanOrEqual(1);
    await livekit.rooms.deleteRoom(room.name);
  });

  it('reconcile waits out the idle period of cdk.json (15 minutes) before it scales in', async () => {
    desired = 4;
    const report = await bundle.reconcileHandler();
    expect(report.pool).toMatchObject({ action: 'waiting-to-scale-in', from: 4 });
    expect(callsNamed(ecs, 'UpdateServiceCommand')).toHaveLength(0);
  });
});
