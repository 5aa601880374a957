/**
 * ECS task scale-in protection for a worker task of the pool: while the worker interprets a
 * room, neither a scale-in nor a deployment may stop its task; once it is idle, either may.
 *
 * The task asks its own ECS agent: `PUT $ECS_AGENT_URI/task-protection/v1/state` with
 * `{"ProtectionEnabled": true, "ExpiresInMinutes": N}` (1..2880; 120 when left out). The agent
 * calls ECS UpdateTaskProtection with the task role's credentials, so the task role needs
 * `ecs:UpdateTaskProtection` (amazon-ecs-agent, `ecs-agent/tmds/handlers/taskprotection/v1/
 * handlers`: "no task IAM role credentials available for task" otherwise). A refusal by ECS
 * (a standalone RunTask task: TASK_NOT_VALID) comes back as HTTP 200 with a `failure` body;
 * errors as 4xx/5xx with an `error` body. Protection expires on its own, so it is renewed while
 * rooms last; the agent rejects unknown fields, so the body holds exactly those two.
 * Docs: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-scale-in-protection-endpoint.html
 */
import type { Logger } from 'pino';

export const TASK_PROTECTION_PATH = '/task-protection/v1/state';
/** ECS's own default, stated explicitly so renewals keep to it. */
export const DEFAULT_PROTECTION_MINUTES = 120;
const MAX_PROTECTION_MINUTES = 2880;

export interface TaskProtectionOptions {
  /** `$ECS_AGENT_URI`, which ECS injects into every container of a task. */
  agentUri: string;
  logger: Logger;
  /** How long one protection lasts (default 120 minutes). */
  expiresInMinutes?: number;
  /** How often it is renewed while rooms last (default: half the expiry). */
  renewEveryMs?: number;
  /** A failed request is tried again after this long (default 15 s). */
  retryAfterMs?: number;
  /** Per request (default 3 s: a job waits for the first protection before it is accepted). */
  requestTimeoutMs?: number;
}

/** What the agent last confirmed. */
export interface ProtectionState {
  protected: boolean;
  expiresAt?: string;
  taskArn?: string;
  /** The last request's failure, until one succeeds. */
  error?: string;
}

export class TaskProtectionError extends Error {
  override name = 'TaskProtectionError';
}

interface AgentAnswer {
  protection?: { ProtectionEnabled?: boolean; ExpirationDate?: string; TaskArn?: string };
  failure?: { Arn?: string; Reason?: string; Detail?: string };
  error?: { Arn?: string; Code?: string; Message?: string };
}

