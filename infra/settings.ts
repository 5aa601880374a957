/**
 * Deployment settings: read from CDK context (`cdk deploy -c key=value` or `cdk.json`), with an
 * environment variable as fallback, checked once so a typo fails the synth with a clear message
 * instead of deploying something surprising. Nothing here needs AWS credentials unless `vpcId`
 * asks for a VPC lookup.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_POOL_SIZING, DEFAULT_SCALE_IN_IDLE_MINUTES, poolSizingProblems } from '../src/orchestrator/pool-sizing.ts';

export type CpuArchitectureName = 'x86_64' | 'arm64';

/**
 * How rooms get their interpreter: `dispatch`, an explicit dispatch to a warm pool of worker
 * tasks (an ECS Service, seconds or less); `task`, a Fargate task per room (strict isolation,
 * tens of seconds to start).
 */
export type LaunchMode = 'dispatch' | 'task';

/** The warm pool (`launch: dispatch`), sized by the rule in src/orchestrator/pool-sizing.ts. */
export interface PoolSettings {
  minWorkers: number;
  maxWorkers: number;
  /** Rooms one worker task interprets at once (the worker's `--max-rooms`). */
  roomsPerWorker: number;
  /** Free room slots kept warm beyond the open rooms. */
  bufferRooms: number;
  /** How long the pool must be larger than needed before reconcile shrinks it. */
  scaleInIdleMinutes: number;
}

export interface InfraSettings {
  /** LiveKit server URL (`wss://...`). Absent: `cdk deploy` asks for the `LiveKitUrl` parameter. */
  livekitUrl?: string;
  /** Folder of YAML room profiles, relative to the project root. */
  profilesDir: string;
  /** Existing VPC to run tasks in (looked up at synth; needs credentials and an account/region). */
  vpcId?: string;
  /** Run tasks in private subnets behind NAT instead of public subnets with a public IP. */
  privateSubnets: boolean;
  /** Fargate task size. */
  taskCpu: number;
  taskMemoryMiB: number;
  cpuArchitecture: CpuArchitectureName;
  /** Days CloudWatch keeps the handler's and the agents' logs. */
  logRetention: RetentionDays;
  /** Reserved concurrency of the webhook handler; 0 = none (new accounts with a limit of 10 need this). */
  webhookConcurrency: number;
  /** Most agent tasks running at once (a cost ceiling), counted before each RunTask. */
  maxAgents: number;
  /** Import existing secrets instead of creating placeholders (complete ARNs). */
  azureSecretArn?: string;
  livekitSecretArn?: string;
  launch: LaunchMode;
  pool: PoolSettings;
  /** The Azure Speech resource's kind and tier, passed to the agents (`speechResourceKind`, `speechTier`). */
  speechResource?: { kind?: 'speech' | 'foundry'; tier?: 'S0' | 'F0' };
}

/** A setting that cannot be used; the message says which one and what is accepted. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Reads a context value; `undefined` when unset. `tryGetContext` on a CDK node fits. */
export type ContextReader = (key: string) => unknown;

const SETTING_ENV: Record<string, string> = {
  livekitUrl: 'LIVEKIT_URL',
  profiles: 'INTERPRETER_PROFILES_DIR',
  vpcId: 'INTERPRETER_VPC_ID',
};

/** Fargate's valid CPU units and, for each, the memory sizes (MiB) it accepts. */
const FARGATE_SIZES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

