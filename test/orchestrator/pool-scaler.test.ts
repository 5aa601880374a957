/**
 * The scaler against ECS's DescribeServices/UpdateService, mocked at the SDK client (the only
 * boundary nothing here can run). The mock keeps one service's desired count as ECS would.
 */
import { DescribeServicesCommand, ECSClient, ECSServiceException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PoolScaler, PoolScalingError } from '../../src/orchestrator/pool-scaler.ts';
import type { PoolSizing } from '../../src/orchestrator/pool-sizing.ts';
import { capturingLogger, silentLogger } from './helpers.ts';

const ecs = mockClient(ECSClient);
const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service/interp/workers';
const sizing: PoolSizing = { minTasks: 1, maxTasks: 6, roomsPerTask: 2, bufferRooms: 2 };
let desired: number;
const writes: number[] = [];

function serve(service: { status?: string } = {}) {
  ecs.on(DescribeServicesCommand).callsFake(() => ({ services: [{ serviceArn: SERVICE_ARN, serviceName: 'workers', status: service.status ?? 'ACTIVE', desiredCount: desired }], failures: [] }));
  ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount?: number }) => {
    desired = input.desiredCount ?? desired;
    writes.push(desired);
    return { service: { serviceArn: SERVICE_ARN, desiredCount: desired } };
  });
}

function scaler(clock: { now: number } = { now: 0 }, idleMinutes = 15) {
  return new PoolScaler({ cluster: 'interp', service: SERVICE_ARN, sizing, scaleInIdleMs: idleMinutes * 60_000, logger: silentLogger(), client: new ECSClient({ region: 'eu-west-1' }), now: () => clock.now });
}

beforeEach(() => {
  ecs.reset();
  desired = 1;
  writes.length = 0;
  serve();
});

describe('scaleOut (the webhook on room_started)', () => {
  it('raises the desired count to what the rooms and the buffer need, addressing the service by cluster and ARN', async () => {
    const result = await scaler().scaleOut(3);
    expect(result).toEqual({ action: 'scaled-out', from: 1, to: 3, wanted: 3, activeRooms: 3 });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({ cluster: 'interp', service: SERVICE_ARN, desiredCount: 3 });
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({ cluster: 'interp', services: [SERVICE_ARN] });
    expect(desired).toBe(3);
    // One write: reading back found it in place.
    expect(writes).toEqual([3]);
  });

  it('writes nothing when the pool already has what the rooms need', async () => {
    desired = 3;
    expect(await scaler().scaleOut(3)).toEqual({ action: 'unchanged', from: 3, to: 3, wanted: 3, activeRooms: 3 });
    expect(writes).toEqual([]);
  });

  it('never scales in, however few rooms there are', async () => {
    desired = 5;
    expect(await scaler().scaleOut(0)).toMatchObject({ action: 'unchanged', from: 5, to: 5, wanted: 1 });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });

  it('stops at maxTasks', async () => {
    expect(await scaler().scaleOut(40)).toMatchObject({ action: 'scaled-out', to: 6 });
  });

  it('writes again when a concurrent, smaller write landed after its own', async () => {
    // Another Lambda, which counted fewer rooms, writes 2 right after this one wrote 4.
    let first = true;
    ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount?: number }) => {
      desired = input.desiredCount ?? desired;
      writes.push(desired);
      if (first) {
        first = false;
        desired = 2;
        writes.push(2);
      }
      return {};
    });
    await scaler().scaleOut(5);
    expect(writes).toEqual([4, 2, 4]);
    expect(desired).toBe(4);
  });

  it('names the service when ECS cannot find or update it', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    await expect(scaler().scaleOut(1)).rejects.toThrow(/worker service .*workers in cluster interp cannot be scaled: MISSING/);

    serve({ status: 'DRAINING' });
    await expect(scaler().scaleOut(1)).rejects.toThrow(/status DRAINING/);

    serve();
    ecs.on(UpdateServiceCommand).rejects(new ECSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'not authorized to perform: ecs:UpdateService' }));
    const failure = scaler().scaleOut(3);
    await expect(failure).rejects.toBeInstanceOf(PoolScalingError);
    await expect(failure).rejects.toThrow(/UpdateService .* to 3 tasks failed: not authorized/);
    await expect(failure).rejects.toMatchObject({ name: 'PoolScalingError', cause: expect.objectContaining({ name: 'AccessDeniedException' }) });
  });

  it('names the service when ECS cannot be asked, or answers without a list or a reason', async () => {
    ecs.on(DescribeServicesCommand).rejects(new Error('connect ETIMEDOUT'));
    await expect(scaler().scaleOut(1)).rejects.toMatchObject({ name: 'PoolScalingError', message: `DescribeServices ${SERVICE_ARN} failed: connect ETIMEDOUT`, cause: expect.any(Error) });
    ecs.on(DescribeServicesCommand).resolves({});
    await expect(scaler().scaleOut(1)).rejects.toThrow(`worker service ${SERVICE_ARN} in cluster interp cannot be scaled: not found`);
    ecs.on(DescribeServicesCommand).resolves({ failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
    await expect(scaler().scaleOut(1)).rejects.toThrow(/cannot be scaled: MISSING$/);
  });

  it('finds the service by name as well as by ARN', async () => {
    desired = 2;
    const byName = new PoolScaler({ cluster: 'interp', service: 'workers', sizing, scaleInIdleMs: 0, logger: silentLogger(), client: new ECSClient({ region: 'eu-west-1' }) });
    expect(await byName.scaleOut(0)).toMatchObject({ action: 'unchanged', from: 2 });
  });
});

