/**
 * The launch ledger in a DynamoDB table shared by every Lambda instance (webhook and reconcile).
 * Each "once" is a conditional write: the condition decides the single winner, so two handlers
 * that get the same event or room at the same moment cannot both proceed.
 *
 * Items: `pk` = `event#<id>` or `room#<sid>`; `expiresAt` (seconds) is the table's TTL attribute.
 * DynamoDB deletes expired items only eventually (typically within days), so every condition
 * also treats an item whose `expiresAt` has passed as absent.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_LEDGER_TIMES, type Claim, type LaunchLedger, type LaunchRecord, type LedgerTimes, type RoomClaimInput } from './ledger.ts';

type Item = Record<string, AttributeValue>;

export interface DynamoLedgerOptions {
  table: string;
  client?: DynamoDBClient;
  times?: LedgerTimes;
  now?: () => number;
}

const ABSENT_OR_EXPIRED = 'attribute_not_exists(pk) OR expiresAt < :now';

export class DynamoLedger implements LaunchLedger {
  private readonly client: DynamoDBClient;
  private readonly table: string;
  private readonly times: LedgerTimes;
  private readonly now: () => number;

  constructor(options: DynamoLedgerOptions) {
    this.client = options.client ?? new DynamoDBClient({});
    this.table = options.table;
    this.times = options.times ?? DEFAULT_LEDGER_TIMES;
    this.now = options.now ?? Date.now;
  }

  async rememberEvent(eventId: string): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.table,
        Item: { pk: s(`event#${eventId}`), expiresAt: n(this.expiry(this.times.eventTtlSeconds)) },
        ConditionExpression: ABSENT_OR_EXPIRED,
        ExpressionAttributeValues: { ':now': n(this.seconds()) },
      }),
    );
  }

  async forgetEvent(eventId: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: { pk: s(`event#${eventId}`) } }));
  }

  async claimLaunch(input: RoomClaimInput): Promise<Claim> {
    const record: LaunchRecord = { ...input, generation: 1, claimedAt: this.now(), finished: false };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: ABSENT_OR_EXPIRED,
          ExpressionAttributeValues: { ':now': n(this.seconds()) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, record };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { claimed: false, existing: error.Item ? fromItem(error.Item) : undefined };
      throw error;
    }
  }

  async claimRelaunch(previous: LaunchRecord, profile?: string): Promise<Claim> {
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(`room#${previous.roomSid}`) },
          UpdateExpression: 'SET generation = :next, claimedAt = :claimedAt, profile = :profile, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now AND generation = :generation AND finished = :false',
          ExpressionAttributeValues: {
            ':next': n(previous.generation + 1),
            ':generation': n(previous.generation),
            ':claimedAt': n(this.now()),
            ':profile': s(profile ?? previous.profile),
            ':expiresAt': n(this.expiry(this.times.roomTtlSeconds)),
            ':now': n(this.seconds()),
            ':false': { BOOL: false },
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true, record: output.Attributes ? fromItem(output.Attributes) : { ...previous, generation: previous.generation + 1 } };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { claimed: false, existing: error.Item ? fromItem(error.Item) : undefined };
      throw error;
    }
  }

  async releaseLaunch(record: LaunchRecord): Promise<void> {
    const key = { pk: s(`room#${record.roomSid}`) };
    const condition = { ConditionExpression: 'generation = :generation AND finished = :false', ExpressionAttributeValues: { ':generation': n(record.generation), ':false': { BOOL: false } } };
    // The first claim is removed, so the webhook's retry can claim again; a relaunch keeps its
    // generation with claimedAt 0, so the next reconcile pass may try again at once.
    const command =
      record.generation === 1
        ? new DeleteItemCommand({ TableName: this.table, Key: key, ...condition })
        : new UpdateItemCommand({ TableName: this.table, Key: key, UpdateExpression: 'SET claimedAt = :zero', ...condition, ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':zero': n(0) } });
    await this.conditional(command);
  }

  async finishRoom(roomSid: string, room: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { pk: s(`room#${roomSid}`) },
        UpdateExpression:
          'SET finished = :true, expiresAt = :expiresAt, room = if_not_exists(room, :room), profile = if_not_exists(profile, :empty), generation = if_not_exists(generation, :zero), claimedAt = if_not_exists(claimedAt, :zero)',
        ExpressionAttributeValues: { ':true': { BOOL: true }, ':expiresAt': n(this.expiry(this.times.roomTtlSeconds)), ':room': s(room), ':empty': s(''), ':zero': n(0) },
      }),
    );
  }

  async lookup(roomSid: string): Promise<LaunchRecord | undefined> {
    const output = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { pk: s(`room#${roomSid}`) }, ConsistentRead: true }));
    if (!output.Item || Number(output.Item.expiresAt?.N ?? 0) < this.seconds()) return undefined;
    return fromItem(output.Item);
  }

  /** Sends a conditional write; false when its condition failed. */
  private async conditional(command: PutItemCommand | DeleteItemCommand | UpdateItemCommand): Promise<boolean> {
    try {
      // One union-typed `send` call: the SDK's overloads do not accept a union of commands.
      await (this.client.send as (c: typeof command) => Promise<unknown>).call(this.client, command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private toItem(record: LaunchRecord): Item {
    return {
      pk: s(`room#${record.roomSid}`),
      roomSid: s(record.roomSid),
      room: s(record.room),
      profile: s(record.profile),
      generation: n(record.generation),
      claimedAt: n(record.claimedAt),
      finished: { BOOL: record.finished },
      expiresAt: n(this.expiry(this.times.roomTtlSeconds)),
    };
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private expiry(ttlSeconds: number): number {
    return this.seconds() + ttlSeconds;
  }
}

function s(value: string): AttributeValue {
  return { S: value };
}

function n(value: number): AttributeValue {
  return { N: String(value) };
}

function fromItem(item: Item): LaunchRecord {
  return {
    roomSid: item.roomSid?.S ?? (item.pk?.S ?? '').replace(/^room#/, ''),
    room: item.room?.S ?? '',
    profile: item.profile?.S ?? '',
    generation: Number(item.generation?.N ?? 0),
    claimedAt: Number(item.claimedAt?.N ?? 0),
    finished: item.finished?.BOOL ?? false,
  };
}