export function readSettings(context: ContextReader, env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const problems: string[] = [];
  const raw = (key: string): string | undefined => {
    const value = context(key) ?? (SETTING_ENV[key] ? env[SETTING_ENV[key]] : undefined);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  };
  const integer = (key: string, fallback: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) {
      problems.push(`${key}: '${value}' is not a whole number`);
      return fallback;
    }
    return parsed;
  };
  const flag = (key: string): boolean => {
    const value = raw(key);
    if (value === undefined) return false;
    if (value === 'true' || value === 'false') return value === 'true';
    problems.push(`${key}: '${value}' must be true or false`);
    return false;
  };
  const secretArn = (key: string): string | undefined => {
    const value = raw(key);
    // Secrets Manager ARNs end in a 6-character suffix; a partial ARN would need wildcard grants.
    if (value !== undefined && !/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(value)) {
      problems.push(`${key}: '${value}' is not a complete Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-XXXXXX)`);
      return undefined;
    }
    return value;
  };

  const livekitUrl = raw('livekitUrl');
  if (livekitUrl !== undefined && !/^wss?:\/\/[^\s]+$/.test(livekitUrl)) {
    problems.push(`livekitUrl: '${livekitUrl}' must start with wss:// (or ws://)`);
  }

  const vpcId = raw('vpcId');
  if (vpcId !== undefined && !/^vpc-[0-9a-f]+$/.test(vpcId)) problems.push(`vpcId: '${vpcId}' is not a VPC id (vpc-...)`);

  const taskCpu = integer('taskCpu', 1024);
  const taskMemoryMiB = integer('taskMemory', 2048);
  const size = FARGATE_SIZES[taskCpu];
  if (!size) {
    problems.push(`taskCpu: ${taskCpu} is not a Fargate size; use one of ${Object.keys(FARGATE_SIZES).join(', ')}`);
  } else if (taskMemoryMiB < size.min || taskMemoryMiB > size.max || taskMemoryMiB % size.step !== 0) {
    problems.push(`taskMemory: ${taskMemoryMiB} MiB does not fit taskCpu ${taskCpu}; use ${size.min}..${size.max} in steps of ${size.step}`);
  }

  const architecture = raw('cpuArchitecture') ?? 'x86_64';
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    problems.push(`cpuArchitecture: '${architecture}' must be x86_64 or arm64`);
  }

  const retentionDays = integer('logRetentionDays', 30);
  const validRetention = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);
  if (!validRetention.includes(retentionDays)) {
    problems.push(`logRetentionDays: ${retentionDays} is not a CloudWatch retention; use one of ${validRetention.join(', ')}`);
  }

  const launch = raw('launch') ?? 'dispatch';
  if (launch !== 'dispatch' && launch !== 'task') problems.push(`launch: '${launch}' must be dispatch (a warm worker pool) or task (a Fargate task per room)`);
  const pool: PoolSettings = {
    minWorkers: integer('minWorkers', DEFAULT_POOL_SIZING.minTasks),
    maxWorkers: integer('maxWorkers', DEFAULT_POOL_SIZING.maxTasks),
    roomsPerWorker: integer('roomsPerWorker', DEFAULT_POOL_SIZING.roomsPerTask),
    bufferRooms: integer('bufferRooms', DEFAULT_POOL_SIZING.bufferRooms),
    scaleInIdleMinutes: integer('scaleInIdleMinutes', DEFAULT_SCALE_IN_IDLE_MINUTES),
  };
  // The same check the handlers make at run time, in the settings' own names.
  const names: Record<string, string> = { minTasks: 'minWorkers', maxTasks: 'maxWorkers', roomsPerTask: 'roomsPerWorker' };
  for (const problem of poolSizingProblems({ minTasks: pool.minWorkers, maxTasks: pool.maxWorkers, roomsPerTask: pool.roomsPerWorker, bufferRooms: pool.bufferRooms })) {
    problems.push(problem.replace(/\b(minTasks|maxTasks|roomsPerTask)\b/g, (name) => names[name] ?? name));
  }

  const settings: InfraSettings = {
    profilesDir: raw('profiles') ?? 'configs',
    privateSubnets: flag('privateSubnets'),
    taskCpu,
    taskMemoryMiB,
    cpuArchitecture: architecture === 'arm64' ? 'arm64' : 'x86_64',
    logRetention: retentionDays as RetentionDays,
    webhookConcurrency: integer('webhookConcurrency', 5),
    maxAgents: integer('maxAgents', 20),
    launch: launch === 'task' ? 'task' : 'dispatch',
    pool,
  };
  if (settings.maxAgents < 1) problems.push('maxAgents: must be at least 1');
  const speechKind = raw('speechResourceKind');
  const speechTier = raw('speechTier');
  if (speechKind !== undefined && speechKind !== 'speech' && speechKind !== 'foundry') problems.push(`speechResourceKind: '${speechKind}' must be speech (a Speech resource: two target languages per session) or foundry (an AI Foundry resource)`);
  if (speechTier !== undefined && speechTier !== 'S0' && speechTier !== 'F0') problems.push(`speechTier: '${speechTier}' must be S0 or F0`);
  if (speechKind === 'speech' || speechKind === 'foundry' || speechTier === 'S0' || speechTier === 'F0') {
    settings.speechResource = {
      ...(speechKind === 'speech' || speechKind === 'foundry' ? { kind: speechKind } : {}),
      ...(speechTier === 'S0' || speechTier === 'F0' ? { tier: speechTier } : {}),
    };
  }
  if (livekitUrl !== undefined) settings.livekitUrl = livekitUrl;
  if (vpcId !== undefined) settings.vpcId = vpcId;
  const azureSecretArn = secretArn('azureSecretArn');
  if (azureSecretArn !== undefined) settings.azureSecretArn = azureSecretArn;
  const livekitSecretArn = secretArn('livekitSecretArn');
  if (livekitSecretArn !== undefined) settings.livekitSecretArn = livekitSecretArn;

  if (problems.length > 0) {
    throw new SettingsError(`invalid deployment settings:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return settings;
}
