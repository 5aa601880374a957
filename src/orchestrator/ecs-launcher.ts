/**
 * Runs each room's agent as an ECS Fargate task. A running task is found by `startedBy` = room
 * sid before launching; RunTask's `clientToken` comes from the launch id (sid + the ledger's
 * generation), so two handlers that somehow hold one claim still start one task.
 *
 * One retry layer: the SDK client's own retries are off (`createEcsClient`), and this launcher
 * retries throttling, 5xx and capacity shortfalls within a time budget. A capacity shortfall
 * (`failures[]`) started nothing, so its retry gets a fresh clientToken: ECS answers a reused
 * token with the original response, i.e. the same failure. A network or throttling retry keeps
 * the token, because that request may have started a task after all.
 */
import {
  ConflictException,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClientConfig,
  type KeyValuePair,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { AgentEnv, agentLaunchEnv, launchRequestProblem, roomFromEnv, type LaunchRequest } from '../common/launch-contract.ts';
import { DEFAULT_MAX_AGENTS, LaunchError, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';
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
  /** Most agent tasks running in the cluster at once, counted before each RunTask. */
  maxAgents?: number;
  /** Attempts for throttling and capacity errors (first try included). */
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  /** No retry starts after this long since the launch began: the webhook's answer waits for it in Lambda. */
  launchBudgetMs?: number;
}

const TAG_ROOM = 'livekit:room';
const TAG_ROOM_SID = 'livekit:room-sid';
const TAG_PROFILE = 'interpreter:profile';

/** RunTask limits (ECS API reference): `startedBy` up to 36 letters, digits, `-` and `_`. */
const STARTED_BY = /^[A-Za-z0-9_-]{1,36}$/;
/** `clientToken`: up to 64 ASCII characters. */
const CLIENT_TOKEN_MAX = 64;
/** All overrides together, JSON formatting included. */
const OVERRIDES_MAX = 8192;
/** Tag values: up to 256 characters of letters, digits, spaces and `_ . : / = + - @`. */
const TAG_VALUE_MAX = 256;

/** An ECS client without the SDK's own retries: the launcher's are the only layer. */
export function createEcsClient(config: ECSClientConfig = {}): ECSClient {
  return new ECSClient({ ...config, maxAttempts: 1 });
}

export class EcsLauncher implements Launcher {
  readonly kind = 'task' as const;
  private readonly client: ECSClient;
  private readonly maxAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly launchBudgetMs: number;
  private readonly maxAgents: number;
  /**
   * Launches under way, by room sid. ListTasks does not show a task RunTask has not returned yet, so
   * a second launch of a sid joins the first instead of checking on its own: check and register are
   * one step in this process (across processes the ledger's claim and the clientToken hold).
   */
  private readonly inFlight = new Map<string, Promise<LaunchResult>>();

  constructor(private readonly options: EcsLauncherOptions) {
    this.client = options.client ?? createEcsClient();
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.launchBudgetMs = options.launchBudgetMs ?? 10_000;
    this.maxAgents = options.maxAgents ?? DEFAULT_MAX_AGENTS;
  }

  refuses(request: LaunchRequest): string | undefined {
    const problem = launchRequestProblem(request);
    if (problem) return problem;
    if (!STARTED_BY.test(request.roomSid)) return `room sid ${JSON.stringify(request.roomSid.slice(0, 64))} cannot be an ECS startedBy (up to 36 letters, digits, - and _)`;
    const size = Buffer.byteLength(JSON.stringify(this.overrides(request)));
    if (size > OVERRIDES_MAX) return `the room name makes the ECS task overrides ${size} bytes; ECS allows ${OVERRIDES_MAX}`;
    return undefined;
  }

  launch(request: LaunchRequest): Promise<LaunchResult> {
    const current = this.inFlight.get(request.roomSid);
    if (current) return current.then((result) => ({ status: 'already-running', ...(result.agent ? { agent: result.agent } : {}) }));
    const launched = this.launchOnce(request);
    this.inFlight.set(request.roomSid, launched);
    const forget = (): void => {
      if (this.inFlight.get(request.roomSid) === launched) this.inFlight.delete(request.roomSid);
    };
    launched.then(forget, forget);
    return launched;
  }

  private async launchOnce(request: LaunchRequest): Promise<LaunchResult> {
    const log = this.options.logger.child({ room: request.room, sid: request.roomSid });
    const refused = this.refuses(request);
    if (refused) throw new LaunchError(`cannot launch an agent for this room: ${refused}`, 422);
    let existing: Task[];
    let running: number;
    try {
      existing = await this.tasksOf(request.roomSid);
      running = existing.length > 0 ? 0 : await this.countRunning();
    } catch (error) {
      throw new LaunchError(`ECS could not list tasks for room ${request.room}: ${error instanceof Error ? error.message : String(error)}`, isRetryable(error) ? 503 : 502, { cause: error });
    }
    if (existing.length > 0) return { status: 'already-running', agent: this.toAgent(existing[0] ?? {}, request) };
    if (running >= this.maxAgents) {
      log.error({ running, maxAgents: this.maxAgents }, `agent cap reached: ${running} agent tasks run (maxAgents ${this.maxAgents}); room ${request.room} gets none until one ends`);
      throw new LaunchError(`the agent cap of ${this.maxAgents} running tasks is reached; room ${request.room} must wait`, 503);
    }

    const input: RunTaskCommandInput = {
      cluster: this.options.cluster,
      taskDefinition: this.options.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: request.roomSid,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      overrides: this.overrides(request),
      tags: [
        { key: TAG_ROOM, value: tagValue(request.room) },
        { key: TAG_ROOM_SID, value: request.roomSid },
        { key: TAG_PROFILE, value: tagValue(request.profile) },
      ],
      enableECSManagedTags: true,
    };
    const deadline = Date.now() + this.launchBudgetMs;
    let capacityRetries = 0;
    for (let attempt = 1; ; attempt++) {
      const token = request.launchId ? clientToken(capacityRetries === 0 ? request.launchId : `${request.launchId}-c${capacityRetries}`) : undefined;
      const mayRetry = attempt < this.maxAttempts && Date.now() + this.delay(attempt) < deadline;
      try {
        const output = await this.client.send(new RunTaskCommand({ ...input, ...(token ? { clientToken: token } : {}) }));
        const failures = output.failures ?? [];
        const task = output.tasks?.[0];
        if (failures.length > 0 || !task) {
          const reasons = failures.map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ') || 'no task returned';
          // Capacity shortfalls come back as failures, not exceptions: they pass with time.
          if (mayRetry && failures.some((f) => /RESOURCE|CAPACITY|AGENT/i.test(f.reason ?? ''))) {
            log.warn({ attempt, reasons }, 'ECS capacity shortfall; retrying with a fresh clientToken');
            capacityRetries++;
            await this.backoff(attempt);
            continue;
          }
          throw new LaunchError(`ECS could not run the agent for room ${request.room}: ${reasons}`, 503);
        }
        return { status: 'launched', agent: this.toAgent(task, request) };
      } catch (error) {
        if (error instanceof ConflictException) {
          // The clientToken already started a task for this launch id.
          log.info('RunTask clientToken already used; agent already launched');
          return { status: 'already-running' };
        }
        if (error instanceof LaunchError) throw error;
        if (mayRetry && isRetryable(error)) {
          log.warn({ attempt, err: String(error) }, 'ECS throttled or unavailable; retrying');
          await this.backoff(attempt);
          continue;
        }
        log.error({ err: String(error) }, 'RunTask failed');
        throw new LaunchError(`RunTask failed for room ${request.room}: ${error instanceof Error ? error.message : String(error)}`, isRetryable(error) ? 503 : 502, { cause: error });
      }
    }
  }

  async stop(room: RoomRef): Promise<number> {
    const tasks = room.sid ? await this.tasksOf(room.sid) : (await this.describeRunning()).filter((t) => tagOf(t, TAG_ROOM) === tagValue(room.name));
    await Promise.all(
      tasks.map((task) =>
        this.client.send(new StopTaskCommand({ cluster: this.options.cluster, task: task.taskArn, reason: `LiveKit room ${tagValue(room.name).slice(0, 200)} finished` })),
      ),
    );
    return tasks.length;
  }

  async running(): Promise<RunningAgent[]> {
    return (await this.describeRunning()).map((task) => this.toAgent(task));
  }

  async close(): Promise<void> {}

  private overrides(request: LaunchRequest): NonNullable<RunTaskCommandInput['overrides']> {
    const environment: KeyValuePair[] = Object.entries(agentLaunchEnv(request)).map(([name, value]) => ({ name, value }));
    return { containerOverrides: [{ name: this.options.containerName, environment }] };
  }

  private async tasksOf(roomSid: string): Promise<Task[]> {
    if (!STARTED_BY.test(roomSid)) return [];
    const listed = await this.client.send(new ListTasksCommand({ cluster: this.options.cluster, startedBy: roomSid, desiredStatus: 'RUNNING' }));
    return (listed.taskArns ?? []).map((taskArn) => ({ taskArn, startedBy: roomSid }));
  }

  /** Tasks whose desired status is RUNNING (pending ones included): the cluster runs only agents. */
  private async countRunning(): Promise<number> {
    let count = 0;
    let nextToken: string | undefined;
    do {
      const listed = await this.client.send(new ListTasksCommand({ cluster: this.options.cluster, desiredStatus: 'RUNNING', nextToken }));
      count += listed.taskArns?.length ?? 0;
      nextToken = listed.nextToken;
    } while (nextToken && count < this.maxAgents);
    return count;
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
    const fromEnv = Object.fromEntries(env.map((e) => [e.name ?? '', e.value]));
    return {
      room: request?.room ?? roomFromEnv(fromEnv) ?? tagOf(task, TAG_ROOM) ?? '',
      roomSid: request?.roomSid ?? tagOf(task, TAG_ROOM_SID) ?? task.startedBy ?? '',
      profile: request?.profile ?? fromEnv[AgentEnv.profile] ?? tagOf(task, TAG_PROFILE) ?? '',
      id: task.taskArn ?? 'unknown-task',
      startedAt: task.createdAt?.getTime() ?? Date.now(),
    };
  }

  private delay(attempt: number): number {
    return this.retryBaseDelayMs * 2 ** (attempt - 1);
  }

  private backoff(attempt: number): Promise<void> {
    const delay = this.delay(attempt) * (0.5 + Math.random());
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

/** What a tag value may hold; the room's exact name travels in the task's environment instead. */
function tagValue(value: string): string {
  // By code point, so a cut never leaves half a surrogate pair.
  return Array.from(value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '_')).slice(0, TAG_VALUE_MAX).join('');
}

function clientToken(launchId: string): string {
  return launchId.replace(/[^\x21-\x7e]/g, '_').slice(0, CLIENT_TOKEN_MAX);
}
