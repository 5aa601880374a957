/**
 * Runs each room's agent as a child process on this machine (`interpreter serve`): one process per
 * room sid, logs prefixed with the room name, SIGTERM then SIGKILL on stop, a cap on how many
 * processes are alive. Room data goes to a child started for the room in its environment only
 * (`agentLaunchEnv`), or to a warm agent, started ahead with everything loaded, as one IPC message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AgentEnv, ROOM_ENDED_SIGNAL, WARM_AGENT_FLAG, agentLaunchEnv, launchRequestProblem, type LaunchMessage, type LaunchRequest } from '../common/launch-contract.ts';
import { DEFAULT_MAX_AGENTS, LaunchError, servesRoom, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';
import type { Logger } from './log.ts';

/** How long an agent whose room ended may take to leave (it drains nothing; its disconnect is bounded at 3 s). */
export const ROOM_ENDED_GRACE_MS = 5_000;

export const INTERPRETER_BIN = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

export interface LocalProcessLauncherOptions {
  logger: Logger;
  /** Program and leading arguments; `agent` is appended. Default: this package's CLI. */
  command?: readonly string[];
  /** Extra environment for every agent (LiveKit and Azure settings); the launch contract is added per room. */
  env?: Record<string, string | undefined>;
  maxAgents?: number;
  /** Time between SIGTERM and SIGKILL; the agent drains its current utterances within it. */
  stopGraceMs?: number;
  /** Time between SIGUSR2 ("your room has ended") and SIGKILL; default `ROOM_ENDED_GRACE_MS`, never above `stopGraceMs`. */
  roomEndedGraceMs?: number;
  /**
   * Agents kept started ahead, loaded and waiting for a room (`agent --await-room`): a launch hands
   * its room to one and starts another behind it, so a room does not wait for a process to start
   * and import the plugin (seconds). Each costs an idle process; they are not counted by `maxAgents`.
   * Default 0.
   */
  warmAgents?: number;
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
  /** Resolves once the process runs, rejects when it could not start. */
  started: Promise<ChildProcess>;
  /** Resolves when the process has exited (at once when it never started). */
  exited: Promise<AgentExit | undefined>;
  markExited: (exit: AgentExit) => void;
  process?: ChildProcess;
  stopping: boolean;
}

/** A process we started: a room's agent from the start, or a warm agent until a room is handed to it. */
interface AgentProcess {
  process: ChildProcess;
  /** Where its output lines go: re-pointed at the room's logger when a warm agent takes a room. */
  log: Logger;
  /** The room agent it is; undefined while it is warm. */
  owner?: Child;
  /** A warm agent said it has loaded everything. */
  ready: boolean;
  gone: Promise<void>;
}

export class LocalProcessLauncher implements Launcher {
  readonly kind = 'local' as const;
  /** The current agent of each room sid. */
  private readonly bySid = new Map<string, Child>();
  /** Every process not yet exited, also those being stopped or replaced: what the cap counts and `close()` ends. */
  private readonly alive = new Set<Child>();
  private readonly exitListeners = new Set<(exit: AgentExit) => void>();
  /** Warm agents not yet handed a room, ready or still loading. */
  private readonly warm = new Set<AgentProcess>();
  private readonly command: readonly string[];
  private readonly maxAgents: number;
  private readonly stopGraceMs: number;
  private readonly warmAgents: number;
  private closed = false;

  constructor(private readonly options: LocalProcessLauncherOptions) {
    this.command = options.command ?? [process.execPath, INTERPRETER_BIN];
    this.maxAgents = options.maxAgents ?? DEFAULT_MAX_AGENTS;
    this.stopGraceMs = options.stopGraceMs ?? 15_000;
    this.warmAgents = options.warmAgents ?? 0;
    // Started now, so the first room already finds one loaded.
    this.keepWarm();
  }

