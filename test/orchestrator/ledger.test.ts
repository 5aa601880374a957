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

  it('remembers an event id for its whole TTL, and not a millisecond longer', async () => {
    const l = ledger();
    expect(await l.rememberEvent('EV_1')).toBe(true);
    clock += 59_999;
    expect(await l.rememberEvent('EV_1')).toBe(false);
    clock += 1;
    expect(await l.rememberEvent('EV_1')).toBe(true);
  });

  it('keeps a room record for its whole TTL, and not a millisecond longer', async () => {
    const l = ledger();
    await l.claimLaunch(room);
    clock += 599_999;
    expect(await l.lookup('RM_1')).toMatchObject({ generation: 1 });
    clock += 1;
    expect(await l.lookup('RM_1')).toBeUndefined();
  });

  it('reports the record that won to a relaunch that lost, as a copy, and nothing for an unknown sid', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    await l.claimRelaunch(first.record);
    const lost = await l.claimRelaunch(first.record);
    expect(lost).toEqual({ claimed: false, existing: { ...room, generation: 2, claimedAt: clock, finished: false } });
    if (!lost.claimed && lost.existing) lost.existing.finished = true;
    expect(await l.lookup('RM_1')).toMatchObject({ finished: false });
    expect(await l.claimRelaunch({ ...first.record, roomSid: 'RM_unknown' })).toEqual({ claimed: false, existing: undefined });
  });

  it('relaunches with the profile it is given (profiles were reloaded), else the one the sid had', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    const kept = await l.claimRelaunch(first.record);
    expect(kept).toMatchObject({ claimed: true, record: { profile: 'board-meeting', generation: 2 } });
    if (!kept.claimed) throw new Error('relaunch lost');
    expect(await l.claimRelaunch(kept.record, 'all-hands')).toMatchObject({ claimed: true, record: { profile: 'all-hands', generation: 3 } });
  });

  it('gives back a failed relaunch by zeroing its claim time, so that reconcile may retry it at once', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    const relaunch = await l.claimRelaunch(first.record);
    if (!relaunch.claimed) throw new Error('relaunch lost');
    await l.releaseLaunch(relaunch.record);
    expect(await l.lookup('RM_1')).toEqual({ ...room, generation: 2, claimedAt: 0, finished: false });
  });

  it('gives back nothing for a claim that is no longer current: an older generation, a finished room, a forgotten sid', async () => {
    const l = ledger();
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    const relaunch = await l.claimRelaunch(first.record);
    if (!relaunch.claimed) throw new Error('relaunch lost');
    // A slow failure of generation 1 arrives after generation 2 was claimed.
    await l.releaseLaunch(first.record);
    expect(await l.lookup('RM_1')).toEqual(relaunch.record);
    await l.finishRoom('RM_1', 'board-q3');
    await l.releaseLaunch(relaunch.record);
    expect(await l.lookup('RM_1')).toMatchObject({ generation: 2, finished: true });
    await expect(l.releaseLaunch({ ...first.record, roomSid: 'RM_never' })).resolves.toBeUndefined();
    expect(await l.lookup('RM_never')).toBeUndefined();
  });

  it('marks a room it never saw finished, and keeps what it knew of one it did', async () => {
    const l = ledger();
    await l.finishRoom('RM_early', 'board-early');
    expect(await l.lookup('RM_early')).toEqual({ roomSid: 'RM_early', room: 'board-early', profile: '', generation: 0, claimedAt: 0, finished: true });
    expect((await l.claimLaunch({ ...room, roomSid: 'RM_early' })).claimed).toBe(false);
    const first = await l.claimLaunch(room);
    if (!first.claimed) throw new Error('first claim lost');
    await l.finishRoom('RM_1', 'board-q3');
    expect(await l.lookup('RM_1')).toEqual({ ...first.record, finished: true });
  });

  it('holds at most its capacity of event ids and rooms, dropping the oldest first', async () => {
    const l = new MemoryLedger({ eventTtlSeconds: 60, roomTtlSeconds: 600 }, () => clock, 2);
    for (const id of ['EV_1', 'EV_2', 'EV_3']) expect(await l.rememberEvent(id)).toBe(true);
    expect(await l.rememberEvent('EV_3')).toBe(false);
    expect(await l.rememberEvent('EV_2')).toBe(false);
    expect(await l.rememberEvent('EV_1')).toBe(true);
    for (const sid of ['RM_a', 'RM_b', 'RM_c']) await l.claimLaunch({ ...room, roomSid: sid });
    expect(await l.lookup('RM_a')).toBeUndefined();
    expect(await l.lookup('RM_b')).toMatchObject({ generation: 1 });
    expect(await l.lookup('RM_c')).toMatchObject({ generation: 1 });
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