describe('reconcile (the schedule)', () => {
  it('scales out at once when the pool is short (a lost room_started, or a lost race)', async () => {
    expect(await scaler().reconcile(4)).toMatchObject({ action: 'scaled-out', from: 1, to: 3 });
  });

  it('scales in only after a whole idle period of surplus, to the most needed during it', async () => {
    desired = 5;
    const clock = { now: 0 };
    const pool = scaler(clock, 15);
    expect(await pool.reconcile(0)).toMatchObject({ action: 'waiting-to-scale-in', from: 5, wanted: 1 });
    clock.now = 5 * 60_000;
    expect(await pool.reconcile(3)).toMatchObject({ action: 'waiting-to-scale-in', wanted: 3 });
    clock.now = 14 * 60_000;
    expect(await pool.reconcile(0)).toMatchObject({ action: 'waiting-to-scale-in' });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    clock.now = 15 * 60_000;
    // Three rooms were open five minutes ago: shrink to what they needed, not to today's one.
    expect(await pool.reconcile(0)).toEqual({ action: 'scaled-in', from: 5, to: 3, wanted: 1, activeRooms: 0 });
    expect(desired).toBe(3);
    // A new idle period starts from here.
    clock.now = 16 * 60_000;
    expect(await pool.reconcile(0)).toMatchObject({ action: 'waiting-to-scale-in', from: 3 });
  });

  it('starts the idle period again when the surplus goes away in between', async () => {
    desired = 4;
    const clock = { now: 0 };
    const pool = scaler(clock, 10);
    await pool.reconcile(0);
    clock.now = 6 * 60_000;
    expect(await pool.reconcile(6)).toMatchObject({ action: 'unchanged', wanted: 4 });
    clock.now = 11 * 60_000;
    expect(await pool.reconcile(0)).toMatchObject({ action: 'waiting-to-scale-in' });
    clock.now = 21 * 60_000;
    expect(await pool.reconcile(0)).toMatchObject({ action: 'scaled-in', to: 1 });
  });

  it('does not scale in to a size the pool already has (lowered by hand meanwhile)', async () => {
    desired = 5;
    const clock = { now: 0 };
    const pool = scaler(clock, 15);
    expect(await pool.reconcile(2)).toMatchObject({ action: 'waiting-to-scale-in', wanted: 2 });
    desired = 2;
    clock.now = 15 * 60_000;
    expect(await pool.reconcile(0)).toEqual({ action: 'unchanged', from: 2, to: 2, wanted: 1, activeRooms: 0 });
    expect(writes).toEqual([]);
  });

  it('says how long the pool was idle when it scales in', async () => {
    desired = 3;
    const clock = { now: 0 };
    const { logger, lines } = capturingLogger();
    const pool = new PoolScaler({ cluster: 'interp', service: SERVICE_ARN, sizing, scaleInIdleMs: 15 * 60_000, logger, client: new ECSClient({ region: 'eu-west-1' }), now: () => clock.now });
    await pool.reconcile(0);
    clock.now = 15 * 60_000;
    await pool.reconcile(0);
    expect(lines).toEqual([expect.objectContaining({ pool: SERVICE_ARN, from: 3, to: 1, activeRooms: 0, msg: 'worker pool scaled in to 1 tasks after 15 idle minutes' })]);
  });

  it('logs each change with the pool and the room count', async () => {
    const { logger, lines } = capturingLogger();
    const pool = new PoolScaler({ cluster: 'interp', service: SERVICE_ARN, sizing, scaleInIdleMs: 0, logger, client: new ECSClient({ region: 'eu-west-1' }) });
    await pool.scaleOut(3);
    await pool.reconcile(0);
    expect(lines.map((line) => line.msg)).toEqual(['worker pool scaled out to 3 tasks', 'worker pool scaled in to 1 tasks after 0 idle minutes']);
    expect(lines[0]).toMatchObject({ pool: SERVICE_ARN, from: 1, to: 3, activeRooms: 3 });
  });
});
