/**
 * Keeps the ECS Service of interpreter workers at the size the sizing rule asks for, with
 * ECS's own UpdateService/DescribeServices. Two directions, two callers:
 *
 * - `scaleOut` (the webhook, on `room_started`) only ever raises the desired count. Lambdas
 *   answering a burst of rooms run at once and ECS has no conditional update, so one that read a
 *   smaller room count can write a smaller number after another wrote a larger one; each writer
 *   therefore reads back once and writes again if the count fell below its own. What is left of
 *   that race, reconcile repairs within a minute (it scales out too).
 * - `reconcile` (the schedule) scales out the same way, and scales in only after the pool has
 *   been larger than needed for a whole idle period, to the largest size needed during that
 *   period. Tasks with a meeting are protected from scale-in (task-protection.ts), so ECS picks
 *   idle ones to stop. The period is remembered in this process: a reconcile container that is
 *   replaced starts it again, which delays a scale-in and never hastens one.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Logger } from './log.ts';
import { desiredTasks, type PoolSizing } from './pool-sizing.ts';

export interface PoolScalerOptions {
  cluster: string;
  service: string;
  sizing: PoolSizing;
  /** How long the pool must be larger than needed before reconcile shrinks it. */
  scaleInIdleMs: number;
  logger: Logger;
  client?: ECSClient;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

export type ScaleAction = 'scaled-out' | 'scaled-in' | 'unchanged' | 'waiting-to-scale-in';

export interface ScaleResult {
  action: ScaleAction;
  /** The service's desired count before and after. */
  from: number;
  to: number;
  /** What the sizing rule asks for now. */
  wanted: number;
  activeRooms: number;
}

/** The service cannot be read or updated; the message says which and why. */
export class PoolScalingError extends Error {
  override name = 'PoolScalingError';
}

export class PoolScaler {
  private readonly client: ECSClient;
  private readonly now: () => number;
  /** Since when the pool has been larger than needed, and the most it needed since then. */
  private surplus: { since: number; peak: number } | undefined;

  constructor(private readonly options: PoolScalerOptions) {
    this.client = options.client ?? new ECSClient({});
    this.now = options.now ?? Date.now;
  }

  /** Raises the desired count to what `activeRooms` needs; never lowers it. */
  async scaleOut(activeRooms: number): Promise<ScaleResult> {
    const wanted = desiredTasks(activeRooms, this.options.sizing);
    const from = await this.desiredCount();
    if (wanted <= from) return { action: 'unchanged', from, to: from, wanted, activeRooms };
    await this.update(wanted);
    // A concurrent writer that read fewer rooms may have just written less than this.
    const after = await this.desiredCount();
    if (after < wanted) await this.update(wanted);
    this.options.logger.info({ pool: this.options.service, from, to: wanted, activeRooms }, `worker pool scaled out to ${wanted} tasks`);
    return { action: 'scaled-out', from, to: wanted, wanted, activeRooms };
  }

  /** One reconcile pass: out at once when short, in only after a whole idle period of surplus. */
  async reconcile(activeRooms: number): Promise<ScaleResult> {
    const wanted = desiredTasks(activeRooms, this.options.sizing);
    const from = await this.desiredCount();
    if (wanted > from) {
      this.surplus = undefined;
      return this.scaleOut(activeRooms);
    }
    if (wanted === from) {
      this.surplus = undefined;
      return { action: 'unchanged', from, to: from, wanted, activeRooms };
    }
    const now = this.now();
    this.surplus = this.surplus ? { since: this.surplus.since, peak: Math.max(this.surplus.peak, wanted) } : { since: now, peak: wanted };
    if (now - this.surplus.since < this.options.scaleInIdleMs) return { action: 'waiting-to-scale-in', from, to: from, wanted, activeRooms };
    const to = this.surplus.peak;
    this.surplus = undefined;
    if (to >= from) return { action: 'unchanged', from, to: from, wanted, activeRooms };
    await this.update(to);
    this.options.logger.info({ pool: this.options.service, from, to, activeRooms }, `worker pool scaled in to ${to} tasks after ${Math.round(this.options.scaleInIdleMs / 60_000)} idle minutes`);
    return { action: 'scaled-in', from, to, wanted, activeRooms };
  }

  private async desiredCount(): Promise<number> {
    const { cluster, service } = this.options;
    let output;
    try {
      output = await this.client.send(new DescribeServicesCommand({ cluster, services: [service] }));
    } catch (error) {
      throw new PoolScalingError(`DescribeServices ${service} failed: ${message(error)}`, { cause: error });
    }
    const found = output.services?.find((s) => s.serviceArn === service || s.serviceName === service || s.serviceArn?.endsWith(`/${service}`));
    if (!found || found.status !== 'ACTIVE') {
      const reason = output.failures?.[0]?.reason ?? (found ? `status ${found.status}` : 'not found');
      throw new PoolScalingError(`worker service ${service} in cluster ${cluster} cannot be scaled: ${reason}`);
    }
    return found.desiredCount ?? 0;
  }

  private async update(desiredCount: number): Promise<void> {
    const { cluster, service } = this.options;
    try {
      await this.client.send(new UpdateServiceCommand({ cluster, service, desiredCount }));
    } catch (error) {
      throw new PoolScalingError(`UpdateService ${service} to ${desiredCount} tasks failed: ${message(error)}`, { cause: error });
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
