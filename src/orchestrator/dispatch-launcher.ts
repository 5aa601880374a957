/**
 * Launching by explicit dispatch: the room is handed to a warm pool of `@livekit/agents` workers
 * registered under an agent name (`interpreter worker`), instead of starting a process or task.
 *
 * The real server's rules it works around (livekit-server v1.13.5, `pkg/service/
 * agent_dispatch_service.go`, `pkg/agent`): CreateDispatch for a room that does not exist creates
 * it (`room.auto_create`), which would resurrect a finished room and send a `room_started` for a
 * new sid; every call makes a new dispatch (no idempotency); a dispatch whose worker died stays
 * listed, so ListDispatch is no evidence of an agent; with no free worker the job is dropped.
 * Hence: the room's sid is confirmed with ListRooms first, a dispatch already made for the sid
 * (ours, found by its metadata) counts as running, and "running" otherwise means an `interpreter`
 * participant in the room. Reconcile re-dispatches a room with neither, once its last dispatch
 * is old enough (the ledger's relaunch delay, at least the framework's assignment timeout).
 */
import { AgentDispatchClient, RoomServiceClient, TwirpError } from 'livekit-server-sdk';
import { AGENT_IDENTITY, parseDispatchMetadata, type DispatchMetadata, type LaunchRequest } from '../common/launch-contract.ts';
import { httpUrl, type LiveKitCredentials } from './config.ts';
import { LaunchError, type LaunchResult, type Launcher, type RoomRef, type RunningAgent } from './launcher.ts';
import type { Logger } from './log.ts';

export { DEFAULT_AGENT_NAME } from '../common/launch-contract.ts';
import { DEFAULT_AGENT_NAME } from '../common/launch-contract.ts';

export interface DispatchLauncherOptions {
  livekit: LiveKitCredentials;
  agentName?: string;
  logger: Logger;
  /** Rooms listed per `running()` call at most (each costs one ListParticipants). */
  maxRooms?: number;
}

export class DispatchLauncher implements Launcher {
  readonly kind = 'dispatch' as const;
  readonly agentName: string;
  private readonly rooms: RoomServiceClient;
  private readonly dispatches: AgentDispatchClient;

  constructor(private readonly options: DispatchLauncherOptions) {
    this.agentName = options.agentName ?? DEFAULT_AGENT_NAME;
    const url = httpUrl(options.livekit.url);
    this.rooms = new RoomServiceClient(url, options.livekit.apiKey, options.livekit.apiSecret, { requestTimeout: 10 });
    this.dispatches = new AgentDispatchClient(url, options.livekit.apiKey, options.livekit.apiSecret, { requestTimeout: 10 });
  }

  refuses(): string | undefined {
    // Any name LiveKit created a room for can be dispatched to.
    return undefined;
  }

  /**
   * Launches under way, by room sid: the checks below and CreateDispatch are several calls apart,
   * so two launches of one sid that met here at once would both dispatch. The second joins the first.
   */
  private readonly inFlight = new Map<string, Promise<LaunchResult>>();

  launch(request: LaunchRequest): Promise<LaunchResult> {
    const running = this.inFlight.get(request.roomSid);
    if (running) return running.then((result) => ({ status: 'already-running', ...(result.agent ? { agent: result.agent } : {}) }));
    const launch = this.dispatchOnce(request).finally(() => this.inFlight.delete(request.roomSid));
    this.inFlight.set(request.roomSid, launch);
    return launch;
  }

