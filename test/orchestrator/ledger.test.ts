import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLedger } from '../../src/orchestrator/dynamo-ledger.ts';
import { MemoryLedger, type LaunchLedger } from '../../src/orchestrator/ledger.ts';

const room = { roomSid: 'RM_1', room: 'board-q3', profile: 'board-meeting' };

describe('MemoryLedger', () => {
  let clock = 1_000_000;
  const ledger = () => new MemoryLedger({ eventTtlSeconds: 60, roomTtlSeconds: 600 }, () => clock);
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('remembers an event id once, until its TTL, and forgets it on request', async () => {
    const l = ledger();
    expect(await l.rememberEvent('EV_1')).toBe(true);
    expect(await l.rememberEvent('EV_1')).toBe(false);
    await l.forgetEvent('EV_1');
    expect(await l.rememberEvent('EV_1')).toBe(true);
    clock += 61_000;
    expect(await l.rememberEvent('EV_1')).toBe(true);
  });

  it('gives the first launch of a sid to exactly one of many concurrent claims', async () => {
    const l = ledger();
    const claims = await Promise.all(Array.from({ length: 10 }, () => l.claimLaunch(room)));
    expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    expect(claims.find((c) => !c.claimed)).toMatchObject({ existing: { generation: 1, finished: false } });
  });

  it('gives a relaunch to one claim per generation, and none after the room finished', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    const relaunches = await Promise.all([l.claimRelaunch(first.record), l.claimRelaunch(first.record)]);
    expect(relaunches.map((c) => c.claimed).sort()).toEqual([false, true]);
    expect(await l.lookup('RM_1')).toMatchObject({ generation: 2 });
    await l.finishRoom('RM_1', 'board-q3');
    expect((await l.claimRelaunch({ ...first.record, generation: 2 })).claimed).toBe(false);
    expect((await l.claimLaunch(room)).claimed).toBe(false);
  });

  it('takes back a failed first launch, so that a retry can claim it', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    await l.releaseLaunch(first.record);
    expect((await l.claimLaunch(room)).claimed).toBe(true);
  });

  it('forgets a room after its TTL', async () => {
    const l = ledger();
    await l.claimLaunch(room);
    clock += 601_000;
    expect(await l.lookup('RM_1')).toBeUndefined();
    expect((await l.claimLaunch(room)).claimed).toBe(true);
  });
});

describe('DynamoLedger at its DynamoDB client', () => {
  const dynamo = mockClient(DynamoDBClient);
  const now = 1_700_000_000_000;
  const make = (): LaunchLedger => new DynamoLedger({ table: 'ledger', client: new DynamoDBClient({ region: 'eu-west-1' }), now: () => now });
  const conditionFailed = (item?: Record<string, unknown>) => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item ? { Item: item as never } : {}) });
  beforeEach(() => dynamo.reset());

  it('remembers an event with a conditional put that treats an expired item as absent, and a TTL', async () => {
    dynamo.on(PutItemCommand).resolvesOnce({}).rejects(conditionFailed());
    const l = make();
    expect(await l.rememberEvent('EV_1')).toBe(true);
    expect(await l.rememberEvent('EV_1')).toBe(false);
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      Item: { pk: { S: 'event#EV_1' }, expiresAt: { N: String(now / 1000 + 3600) } },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: String(now / 1000) } },
    });
  });

  it('claims a first launch once, and reports the record that won', async () => {
    const l = make();
    dynamo.on(PutItemCommand).resolvesOnce({});
    expect(await l.claimLaunch(room)).toEqual({ claimed: true, record: { ...room, generation: 1, claimedAt: now, finished: false } });
    const input = dynamo.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Item: { pk: { S: 'room#RM_1' }, generation: { N: '1' }, finished: { BOOL: false }, expiresAt: { N: String(now / 1000 + 48 * 3600) } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    dynamo.on(PutItemCommand).rejects(conditionFailed({ pk: { S: 'room#RM_1' }, roomSid: { S: 'RM_1' }, room: { S: 'board-q3' }, profile: { S: 'p' }, generation: { N: '3' }, claimedAt: { N: '5' }, finished: { BOOL: true } }));
    expect(await l.claimLaunch(room)).toEqual({ claimed: false, existing: { roomSid: 'RM_1', room: 'board-q3', profile: 'p', generation: 3, claimedAt: 5, finished: true } });
  });

  it('claims a relaunch only at the generation it saw, not after the room finished', async () => {
    const l = make();
    dynamo.on(UpdateItemCommand).resolvesOnce({ Attributes: { roomSid: { S: 'RM_1' }, room: { S: 'board-q3' }, profile: { S: 'board-meeting' }, generation: { N: '2' }, claimedAt: { N: String(now) }, finished: { BOOL: false } } });
    const claim = await l.claimRelaunch({ ...room, generation: 1, claimedAt: 0, finished: false });
    expect(claim).toMatchObject({ claimed: true, record: { generation: 2 } });
    const input = dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND expiresAt >= :now AND generation = :generation AND finished = :false');
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':generation': { N: '1' }, ':next': { N: '2' } });
    dynamo.on(UpdateItemCommand).rejects(conditionFailed());
    expect((await l.claimRelaunch({ ...room, generation: 1, claimedAt: 0, finished: false })).claimed).toBe(false);
  });

  it('gives back a failed first launch by deleting it at its generation, a relaunch by zeroing its claim time', async () => {
    const l = make();
    dynamo.on(DeleteItemCommand).resolves({});
    dynamo.on(UpdateItemCommand).resolves({});
    await l.releaseLaunch({ ...room, generation: 1, claimedAt: now, finished: false });
    expect(dynamo.commandCalls(DeleteItemCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: { S: 'room#RM_1' } }, ConditionExpression: 'generation = :generation AND finished = :false' });
    await l.releaseLaunch({ ...room, generation: 2, claimedAt: now, finished: false });
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({ UpdateExpression: 'SET claimedAt = :zero', ExpressionAttributeValues: expect.objectContaining({ ':generation': { N: '2' } }) });
    // Someone else moved on meanwhile: nothing to give back, and no error.
    dynamo.on(DeleteItemCommand).rejects(conditionFailed());
    await expect(l.releaseLaunch({ ...room, generation: 1, claimedAt: now, finished: false })).resolves.toBeUndefined();
  });

  it('marks a room finished (upsert) and reads records consistently, ignoring expired ones', async () => {
    const l = make();
    dynamo.on(UpdateItemCommand).resolves({});
    await l.finishRoom('RM_1', 'board-q3');
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input.UpdateExpression).toMatch(/^SET finished = :true, expiresAt = :expiresAt, room = if_not_exists/);
    dynamo.on(GetItemCommand).resolvesOnce({ Item: { roomSid: { S: 'RM_1' }, generation: { N: '1' }, expiresAt: { N: String(now / 1000 - 1) } } });
    expect(await l.lookup('RM_1')).toBeUndefined();
    expect(dynamo.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('lets other DynamoDB errors through (the webhook answers 503 and LiveKit retries)', async () => {
    dynamo.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    await expect(make().claimLaunch(room)).rejects.toThrow('ProvisionedThroughput');
  });
});
