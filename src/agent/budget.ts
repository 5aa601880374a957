/**
 * The Azure session budget of a deployment, beside the quota of each Speech resource.
 *
 * Azure counts concurrent sessions per resource (100 on S0 by default), for every agent using
 * that resource at once; a per-process cap alone bounds nothing when the pool grows. The budget
 * here is a **static share**: the deployment's total (`AZURE_SPEECH_SESSION_BUDGET`) divided by
 * the agent processes that may run at once (`AZURE_SPEECH_BUDGET_AGENTS`, else the orchestrator's
 * `INTERPRETER_MAX_AGENTS`), rounded down. It needs no coordination, so it holds when agents crash, partition or
 * scale out, and it never oversubscribes the resource. Its cost: a busy room cannot borrow what
 * an idle room leaves unused. Pooling (a leased counter in the orchestrator's DynamoDB ledger,
 * conditional updates, leases that expire with a crashed agent) would use the budget fully at the
 * price of a round trip per open and a store on the audio path; it is not built (docs/operations.md).
 *
 * Inside one process, rooms share one `SessionBudget`: each room holds what its plan keeps.
 */
import { SpeechResourceError } from '../common/azure-resource.ts';

export class SessionBudget {
  private readonly held = new Map<object, number>();
  private readonly waiting = new Set<() => void>();
  private total = 0;

  /** @param limit sessions this process may hold at once, across its rooms */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`a session budget must be a whole number >= 0, got ${limit}`);
  }

  /** Sessions `owner` may hold: the limit less what the other owners hold. */
  freeFor(owner: object): number {
    return Math.max(0, this.limit - (this.total - (this.held.get(owner) ?? 0)));
  }

  /** Records what `owner` holds now (0 releases it); fewer than before tells the other rooms. */
  hold(owner: object, sessions: number): void {
    const before = this.held.get(owner) ?? 0;
    this.total += sessions - before;
    if (sessions > 0) this.held.set(owner, sessions);
    else this.held.delete(owner);
    if (sessions < before) for (const freed of [...this.waiting]) freed();
  }

  /** Calls `freed` whenever some room gives sessions back; returns the unsubscribe. */
  onFreed(freed: () => void): () => void {
    this.waiting.add(freed);
    return () => this.waiting.delete(freed);
  }

  get inUse(): number {
    return this.total;
  }
}

/** A setting of the Azure Speech resource's use: the CLI and the worker report it as they report the others. */
export class BudgetSettingError extends SpeechResourceError {
  override name = 'BudgetSettingError';
}

export const BudgetEnv = {
  /** Concurrent Azure sessions the whole deployment may hold (all agents on the resource). */
  total: 'AZURE_SPEECH_SESSION_BUDGET',
  /** Agent processes (rooms) that may run at once and share the total. */
  agents: 'AZURE_SPEECH_BUDGET_AGENTS',
  /** The orchestrator's own bound on agents running at once: the share's divisor when the above is unset. */
  maxAgents: 'INTERPRETER_MAX_AGENTS',
} as const;

/**
 * This agent's share of the deployment budget, or undefined when none is set.
 * @throws BudgetSettingError on a value that is not a whole number, or a total without agents
 */
export function agentBudgetFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const total = wholeNumber(env, BudgetEnv.total, 0);
  if (total === undefined) return undefined;
  const agents = wholeNumber(env, BudgetEnv.agents, 1) ?? wholeNumber(env, BudgetEnv.maxAgents, 1);
  if (agents === undefined) {
    throw new BudgetSettingError(
      `${BudgetEnv.total} is set but neither ${BudgetEnv.agents} nor ${BudgetEnv.maxAgents} is: set one to the most agents (rooms) that run at once, so each takes ${BudgetEnv.total} / agents`,
    );
  }
  return Math.floor(total / agents);
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw new BudgetSettingError(`${name} must be a whole number >= ${min}, got "${text}"`);
  return Number(text);
}