  private async dispatchOnce(request: LaunchRequest): Promise<LaunchResult> {
    const { logger } = this.options;
    const room = await this.call('ListRooms', () => this.rooms.listRooms([request.room]));
    const current = room.find((r) => r.name === request.room);
    if (!current || current.sid !== request.roomSid) {
      // CreateDispatch would create the room again under a new sid: never dispatch to a room that is gone.
      logger.info({ room: request.room, sid: request.roomSid, now: current?.sid }, 'room is gone (or has another sid); not dispatching');
      return { status: 'already-running' };
    }
    const agent = (startedAt: number, id: string): RunningAgent => ({ room: request.room, roomSid: request.roomSid, profile: request.profile, id, startedAt });

    const participants = await this.call('ListParticipants', () => this.rooms.listParticipants(request.room));
    if (participants.some((p) => p.identity === AGENT_IDENTITY)) return { status: 'already-running', agent: agent(Date.now(), 'in-room') };

    const existing = await this.call('ListDispatch', () => this.dispatches.listDispatch(request.room));
    const ours = existing.filter((d) => d.agentName === this.agentName);
    // A dispatch made for another sid of this name means a dispatch created this room (it raced the
    // old room's end): its `room_started` is not a meeting, and its workers decline the job.
    const foreign = ours.find((d) => {
      const sid = parseDispatchMetadata(d.metadata)?.roomSid;
      return sid !== undefined && sid !== request.roomSid;
    });
    if (foreign) {
      logger.warn({ room: request.room, sid: request.roomSid, dispatch: foreign.id }, 'room was created by a dispatch for an earlier sid; not dispatching');
      return { status: 'already-running' };
    }
    // A dispatch made for this launch (a redelivered webhook, or a retry after a lost answer).
    const same = ours.find((d) => request.launchId !== undefined && parseDispatchMetadata(d.metadata)?.launchId === request.launchId);
    if (same) return { status: 'already-running', agent: agent(Date.now(), same.id) };

    // Dispatches of an earlier launch of this sid, with no interpreter in the room by now, are dead
    // (their worker died or dropped the job: the server never retries either). They go first, so
    // a worker's tie-break between live dispatches never prefers a dead one.
    const dead = ours.filter((d) => parseDispatchMetadata(d.metadata)?.roomSid === request.roomSid);
    await Promise.allSettled(dead.map((d) => this.dispatches.deleteDispatch(d.id, request.room)));

    const metadata: DispatchMetadata = { profile: request.profile, roomSid: request.roomSid, ...(request.launchId ? { launchId: request.launchId } : {}) };
    const dispatch = await this.call('CreateDispatch', () => this.dispatches.createDispatch(request.room, this.agentName, { metadata: JSON.stringify(metadata) }));
    logger.info({ room: request.room, sid: request.roomSid, dispatch: dispatch.id, agentName: this.agentName, replaced: dead.length }, `dispatched room ${request.room} to agent ${this.agentName}`);
    return { status: 'launched', agent: agent(Date.now(), dispatch.id) };
  }

  /** Deletes the room's dispatches of this agent name (the worker's job then ends). */
  async stop(room: RoomRef): Promise<number> {
    const existing = await this.call('ListDispatch', () => this.dispatches.listDispatch(room.name)).catch(() => []);
    const ours = existing.filter((d) => d.agentName === this.agentName && (!room.sid || parseDispatchMetadata(d.metadata)?.roomSid === room.sid));
    await Promise.allSettled(ours.map((d) => this.dispatches.deleteDispatch(d.id, room.name)));
    return ours.length;
  }

  /** Rooms with an `interpreter` in them: what reconcile counts as served. */
  async running(): Promise<RunningAgent[]> {
    const rooms = (await this.call('ListRooms', () => this.rooms.listRooms())).slice(0, this.options.maxRooms ?? 500);
    const served = await Promise.all(
      rooms.map(async (room) => {
        const participants = await this.rooms.listParticipants(room.name).catch(() => []);
        const interpreter = participants.find((p) => p.identity === AGENT_IDENTITY);
        if (!interpreter) return undefined;
        const agent: RunningAgent = { room: room.name, roomSid: room.sid, profile: '', id: interpreter.sid, startedAt: Number(interpreter.joinedAt) * 1000 };
        return agent;
      }),
    );
    return served.filter((agent): agent is RunningAgent => agent !== undefined);
  }

  async close(): Promise<void> {
    // Nothing of ours runs here: the workers own the jobs.
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = error instanceof TwirpError ? error.status : undefined;
      // 4xx from LiveKit (a bad key) no retry fixes; anything else LiveKit should retry.
      throw new LaunchError(`LiveKit ${what} failed: ${error instanceof Error ? error.message : String(error)}`, status !== undefined && status >= 400 && status < 500 ? 422 : 503, { cause: error });
    }
  }
}
