/**
 * Runs each room's agent as an ECS Fargate task. Idempotent by construction: a running task is
 * found by `startedBy` = room sid before launching, and RunTask's `clientToken` is the webhook's
 * event id, so concurrent deliveries of one event collapse into one task on the ECS side too.
 */
import {
  ConflictException,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type KeyValuePair,
  type Task,
} from '@aws-sdk/client-ecs';
import { AgentEnv, agentLaunchEnv, type LaunchRequest } from '../common/launch-contract.ts';
import { LaunchError, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';
import type { Logger } from './log.ts';

export interface EcsSettings {
  cluster: string;
  taskDefinition: string;
  containerName: string;
  subnets: string[];
  securityGroups: string[];
  /** Public subnets without NAT need a public IP to reach LiveKit and Azure. */
  assignPublicIp: boolean;
}

export interface EcsLauncherOptions extends EcsSettings {
  client?: ECSClient;
  logger: Logger;
  /** Attempts for throttling and capacity errors (first try included). */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
}

const TAG_ROOM = 'livekit:room';
const TAG_ROOM_SID = 'livekit:room-sid';
const TAG_PROFILE = 'interpreter:profile';

/** ECS limits `startedBy` to 36 characters; LiveKit sids are shorter, but never send more. */
const STARTED_BY_MAX = 36;
const CLIENT_TOKEN_MAX = 64;

export class EcsLauncher implements Launcher {
  readonly kind = 'ecs' as const;
  private readonly client: ECSClient;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;

  constructor(private readonly options: EcsLauncherOptions) {
    this.client = options.client ?? new ECSClient({});
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    const log = this.options.logger.child({ room: request.room, sid: request.roomSid });
    const existing = await this.tasksOf(request.roomSid);
    if (existing.length > 0) return { status: 'already-running', agent: this.toAgent(existing[0] ?? {}, request) };

    const environment: KeyValuePair[] = Object.entries(agentLaunchEnv(request)).map(([name, value]) => ({ name, value }));
    const input = {
      cluster: this.options.cluster,
      taskDefinition: this.options.taskDefinition,
      launchType: 'FARGATE' as const,
      count: 1,
      startedBy: request.roomSid.slice(0, STARTED_BY_MAX),
      ...(request.eventId ? { clientToken: clientToken(request.eventId) } : {}),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: this.options.assignPublicIp ? ('ENABLED' as const) : ('DISABLED' as const),
        },
      },
      overrides: { containerOverrides: [{ name: this.options.containerName, environment }] },
      tags: [
        { key: TAG_ROOM, value: tagValue(request.room) },
        { key: TAG_ROOM_SID, value: tagValue(request.roomSid) },
        { key: TAG_PROFILE, value: tagValue(request.profile) },
      ],
      enableECSManagedTags: true,
    };

    for (let attempt = 1; ; attempt++) {
      try {
        const output = await this.client.send(new RunTaskCommand(input));
        const failures = output.failures ?? [];
        const task = output.tasks?.[0];
        if (failures.length > 0 || !task) {
          const reasons = failures.map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ') || 'no task returned';
          // Capacity shortfalls come back as failures, not exceptions: they pass with time.
          if (attempt < this.maxAttempts && failures.some((f) => /RESOURCE|CAPACITY|AGENT/i.test(f.reason ?? ''))) {
            log.warn({ attempt, reasons }, 'ECS capacity shortfall; retrying');
            await this.backoff(attempt);
            continue;
          }
          throw new LaunchError(`ECS could not run the agent for room ${request.room}: ${reasons}`, 503);
        }
        return { status: 'launched', agent: this.toAgent(task, request) };
      } catch (error) {
        if (error instanceof ConflictException) {
          // The clientToken already started a task: this delivery is a duplicate.
          log.info('RunTask clientToken already used; agent already launched');
          return { status: 'already-running' };
        }
        if (error instanceof LaunchError) throw error;
        if (attempt < this.maxAttempts && isRetryable(error)) {
          log.warn({ attempt, err: String(error) }, 'ECS throttled or unavailable; retrying');
          await this.backoff(attempt);
          continue;
        }
        log.error({ err: String(error) }, 'RunTask failed');
        throw new LaunchError(`RunTask failed for room ${request.room}: ${error instanceof Error ? error.message : String(error)}`, 502, { cause: error });
      }
    }
  }

  async stop(room: RoomRef): Promise<number> {
    const tasks = room.sid ? await this.tasksOf(room.sid) : (await this.describeRunning()).filter((t) => tagOf(t, TAG_ROOM) === tagValue(room.name));
    await Promise.all(
      tasks.map((task) =>
        this.client.send(new StopTaskCommand({ cluster: this.options.cluster, task: task.taskArn, reason: `LiveKit room ${room.name} finished` })),
      ),
    );
    return tasks.length;
  }

  async running(): Promise<RunningAgent[]> {
    return (await this.describeRunning()).map((task) => this.toAgent(task));
  }

  async close(): Promise<void> {}

  private async tasksOf(roomSid: string): Promise<Task[]> {
    const listed = await this.client.send(
      new ListTasksCommand({ cluster: this.options.cluster, startedBy: roomSid.slice(0, STARTED_BY_MAX), desiredStatus: 'RUNNING' }),
    );
    const arns = listed.taskArns ?? [];
    return arns.map((taskArn) => ({ taskArn, startedBy: roomSid }));
  }

  private async describeRunning(): Promise<Task[]> {
    const tasks: Task[] = [];
    let nextToken: string | undefined;
    do {
      const listed = await this.client.send(new ListTasksCommand({ cluster: this.options.cluster, desiredStatus: 'RUNNING', nextToken }));
      const arns = listed.taskArns ?? [];
      // DescribeTasks takes at most 100 tasks per call.
      for (let i = 0; i < arns.length; i += 100) {
        const described = await this.client.send(new DescribeTasksCommand({ cluster: this.options.cluster, tasks: arns.slice(i, i + 100), include: ['TAGS'] }));
        tasks.push(...(described.tasks ?? []).filter((t) => tagOf(t, TAG_ROOM_SID) !== undefined));
      }
      nextToken = listed.nextToken;
    } while (nextToken);
    return tasks;
  }

  private toAgent(task: Task, request?: LaunchRequest): RunningAgent {
    const env = task.overrides?.containerOverrides?.[0]?.environment ?? [];
    const fromEnv = (name: string) => env.find((e) => e.name === name)?.value;
    return {
      room: request?.room ?? fromEnv(AgentEnv.room) ?? tagOf(task, TAG_ROOM) ?? '',
      roomSid: request?.roomSid ?? tagOf(task, TAG_ROOM_SID) ?? task.startedBy ?? '',
      profile: request?.profile ?? fromEnv(AgentEnv.profile) ?? tagOf(task, TAG_PROFILE) ?? '',
      id: task.taskArn ?? 'unknown-task',
      startedAt: task.createdAt?.getTime() ?? Date.now(),
    };
  }

  private backoff(attempt: number): Promise<void> {
    const delay = this.retryBaseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random());
    return new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $retryable, $metadata } = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if ($retryable) return true;
  if (name && /Throttl|TooManyRequests|ServerException|ServiceUnavailable|LimitExceeded/i.test(name)) return true;
  const status = $metadata?.httpStatusCode ?? 0;
  return status === 429 || status >= 500;
}

function tagOf(task: Task, key: string): string | undefined {
  return task.tags?.find((t) => t.key === key)?.value;
}

/** ECS tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters. */
function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '_').slice(0, 256);
}

/** RunTask accepts up to 64 printable ASCII characters. */
function clientToken(eventId: string): string {
  return eventId.replace(/[^\x21-\x7e]/g, '_').slice(0, CLIENT_TOKEN_MAX);
}
