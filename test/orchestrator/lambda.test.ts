import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler, resetRuntime } from '../../src/orchestrator/lambda.ts';
import { MAX_WEBHOOK_BYTES } from '../../src/orchestrator/http-server.ts';
import { signWebhookBody } from '../../src/orchestrator/signing.ts';
import { resetSecretCache } from '../../src/orchestrator/config.ts';
import { API_KEY, API_SECRET, signedEvent } from './helpers.ts';

const ecs = mockClient(ECSClient);
const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const env = {
  LIVEKIT_URL: 'wss://example.livekit.cloud',
  LIVEKIT_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:livekit-abc',
  INTERPRETER_PROFILES: 'configs',
  INTERPRETER_CLUSTER: 'interpreter',
  INTERPRETER_TASK_DEFINITION: 'interpreter-agent:1',
  INTERPRETER_CONTAINER: 'agent',
  INTERPRETER_SUBNETS: 'subnet-1,subnet-2',
  INTERPRETER_SECURITY_GROUPS: 'sg-1',
  INTERPRETER_ASSIGN_PUBLIC_IP: 'ENABLED',
  INTERPRETER_LEDGER_TABLE: 'interpreter-ledger',
  LOG_LEVEL: 'silent',
};
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
beforeEach(() => {
  resetRuntime();
  resetSecretCache();
  ecs.reset();
  secrets.reset();
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/1' }], failures: [] });
});

async function functionUrlEvent(body: string, authorization?: string): Promise<APIGatewayProxyEventV2> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/webhook+json', ...(authorization ? { authorization } : {}) },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'LiveKit' } } as APIGatewayProxyEventV2['requestContext'],
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
}

describe('Lambda webhook handler', () => {
  it('runs an ECS task for a signed room_started (base64 body), with credentials from Secrets Manager', async () => {
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_lambda', id: 'EV_lambda' });
    const result = await handler(await functionUrlEvent(signed.body, signed.authorization));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ action: 'launched', profile: 'board-meeting' });
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: env.LIVEKIT_SECRET_ARN });
    expect(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'interpreter',
      clientToken: 'RM_lambda-g1',
      startedBy: 'RM_lambda',
      networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'ENABLED', subnets: ['subnet-1', 'subnet-2'] } },
    });
  });

  it('claims the event id and the room sid in the DynamoDB ledger with conditional writes before RunTask', async () => {
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_ledger', id: 'EV_ledger' });
    expect((await handler(await functionUrlEvent(signed.body, signed.authorization))).statusCode).toBe(200);
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts).toEqual([
      expect.objectContaining({ TableName: 'interpreter-ledger', Item: expect.objectContaining({ pk: { S: 'event#EV_ledger' } }), ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now' }),
      expect.objectContaining({ TableName: 'interpreter-ledger', Item: expect.objectContaining({ pk: { S: 'room#RM_ledger' }, generation: { N: '1' } }), ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now' }),
    ]);
  });

  it('launches nothing for a delivery another instance already handled (the ledger condition fails)', async () => {
    dynamo.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_other', id: 'EV_other' });
    const result = await handler(await functionUrlEvent(signed.body, signed.authorization));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ action: 'duplicate' });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('answers 413 to a signed body over the limit, before any ledger write or RunTask', async () => {
    const huge = 'x'.repeat(MAX_WEBHOOK_BYTES + 1);
    const result = await handler(await functionUrlEvent(huge, await signWebhookBody(huge, API_KEY, API_SECRET)));
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body ?? '{}')).toEqual({ error: `body over ${MAX_WEBHOOK_BYTES} bytes` });
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    // The limit counts the decoded body, not its base64 form: a body at the limit is taken.
    const atLimit = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_limit', id: 'EV_limit', metadata: 'm'.repeat(MAX_WEBHOOK_BYTES - 400) });
    expect(Buffer.byteLength(atLimit.body)).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES);
    expect(Buffer.from(atLimit.body).toString('base64').length).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect((await handler(await functionUrlEvent(atLimit.body, atLimit.authorization))).statusCode).toBe(200);
  });

  it('answers an unsigned body over the limit with 401: the header is checked first', async () => {
    const result = await handler(await functionUrlEvent('x'.repeat(MAX_WEBHOOK_BYTES + 1)));
    expect(result.statusCode).toBe(401);
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers %s with 405 and does not start the runtime', async (method) => {
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_405', id: 'EV_405' });
    const event = await functionUrlEvent(signed.body, signed.authorization);
    event.requestContext.http.method = method;
    const result = await handler(event);
    expect(result.statusCode).toBe(405);
    expect(JSON.parse(result.body ?? '{}')).toEqual({ error: 'use POST' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('answers 401 to a forged request and runs nothing', async () => {
    const forged = await signedEvent({ event: 'room_started', room: 'board-q3' }, API_KEY, 'not-the-secret-not-the-secret-xx');
    const result = await handler(await functionUrlEvent(forged.body, forged.authorization));
    expect(result.statusCode).toBe(401);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('answers 500 with a pointer to the logs when the secret is not filled in yet, and recovers once it is', async () => {
    secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'REPLACE_ME' }).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }) });
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_2' });
    expect((await handler(await functionUrlEvent(signed.body, signed.authorization))).statusCode).toBe(500);
    expect((await handler(await functionUrlEvent(signed.body, signed.authorization))).statusCode).toBe(200);
  });
});