  /** Called for every agent that exits, asked to or not. */
  onExit(listener: (exit: AgentExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  refuses(request: LaunchRequest): string | undefined {
    return launchRequestProblem(request);
  }

  async launch(request: LaunchRequest): Promise<LaunchResult> {
    // Everything up to `register` runs without an await: the check and the registration are one
    // step, so concurrent launches of one sid find the first one's entry.
    const existing = this.bySid.get(request.roomSid);
    if (existing && !existing.stopping) {
      await existing.started;
      return { status: 'already-running', agent: existing.agent };
    }
    const problem = this.refuses(request);
    if (problem) throw new LaunchError(`cannot launch an agent for this room: ${problem}`, 422);
    // An earlier room of the same name has ended (LiveKit gives a new room a new sid): its agent goes.
    const replaced = [...this.bySid.values()].filter((c) => c.agent.room === request.room && c.agent.roomSid !== request.roomSid && !c.stopping);
    const live = this.alive.size - replaced.length;
    if (live >= this.maxAgents) {
      this.options.logger.error({ room: request.room, sid: request.roomSid, alive: this.alive.size, maxAgents: this.maxAgents }, `agent cap reached: ${this.alive.size} local agents alive (--max-agents ${this.maxAgents}); room ${request.room} gets none until one ends`);
      throw new LaunchError(`local launcher is at its limit of ${this.maxAgents} agents; room ${request.room} must wait`, 503);
    }
    const child = this.register(request, replaced);
    try {
      await child.started;
    } catch (error) {
      throw new LaunchError(`could not start agent for room ${request.room}: ${error instanceof Error ? error.message : String(error)}`, 500, { cause: error });
    }
    return { status: 'launched', agent: child.agent };
  }

  async stop(room: RoomRef): Promise<number> {
    const children = [...this.bySid.values()].filter((c) => servesRoom(c.agent, room) && !c.stopping);
    await Promise.all(children.map((child) => this.terminate(child)));
    return children.length;
  }

  async running(): Promise<RunningAgent[]> {
    return [...this.bySid.values()].filter((c) => !c.stopping).map((c) => c.agent);
  }

  /** Process ids of every room's agent process not yet exited (for operators and tests). */
  pids(): number[] {
    return [...this.alive].flatMap((c) => (c.process?.pid !== undefined ? [c.process.pid] : []));
  }

  /** Process ids of the warm agents waiting for a room, and whether each has loaded everything. */
  warmAgentsNow(): { pid: number; ready: boolean }[] {
    return [...this.warm].flatMap((w) => (w.process.pid !== undefined ? [{ pid: w.process.pid, ready: w.ready }] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    const warm = [...this.warm];
    for (const agent of warm) signalAgent(agent.process, 'SIGTERM');
    await Promise.all([...[...this.alive].map((child) => this.terminate(child)), ...warm.map((agent) => agent.gone)]);
  }

  private register(request: LaunchRequest, replaced: Child[]): Child {
    const agent: RunningAgent = { room: request.room, roomSid: request.roomSid, profile: request.profile, id: 'starting', startedAt: Date.now() };
    const started = deferred<ChildProcess>();
    const exited = deferred<AgentExit | undefined>();
    const child: Child = { agent, stopping: false, started: started.promise, exited: exited.promise, markExited: exited.resolve };
    const start = async (): Promise<ChildProcess> => {
      // The old sid's room is gone: its agent leaves without draining, so the new room waits seconds, not the grace.
      await Promise.all(replaced.map((old) => this.terminate(old, 'room-ended')));
      if (child.stopping) throw new Error('stopped before it started');
      const warm = this.takeWarm();
      try {
        return warm ? this.handOver(warm, request, child) : await this.spawnAgent(request, child);
      } finally {
        this.keepWarm();
      }
    };
    start().then(started.resolve, (error: unknown) => {
      this.forget(child);
      exited.resolve(undefined);
      started.reject(error);
    });
    // Awaited by `launch` and `terminate`; this keeps a failed start from being an unhandled rejection.
    started.promise.catch(() => undefined);
    this.bySid.set(request.roomSid, child);
    this.alive.add(child);
    return child;
  }

  private async spawnAgent(request: LaunchRequest, child: Child): Promise<ChildProcess> {
    const env = this.baseEnv();
    Object.assign(env, agentLaunchEnv(request));
    const proc = this.spawnProcess(['agent'], env, 'ignore');
    const failed = await new Promise<Error | undefined>((resolve) => {
      proc.once('spawn', () => resolve(undefined));
      proc.once('error', (error) => resolve(error));
    });
    if (failed || proc.pid === undefined) throw failed ?? new Error('no pid');
    const log = this.options.logger.child({ room: request.room, pid: proc.pid });
    this.watch({ process: proc, log, owner: child, ready: false, gone: Promise.resolve() });
    this.adopt(child, proc);
    log.info({ profile: request.profile, sid: request.roomSid }, `agent started for room ${request.room}`);
    return proc;
  }

  /** Hands the room to a warm agent: from here it is that room's agent. */
  private handOver(warm: AgentProcess, request: LaunchRequest, child: Child): ChildProcess {
    const proc = warm.process;
    warm.owner = child;
    warm.log = this.options.logger.child({ room: request.room, pid: proc.pid });
    this.adopt(child, proc);
    const message: LaunchMessage = { type: 'launch', request: { room: request.room, roomSid: request.roomSid, profile: request.profile } };
    // Should the process die between here and reading it, its exit is this room's agent exiting:
    // reconcile starts the room again, like any agent that crashed.
    proc.send(message, (error) => {
      if (error) warm.log.error({ err: error.message }, `could not hand room ${request.room} to warm agent ${proc.pid}`);
    });
    warm.log.info({ profile: request.profile, sid: request.roomSid, warm: true }, `agent started for room ${request.room}`);
    return proc;
  }

  private adopt(child: Child, proc: ChildProcess): void {
    child.process = proc;
    child.agent.id = String(proc.pid);
  }

  /** A ready warm agent still alive, taken out of the warm set; undefined when none is. */
  private takeWarm(): AgentProcess | undefined {
    for (const warm of this.warm) {
      if (!warm.ready || !warm.process.connected || warm.process.exitCode !== null || warm.process.signalCode !== null) continue;
      this.warm.delete(warm);
      return warm;
    }
    return undefined;
  }

  /**
   * Starts warm agents up to `warmAgents`. Called at construction and after each launch only: a warm
   * agent that fails to start is not restarted until the next launch, so a broken install cannot
   * spin here, and the room itself starts cold and says why it failed.
   */
  private keepWarm(): void {
    while (!this.closed && this.warm.size < this.warmAgents) {
      let proc: ChildProcess;
      try {
        proc = this.spawnProcess(['agent', WARM_AGENT_FLAG], this.baseEnv(), 'ipc');
      } catch (error) {
        this.options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not start a warm agent; rooms start cold');
        return;
      }
      let gone: () => void = () => undefined;
      const warm: AgentProcess = { process: proc, log: this.options.logger.child({ warm: true }), ready: false, gone: new Promise<void>((resolve) => (gone = resolve)) };
      proc.once('spawn', () => (warm.log = this.options.logger.child({ warm: true, pid: proc.pid })));
      proc.once('error', (error) => {
        this.warm.delete(warm);
        warm.log.error({ err: error.message }, 'could not start a warm agent; rooms start cold');
        gone();
      });
      proc.on('message', (message: unknown) => {
        if ((message as { type?: unknown } | null)?.type !== 'ready' || warm.ready) return;
        warm.ready = true;
        warm.log.info('warm agent ready for a room');
      });
      proc.once('exit', () => gone());
      this.watch(warm);
      this.warm.add(warm);
    }
  }

  private baseEnv(): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = { ...process.env, ...this.options.env };
    // The room comes with each launch: no room name may leak in from our own env, in either form.
    delete env[AgentEnv.room];
    delete env[AgentEnv.roomBase64];
    delete env[AgentEnv.roomSid];
    delete env[AgentEnv.profile];
    return env;
  }

  private spawnProcess(args: string[], env: Record<string, string | undefined>, channel: 'ipc' | 'ignore'): ChildProcess {
    const [program, ...leading] = this.command;
    if (!program) throw new Error('the local launcher has an empty command');
    const stdio: ('ignore' | 'pipe' | 'ipc')[] = ['ignore', 'pipe', 'pipe'];
    if (channel === 'ipc') stdio.push('ipc');
    return spawn(program, [...leading, ...args], { env, stdio });
  }

  /** Relays its output to its current logger and reports its exit: as the room's agent, or as a warm one. */
  private watch(agent: AgentProcess): void {
    const proc = agent.process;
    prefixLines(proc.stdout, (line) => agent.log.info({ stream: 'stdout' }, line));
    prefixLines(proc.stderr, (line) => agent.log.warn({ stream: 'stderr' }, line));
    proc.once('exit', (code, signal) => {
      const child = agent.owner;
      if (!child) {
        this.warm.delete(agent);
        if (!this.closed) agent.log.warn({ code, signal }, `a warm agent exited before it was given a room (${signal ?? `code ${code}`}); the next room starts cold`);
        return;
      }
      this.forget(child);
      const exit: AgentExit = { agent: child.agent, code, signal, requested: child.stopping };
      if (!child.stopping && code !== 0) agent.log.error({ code, signal }, `agent for room ${child.agent.room} exited with ${signal ?? `code ${code}`}`);
      else agent.log.info({ code, signal }, `agent for room ${child.agent.room} exited`);
      for (const listener of this.exitListeners) listener(exit);
      child.markExited(exit);
    });
  }

  private forget(child: Child): void {
    this.alive.delete(child);
    if (this.bySid.get(child.agent.roomSid) === child) this.bySid.delete(child.agent.roomSid);
  }

  private async terminate(child: Child, why: 'stop' | 'room-ended' = 'stop'): Promise<void> {
    child.stopping = true;
    const proc = await child.started.catch(() => undefined);
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      signalAgent(proc, why === 'room-ended' ? ROOM_ENDED_SIGNAL : 'SIGTERM');
      const grace = why === 'room-ended' ? Math.min(this.stopGraceMs, this.options.roomEndedGraceMs ?? ROOM_ENDED_GRACE_MS) : this.stopGraceMs;
      const timer = setTimeout(() => signalAgent(proc, 'SIGKILL'), grace);
      try {
        await child.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    await child.exited;
  }
}

/**
 * Signals an agent process that really started and has not exited. Node's `kill()` on a child
 * whose spawn has just failed (a missing command: ENOENT, before its 'error' event) has no pid
 * and signals pid 0, which is the caller's whole process group: the orchestrator and everything
 * started with it.
 */
function signalAgent(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function prefixLines(stream: NodeJS.ReadableStream | null, emit: (line: string) => void): void {
  if (!stream) return;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim()) emit(line);
  });
}