/** One PUT to the agent endpoint; throws `TaskProtectionError` with the agent's reason. */
export async function putTaskProtection(agentUri: string, enabled: boolean, expiresInMinutes: number, timeoutMs = 3000): Promise<ProtectionState> {
  const body = enabled ? { ProtectionEnabled: true, ExpiresInMinutes: expiresInMinutes } : { ProtectionEnabled: false };
  let response: Response;
  try {
    response = await fetch(`${agentUri.replace(/\/+$/, '')}${TASK_PROTECTION_PATH}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TaskProtectionError(`ECS agent endpoint unreachable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const text = await response.text();
  let answer: AgentAnswer = {};
  try {
    answer = JSON.parse(text) as AgentAnswer;
  } catch {
    // Not JSON: the status line is all there is to report.
  }
  if (answer.error) throw new TaskProtectionError(`ECS refused task protection (HTTP ${response.status} ${answer.error.Code ?? ''}): ${answer.error.Message ?? text}`);
  if (answer.failure) throw new TaskProtectionError(`ECS refused task protection: ${answer.failure.Reason ?? 'failure'}${answer.failure.Detail ? ` (${answer.failure.Detail})` : ''}`);
  if (!response.ok || !answer.protection) throw new TaskProtectionError(`ECS agent endpoint answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  return {
    protected: answer.protection.ProtectionEnabled === true,
    ...(answer.protection.ExpirationDate ? { expiresAt: answer.protection.ExpirationDate } : {}),
    ...(answer.protection.TaskArn ? { taskArn: answer.protection.TaskArn } : {}),
  };
}

/**
 * Follows a worker's room count: protected from the first room on (renewed while rooms last),
 * unprotected at none. Requests run one at a time and always send the newest wanted state, so
 * quick changes collapse into one request. A failure never throws to the worker: it is logged,
 * kept in `state.error` and tried again; a worker must still take rooms when ECS says no.
 */
export class TaskProtection {
  private wanted = false;
  private confirmed: boolean | undefined;
  private running: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private last: ProtectionState = { protected: false };
  private readonly minutes: number;
  private readonly renewEveryMs: number;

  constructor(private readonly options: TaskProtectionOptions) {
    this.minutes = options.expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES;
    if (!Number.isInteger(this.minutes) || this.minutes < 1 || this.minutes > MAX_PROTECTION_MINUTES) {
      throw new TaskProtectionError(`task protection lasts 1..${MAX_PROTECTION_MINUTES} whole minutes (ECS's limits), got ${options.expiresInMinutes}`);
    }
    this.renewEveryMs = options.renewEveryMs ?? (this.minutes * 60_000) / 2;
    if (!(this.renewEveryMs > 0) || this.renewEveryMs >= this.minutes * 60_000) {
      throw new TaskProtectionError(`task protection must be renewed before it expires: every ${this.renewEveryMs} ms is not less than ${this.minutes} minutes`);
    }
    if (!/^https?:\/\/\S+$/.test(options.agentUri)) throw new TaskProtectionError(`ECS_AGENT_URI must be an http URL, got '${options.agentUri}'`);
  }

  /** What the agent last confirmed (and the last failure, if any). */
  get state(): ProtectionState {
    return { ...this.last };
  }

  /** True while renewals are scheduled (the task holds rooms). */
  get renewing(): boolean {
    return this.renewTimer !== undefined;
  }

  /**
   * The worker's hook (`WorkerSettings.onRoomsChanged`). Settles when the agent has answered for
   * this state, successfully or not; await it before accepting a job to protect first.
   */
  onRoomsChanged(rooms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.wanted = rooms > 0;
    if (this.wanted && !this.renewTimer) {
      this.renewTimer = setInterval(() => void this.sync(true), this.renewEveryMs);
      this.renewTimer.unref();
    } else if (!this.wanted && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
    return this.sync(false);
  }

  /** Stops renewals and retries; a protection already set expires on its own. */
  close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.renewTimer = this.retryTimer = undefined;
    return this.running ?? Promise.resolve();
  }

  private sync(renew: boolean): Promise<void> {
    // A renewal resends "protected" even though it was confirmed: that resets the expiry.
    if (renew && this.wanted) this.confirmed = undefined;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.confirmed !== this.wanted) {
      const enabled = this.wanted;
      try {
        this.last = await putTaskProtection(this.options.agentUri, enabled, this.minutes, this.options.requestTimeoutMs ?? 3000);
        this.confirmed = enabled;
        this.options.logger.debug({ protected: enabled, expiresAt: this.last.expiresAt }, enabled ? 'task protected from scale-in' : 'task protection cleared');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.last = { ...this.last, error: message };
        this.options.logger.warn({ err: message, protect: enabled }, enabled ? 'could not protect this task from scale-in; retrying' : 'could not clear task protection; retrying');
        this.scheduleRetry();
        return;
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.sync(false);
    }, this.options.retryAfterMs ?? 15_000);
    this.retryTimer.unref();
  }
}

/**
 * Task protection when running as an ECS task (ECS sets `ECS_AGENT_URI`), else undefined: a
 * worker on a laptop or another host has nothing to protect.
 */
export function taskProtectionFromEnv(env: Record<string, string | undefined>, logger: Logger, options: Partial<Omit<TaskProtectionOptions, 'agentUri' | 'logger'>> = {}): TaskProtection | undefined {
  const agentUri = env.ECS_AGENT_URI;
  if (!agentUri) return undefined;
  return new TaskProtection({ agentUri, logger, ...options });
}
