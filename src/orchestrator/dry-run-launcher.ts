/** Records what it was asked to do, for `interpreter serve --launcher dry-run`, `plan` and tests. */
import { launchRequestProblem, type LaunchRequest } from '../common/launch-contract.ts';
import { LaunchError, servesRoom, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';

export type DryRunCall = { kind: 'launch'; request: LaunchRequest } | { kind: 'stop'; room: RoomRef };

export class DryRunLauncher implements Launcher {
  readonly kind = 'dry-run' as const;
  readonly calls: DryRunCall[] = [];
  private readonly agents: RunningAgent[] = [];
  private counter = 0;

  constructor(private readonly options: { maxAgents?: number } = {}) {}

  refuses(request: LaunchRequest): string | undefined {
    return launchRequestProblem(request);
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    this.calls.push({ kind: 'launch', request });
    const existing = this.agents.find((a) => a.roomSid === request.roomSid);
    if (existing) return { status: 'already-running', agent: existing };
    const problem = this.refuses(request);
    if (problem) throw new LaunchError(`cannot launch an agent for this room: ${problem}`, 422);
    if (this.options.maxAgents !== undefined && this.agents.length >= this.options.maxAgents) {
      throw new LaunchError(`dry-run launcher is at its limit of ${this.options.maxAgents} agents; room ${request.room} must wait`, 503);
    }
    const agent: RunningAgent = { room: request.room, roomSid: request.roomSid, profile: request.profile, id: `dry-run-${++this.counter}`, startedAt: Date.now() };
    this.agents.push(agent);
    return { status: 'launched', agent };
  }

  async stop(room: RoomRef): Promise<number> {
    this.calls.push({ kind: 'stop', room });
    let stopped = 0;
    for (let i = this.agents.length - 1; i >= 0; i--) {
      const agent = this.agents[i];
      if (agent && servesRoom(agent, room)) {
        this.agents.splice(i, 1);
        stopped++;
      }
    }
    return stopped;
  }

  async running(): Promise<RunningAgent[]> {
    return [...this.agents];
  }

  /** Simulates an agent that exited on its own (crash, room ended). */
  forget(room: RoomRef): void {
    for (let i = this.agents.length - 1; i >= 0; i--) {
      const agent = this.agents[i];
      if (agent && servesRoom(agent, room)) this.agents.splice(i, 1);
    }
  }

  launches(): LaunchRequest[] {
    return this.calls.flatMap((c) => (c.kind === 'launch' ? [c.request] : []));
  }

  async close(): Promise<void> {}
}
