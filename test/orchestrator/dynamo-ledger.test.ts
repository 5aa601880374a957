/**
 * DynamoLedger at its DynamoDB client: the exact requests each method sends, and how it reads
 * what DynamoDB answers (partial items, failed conditions, other errors).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoLedger } from '../../src/orchestrator/dynamo-ledger.ts';
import type { LaunchRecord } from '../../src/orchestrator/ledger.ts';

const dynamo = mockClient(DynamoDBClient);
const now = 1_700_000_000_123;
const seconds = Math.floor(now / 1000);
const roomTtl = 600;
const eventTtl = 60;
const make = () => new DynamoLedger({ table: 'ledger', client: new DynamoDBClient({ region: 'eu-west-1' }), now: () => now, times: { eventTtlSeconds: eventTtl, roomTtlSeconds: roomTtl } });
const conditionFailed = (item?: Record<string, AttributeValue>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, ...(item ? { Item: item } : {}) });
const record: LaunchRecord = { roomSid: 'RM_1', room: 'board-q3', profile: 'board-meeting', generation: 2, claimedAt: 5, finished: false };
const throttled = () => new Error('ProvisionedThroughputExceededException');

beforeEach(() => dynamo.reset());

describe('DynamoLedger events', () => {
  it('forgets an event by deleting its event# key', async () => {
    dynamo.on(DeleteItemCommand).resolves({});
    await make().forgetEvent('EV_1');
    expect(dynamo.commandCalls(DeleteItemCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'ledger', Key: { pk: { S: 'event#EV_1' } } }]);
  });

  it('lets an error other than a failed condition through from a conditional write', async () => {
    dynamo.on(PutItemCommand).rejects(throttled());
    await expect(make().rememberEvent('EV_1')).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('DynamoLedger first claims', () => {
  it('claims with a conditional put of the whole record, its TTL, and the old item on failure', async () => {
    dynamo.on(PutItemCommand).resolves({});
    expect(await make().claimLaunch({ roomSid: 'RM_1', room: 'board-q3', profile: 'board-meeting' })).toEqual({
      claimed: true,
      record: { roomSid: 'RM_1', room: 'board-q3', profile: 'board-meeting', generation: 1, claimedAt: now, finished: false },
    });
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      Item: {
        pk: { S: 'room#RM_1' },
        roomSid: { S: 'RM_1' },
        room: { S: 'board-q3' },
        profile: { S: 'board-meeting' },
        generation: { N: '1' },
        claimedAt: { N: String(now) },
        finished: { BOOL: false },
        expiresAt: { N: String(seconds + roomTtl) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: String(seconds) } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('reports no existing record when a failed condition returns no item', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    expect(await make().claimLaunch({ roomSid: 'RM_1', room: 'r', profile: 'p' })).toEqual({ claimed: false, existing: undefined });
  });

  it('reads an item with only a pk as the sid of its key, with empty and zero defaults', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed({ pk: { S: 'room#RM_9' } }));
    expect(await make().claimLaunch({ roomSid: 'RM_9', room: 'r', profile: 'p' })).toEqual({
      claimed: false,
      existing: { roomSid: 'RM_9', room: '', profile: '', generation: 0, claimedAt: 0, finished: false },
    });
  });

  it('reads an item with neither roomSid nor pk as an empty sid', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed({}));
    expect(await make().claimLaunch({ roomSid: 'RM_9', room: 'r', profile: 'p' })).toEqual({
      claimed: false,
      existing: { roomSid: '', room: '', profile: '', generation: 0, claimedAt: 0, finished: false },
    });
  });
});

describe('DynamoLedger relaunch claims', () => {
  const expectedInput = (profile: string) => ({
    TableName: 'ledger',
    Key: { pk: { S: 'room#RM_1' } },
    UpdateExpression: 'SET generation = :next, claimedAt = :claimedAt, profile = :profile, expiresAt = :expiresAt',
    ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now AND generation = :generation AND finished = :false',
    ExpressionAttributeValues: {
      ':next': { N: '3' },
      ':generation': { N: '2' },
      ':claimedAt': { N: String(now) },
      ':profile': { S: profile },
      ':expiresAt': { N: String(seconds + roomTtl) },
      ':now': { N: String(seconds) },
      ':false': { BOOL: false },
    },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });

  it('sends a conditional update at the generation it saw, with the profile it is given', async () => {
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { roomSid: { S: 'RM_1' }, room: { S: 'board-q3' }, profile: { S: 'all-hands' }, generation: { N: '3' }, claimedAt: { N: String(now) }, finished: { BOOL: false } } });
    expect(await make().claimRelaunch(record, 'all-hands')).toEqual({ claimed: true, record: { ...record, profile: 'all-hands', generation: 3, claimedAt: now } });
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual(expectedInput('all-hands'));
  });

  it('keeps the profile the sid had when given none', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await make().claimRelaunch(record);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual(expectedInput('board-meeting'));
  });

  it('reports the next generation of the previous record when DynamoDB returns no attributes', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    expect(await make().claimRelaunch(record)).toEqual({ claimed: true, record: { ...record, generation: 3 } });
  });

  it('reads returned attributes without a pk: the sid is the roomSid attribute', async () => {
    dynamo.on(UpdateItemCommand).resolves({ Attributes: { roomSid: { S: 'RM_1' } } });
    expect(await make().claimRelaunch(record)).toEqual({ claimed: true, record: { roomSid: 'RM_1', room: '', profile: '', generation: 0, claimedAt: 0, finished: false } });
  });

  it('reports the record that won when the condition fails, and lets other errors through', async () => {
    dynamo.on(UpdateItemCommand).rejectsOnce(conditionFailed({ pk: { S: 'room#RM_1' }, roomSid: { S: 'RM_1' }, room: { S: 'board-q3' }, profile: { S: 'p' }, generation: { N: '3' }, claimedAt: { N: '7' }, finished: { BOOL: true } }));
    expect(await make().claimRelaunch(record)).toEqual({ claimed: false, existing: { roomSid: 'RM_1', room: 'board-q3', profile: 'p', generation: 3, claimedAt: 7, finished: true } });
    dynamo.on(UpdateItemCommand).rejects(throttled());
    await expect(make().claimRelaunch(record)).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('DynamoLedger give-backs and finishes', () => {
  it('deletes a failed first launch only at its generation and while not finished', async () => {
    dynamo.on(DeleteItemCommand).resolves({});
    await make().releaseLaunch({ ...record, generation: 1 });
    expect(dynamo.commandCalls(DeleteItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      Key: { pk: { S: 'room#RM_1' } },
      ConditionExpression: 'generation = :generation AND finished = :false',
      ExpressionAttributeValues: { ':generation': { N: '1' }, ':false': { BOOL: false } },
    });
  });

  it('zeroes the claim time of a failed relaunch only at its generation and while not finished', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await make().releaseLaunch(record);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      Key: { pk: { S: 'room#RM_1' } },
      UpdateExpression: 'SET claimedAt = :zero',
      ConditionExpression: 'generation = :generation AND finished = :false',
      ExpressionAttributeValues: { ':generation': { N: '2' }, ':false': { BOOL: false }, ':zero': { N: '0' } },
    });
  });

  it('marks a room finished with an upsert that keeps what the item already held', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await make().finishRoom('RM_1', 'board-q3');
    expect(dynamo.commandCalls(UpdateItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ledger',
      Key: { pk: { S: 'room#RM_1' } },
      UpdateExpression:
        'SET finished = :true, expiresAt = :expiresAt, room = if_not_exists(room, :room), profile = if_not_exists(profile, :empty), generation = if_not_exists(generation, :zero), claimedAt = if_not_exists(claimedAt, :zero)',
      ExpressionAttributeValues: { ':true': { BOOL: true }, ':expiresAt': { N: String(seconds + roomTtl) }, ':room': { S: 'board-q3' }, ':empty': { S: '' }, ':zero': { N: '0' } },
    });
  });
});

describe('DynamoLedger lookups', () => {
  const item = { pk: { S: 'room#RM_1' }, roomSid: { S: 'RM_1' }, room: { S: 'board-q3' }, profile: { S: 'board-meeting' }, generation: { N: '2' }, claimedAt: { N: '5' }, finished: { BOOL: false } };

  it('reads the room# key consistently and returns a record that expires this very second', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: { ...item, expiresAt: { N: String(seconds) } } });
    expect(await make().lookup('RM_1')).toEqual(record);
    expect(dynamo.commandCalls(GetItemCommand).map((c) => c.args[0].input)).toEqual([{ TableName: 'ledger', Key: { pk: { S: 'room#RM_1' } }, ConsistentRead: true }]);
  });

  it('returns nothing for a missing item, an expired one, or one without expiresAt', async () => {
    dynamo.on(GetItemCommand).resolvesOnce({}).resolvesOnce({ Item: { ...item, expiresAt: { N: String(seconds - 1) } } }).resolvesOnce({ Item: item });
    const l = make();
    expect(await l.lookup('RM_1')).toBeUndefined();
    expect(await l.lookup('RM_1')).toBeUndefined();
    expect(await l.lookup('RM_1')).toBeUndefined();
  });
});
