/**
 * Runs each room's agent as a child process on this machine (`interpreter serve`): one process per
 * room, logs prefixed with the room name, SIGTERM then SIGKILL on stop, a cap on how many run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { agentLaunchEnv, type LaunchRequest } from '../common/launch-contract.ts';
import { LaunchError, servesRoom, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';
import type { Logger } from './log.ts';

export const INTERPRETER_BIN = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

export interface LocalProcessLauncherOptions {
  logger: Logger;
  /** Program and leading arguments; `agent --room R --profile P` is appended. Default: this package's CLI. */
  command?: readonly string[];
  /** Extra environment for every agent (LiveKit and Azure settings); the launch contract is added per room. */
  env?: Record<string, string | undefined>;
  maxAgents?: number;
  /** Time between SIGTERM and SIGKILL; the agent drains its current utterances within it. */
  stopGraceMs?: number;
}

export interface AgentExit {
  agent: RunningAgent;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when we asked it to stop. */
  requested: boolean;
}

interface Child {
  agent: RunningAgent;
  process: ChildProcess;
  exited: Promise<AgentExit>;
  stopping: boolean;
}

export class LocalProcessLauncher implements Launcher {
  readonly kind = 'local' as const;
  private readonly children = new Map<string, Child>();
  private readonly exitListeners = new Set<(exit: AgentExit) => void>();
  private readonly command: readonly string[];
  private readonly maxAgents: number;
  private readonly stopGraceMs: number;

  constructor(private readonly options: LocalProcessLauncherOptions) {
    this.command = options.command ?? [process.execPath, INTERPRETER_BIN];
    this.maxAgents = options.maxAgents ?? 20;
    this.stopGraceMs = options.stopGraceMs ?? 15_000;
  }

  /** Called for every agent that exits, asked to or not. */
  onExit(listener: (exit: AgentExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    const existing = this.find({ name: request.room, sid: request.roomSid });
    if (existing && !existing.stopping) return { status: 'already-running', agent: existing.agent };
    if (this.children.size >= this.maxAgents) {
      throw new LaunchError(`local launcher is at its limit of ${this.maxAgents} agents; room ${request.room} must wait`, 503);
    }
    const [program, ...leading] = this.command;
    if (!program) throw new LaunchError('local launcher has an empty command', 500);
    const args = [...leading, 'agent', '--room', request.room, '--profile', request.profile];
    const child = spawn(program, args, {
      env: { ...process.env, ...this.options.env, ...agentLaunchEnv(request) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (error) => resolve(error));
    });
    if (spawned || child.pid === undefined) {
      throw new LaunchError(`could not start agent for room ${request.room}: ${spawned?.message ?? 'no pid'}`, 500, { cause: spawned });
    }
    const agent: RunningAgent = { room: request.room, roomSid: request.roomSid, profile: request.profile, id: String(child.pid), startedAt: Date.now() };
    const log = this.options.logger.child({ room: request.room, pid: child.pid });
    prefixLines(child.stdout, (line) => log.info({ stream: 'stdout' }, line));
    prefixLines(child.stderr, (line) => log.warn({ stream: 'stderr' }, line));
    // The exit handler runs after `entry` exists: a child cannot exit within this synchronous block.
    const exited = new Promise<AgentExit>((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.children.get(request.room) === entry) this.children.delete(request.room);
        const exit: AgentExit = { agent, code, signal, requested: entry.stopping };
        if (!entry.stopping && code !== 0) log.error({ code, signal }, `agent for room ${request.room} exited with ${signal ?? `code ${code}`}`);
        else log.info({ code, signal }, `agent for room ${request.room} exited`);
        for (const listener of this.exitListeners) listener(exit);
        resolve(exit);
      });
    });
    const entry: Child = { agent, process: child, stopping: false, exited };
    this.children.set(request.room, entry);
    log.info({ profile: request.profile }, `agent started for room ${request.room}`);
    return { status: 'launched', agent };
  }

  async stop(room: RoomRef): Promise<number> {
    const child = this.find(room);
    if (!child) return 0;
    await this.terminate(child);
    return 1;
  }

  async running(): Promise<RunningAgent[]> {
    return [...this.children.values()].filter((c) => !c.stopping).map((c) => c.agent);
  }

  async close(): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => this.terminate(child)));
  }

  private find(room: RoomRef): Child | undefined {
    for (const child of this.children.values()) if (servesRoom(child.agent, room)) return child;
    return undefined;
  }

  private async terminate(child: Child): Promise<void> {
    child.stopping = true;
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGTERM');
      const timer = setTimeout(() => child.process.kill('SIGKILL'), this.stopGraceMs);
      try {
        await child.exited;
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

function prefixLines(stream: NodeJS.ReadableStream | null, emit: (line: string) => void): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim()) emit(line);
  });
}
