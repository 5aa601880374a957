/**
 * The webhook handler exactly as it ships: the esbuild bundle that `cdk synth` wrote (with its
 * copy of the validated profiles), invoked with a Lambda Function URL event signed the way
 * LiveKit signs webhooks. AWS is mocked at the SDK clients: the bundle leaves `@aws-sdk/*`
 * external (the Lambda runtime provides them), so it loads the same client classes as this test.
 */
import { ECSClient, ListTasksCommand, RunTaskCommand, DescribeTasksCommand, type RunTaskCommandInput } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { AccessToken } from 'livekit-server-sdk';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import { FIXTURE_PROFILE, FIXTURE_ROOM } from './fixtures/room.ts';
import { ref, synthesize, type Synthesized } from './synth.ts';

const API_KEY = 'APIbundletest';
const API_SECRET = 'bundle-test-secret-that-is-long-enough-for-hs256';
const LIVEKIT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:interpreter/livekit-AbCdEf';
const TASK_DEFINITION_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/InterpreterAgent:7';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const ecs = mockClient(ECSClient);
const secretsManager = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
let synth: Synthesized;
let handler: Handler;
const savedEnv = { ...process.env };

/** What the stack sets in the function's environment, with CloudFormation references made concrete. */
function deployedEnvironment(assetDir: string): Record<string, string> {
  const { stack, template } = synth;
  const fn = template.toJSON().Resources[ref(stack, stack.webhook.function).Ref] as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  };
  const concrete: Record<string, string> = {
    [AgentEnv.livekitUrl]: 'wss://livekit.invalid',
    [OrchestratorEnv.livekitSecretArn]: LIVEKIT_SECRET_ARN,
    [OrchestratorEnv.cluster]: 'interpreter-cluster',
    [OrchestratorEnv.taskDefinition]: TASK_DEFINITION_ARN,
    [OrchestratorEnv.subnets]: 'subnet-aaa,subnet-bbb',
    [OrchestratorEnv.securityGroups]: 'sg-123',
    [OrchestratorEnv.ledgerTable]: 'interpreter-ledger',
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.Properties.Environment.Variables)) {
    if (typeof value === 'string') env[name] = value;
    else if (concrete[name] !== undefined) env[name] = concrete[name];
    else throw new Error(`no test value for the stack's ${name}=${JSON.stringify(value)}`);
  }
  // Lambda unpacks the asset to /var/task; here it stays where synth wrote it.
  env[AgentEnv.profilesPath] = env[AgentEnv.profilesPath]!.replace('/var/task', assetDir);
  return env;
}


/**
 * Calls of one command by its class name: the bundle, imported by Node itself, can hold other
 * copies of the command classes than this file's (vitest's) imports, and `commandCalls` matches
 * by class identity, so it saw calls or not depending on which file loaded the SDK first.
 */
function callsNamed(mock: { calls(): { args: unknown[] }[] }, name: string): { input: Record<string, unknown> }[] {
  return mock.calls().map((c) => c.args[0] as { constructor: { name: string }; input: Record<string, unknown> }).filter((command) => command.constructor.name === name);
}

beforeAll(async () => {
  synth = synthesize({ launch: 'task' });
  const { stack, template } = synth;
  const code = (template.toJSON().Resources[ref(stack, stack.webhook.function).Ref] as { Properties: { Code: { S3Key: string } } }).Properties.Code;
  const assetDir = join(synth.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
  const entry = join(assetDir, 'index.mjs');
  expect(existsSync(entry)).toBe(true);
  Object.assign(process.env, deployedEnvironment(assetDir), { AWS_REGION: 'eu-west-1' });
  const bundle = (await import(pathToFileURL(entry).href)) as { handler: Handler; reconcileHandler: unknown };
  expect(typeof bundle.reconcileHandler).toBe('function');
  handler = bundle.handler;
  // A synth bundles two functions with esbuild: minutes, not seconds, on a loaded 2-core machine.
}, 180_000);

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
  secretsManager.on(GetSecretValueCommand, { SecretId: LIVEKIT_SECRET_ARN }).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/interpreter-cluster/abc' }], failures: [] });
});

function roomStartedBody(): string {
  return JSON.stringify({
    event: 'room_started',
    id: 'EV_bundle_test_1',
    createdAt: String(Math.floor(Date.now() / 1000)),
    room: { sid: 'RM_bundle_test', name: FIXTURE_ROOM, emptyTimeout: 300, creationTime: String(Math.floor(Date.now() / 1000)) },
  });
}

async function signedBy(secret: string, body: string): Promise<string> {
  // As a LiveKit server signs: valid 5 minutes.
  const token = new AccessToken(API_KEY, secret, { ttl: '5m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

function functionUrlEvent(body: string, authorization: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { authorization, 'content-type': 'application/webhook+json', 'user-agent': 'LiveKit', host: 'abc.lambda-url.eu-west-1.on.aws' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abc',
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'LiveKit' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '25/Nov/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

describe('the bundled webhook handler', () => {
  it('runs one agent task with the launch contract env for a signed room_started', async () => {
    const body = roomStartedBody();
    const response = await handler(functionUrlEvent(body, await signedBy(API_SECRET, body)));
    expect(response.statusCode, response.body).toBeGreaterThanOrEqual(200);
    expect(response.statusCode, response.body).toBeLessThan(300);

    const runs = callsNamed(ecs, 'RunTaskCommand');
    expect(runs).toHaveLength(1);
    const input = runs[0]!.input as unknown as RunTaskCommandInput;
    expect(input).toMatchObject({
      cluster: 'interpreter-cluster',
      taskDefinition: TASK_DEFINITION_ARN,
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-aaa', 'subnet-bbb'], securityGroups: ['sg-123'], assignPublicIp: 'ENABLED' } },
    });
    const override = input.overrides?.containerOverrides?.find((c) => c.name === 'agent');
    expect(override?.environment).toEqual(
      expect.arrayContaining([
        { name: AgentEnv.room, value: FIXTURE_ROOM },
        { name: AgentEnv.roomSid, value: 'RM_bundle_test' },
        { name: AgentEnv.profile, value: FIXTURE_PROFILE },
      ]),
    );
    // The LiveKit credentials came from Secrets Manager, by the ARN in the env (first call of this container).
    // Fetched once per container: by this test, or by an earlier one of this file (any order).
    expect(callsNamed(secretsManager, 'GetSecretValueCommand').length).toBeLessThanOrEqual(1);
    // The event and the room sid were claimed in the stack's ledger table before RunTask.
    expect(dynamo.commandCalls(PutItemCommand).map((c) => [c.args[0].input.TableName, c.args[0].input.Item?.pk?.S])).toEqual([
      ['interpreter-ledger', 'event#EV_bundle_test_1'],
      ['interpreter-ledger', 'room#RM_bundle_test'],
    ]);
  });

  it('rejects a webhook signed with another secret (401) and launches nothing', async () => {
    const body = roomStartedBody();
    const response = await handler(functionUrlEvent(body, await signedBy('not-the-livekit-secret-but-long-enough', body)));
    expect(response.statusCode).toBe(401);
    expect(callsNamed(ecs, 'RunTaskCommand')).toHaveLength(0);
  });

  it('rejects a body that differs from the signed one (401)', async () => {
    const body = roomStartedBody();
    const authorization = await signedBy(API_SECRET, body);
    const response = await handler(functionUrlEvent(body.replace(FIXTURE_ROOM, `${FIXTURE_ROOM}-x`), authorization));
    expect(response.statusCode).toBe(401);
    expect(callsNamed(ecs, 'RunTaskCommand')).toHaveLength(0);
  });
});
