/** Deployment settings: defaults, context over env, and a clear message for each bad value. */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../../infra/settings.ts';

const fromContext = (context: Record<string, unknown>) => (key: string) => context[key];

describe('readSettings', () => {
  it('defaults to configs/, a new public-subnet VPC, 1 vCPU / 2 GiB x86_64, 30-day logs, a warm worker pool', () => {
    expect(readSettings(fromContext({}), {})).toEqual({
      profilesDir: 'configs',
      privateSubnets: false,
      taskCpu: 1024,
      taskMemoryMiB: 2048,
      cpuArchitecture: 'x86_64',
      logRetention: RetentionDays.ONE_MONTH,
      webhookConcurrency: 5,
      maxAgents: 20,
      launch: 'dispatch',
      pool: { minWorkers: 1, maxWorkers: 10, roomsPerWorker: 3, bufferRooms: 3, scaleInIdleMinutes: 15 },
    });
  });

  it('reads the launch mode and the pool settings', () => {
    expect(readSettings(fromContext({ launch: 'task' }), {}).launch).toBe('task');
    expect(readSettings(fromContext({ minWorkers: 0, maxWorkers: '30', roomsPerWorker: 4, bufferRooms: 0, scaleInIdleMinutes: 60 }), {}).pool).toEqual({
      minWorkers: 0,
      maxWorkers: 30,
      roomsPerWorker: 4,
      bufferRooms: 0,
      scaleInIdleMinutes: 60,
    });
  });

  it('takes context first, then the environment', () => {
    const settings = readSettings(fromContext({ livekitUrl: 'wss://a.example', vpcId: 'vpc-0abc' }), {
      LIVEKIT_URL: 'wss://b.example',
      INTERPRETER_PROFILES_DIR: 'rooms',
    });
    expect(settings).toMatchObject({ livekitUrl: 'wss://a.example', vpcId: 'vpc-0abc', profilesDir: 'rooms' });
  });

  it('accepts every documented knob', () => {
    const settings = readSettings(
      fromContext({ privateSubnets: 'true', taskCpu: 2048, taskMemory: '4096', cpuArchitecture: 'arm64', logRetentionDays: '7', webhookConcurrency: '0' }),
      {},
    );
    expect(settings).toMatchObject({ privateSubnets: true, taskCpu: 2048, taskMemoryMiB: 4096, cpuArchitecture: 'arm64', logRetention: RetentionDays.ONE_WEEK, webhookConcurrency: 0 });
  });

  it.each([
    [{ livekitUrl: 'https://x.example' }, "livekitUrl: 'https://x.example' must start with wss://"],
    [{ vpcId: 'my-vpc' }, "vpcId: 'my-vpc' is not a VPC id"],
    [{ taskCpu: 1000 }, 'taskCpu: 1000 is not a Fargate size'],
    [{ taskCpu: 512, taskMemory: 8192 }, 'taskMemory: 8192 MiB does not fit taskCpu 512; use 1024..4096 in steps of 1024'],
    [{ cpuArchitecture: 'mips' }, "cpuArchitecture: 'mips' must be x86_64 or arm64"],
    [{ logRetentionDays: 10 }, 'logRetentionDays: 10 is not a CloudWatch retention'],
    [{ privateSubnets: 'yes' }, "privateSubnets: 'yes' must be true or false"],
    [{ webhookConcurrency: '-1' }, "webhookConcurrency: '-1' is not a whole number"],
    [{ maxAgents: '0' }, 'maxAgents: must be at least 1'],
    [{ azureSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:azure' }, 'azureSecretArn: '],
    [{ launch: 'ecs' }, "launch: 'ecs' must be dispatch (a warm worker pool) or task (a Fargate task per room)"],
    [{ minWorkers: 5, maxWorkers: 2 }, 'minWorkers (5) is above maxWorkers (2)'],
    [{ roomsPerWorker: 0 }, 'roomsPerWorker must be a whole number of at least 1 (got 0)'],
    [{ maxWorkers: 0 }, 'maxWorkers must be a whole number of at least 1 (got 0)'],
    [{ bufferRooms: 'two' }, "bufferRooms: 'two' is not a whole number"],
  ])('rejects %j', (context, message) => {
    expect(() => readSettings(fromContext(context), {})).toThrow(SettingsError);
    expect(() => readSettings(fromContext(context), {})).toThrow(message);
  });

  it('reads the Speech resource kind and tier for the agents, and refuses others', () => {
    expect(readSettings(fromContext({ speechResourceKind: 'foundry', speechTier: 'F0' }), {}).speechResource).toEqual({ kind: 'foundry', tier: 'F0' });
    expect(readSettings(fromContext({}), {}).speechResource).toBeUndefined();
    expect(() => readSettings(fromContext({ speechResourceKind: 'cognitive', speechTier: 'S1' }), {})).toThrow(/speechResourceKind: 'cognitive' must be speech[\s\S]*speechTier: 'S1' must be S0 or F0/);
  });

  it('lists every bad setting at once', () => {
    expect(() => readSettings(fromContext({ taskCpu: 3, vpcId: 'x' }), {})).toThrow(/vpcId[\s\S]*taskCpu/);
  });
});
