/**
 * `interpreter worker`: the interpreter as an `@livekit/agents` agent server that takes explicitly
 * dispatched rooms, one room per job process. This module builds the framework's options: which
 * jobs to take (`worker-policy.ts`, with facts from RoomService and the dispatch list), the load
 * to report, and the identity jobs join with.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AgentServer, ServerOptions, WorkerPermissions, type JobRequest } from '@livekit/agents';
import { AgentDispatchClient, RoomServiceClient } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import { AGENT_IDENTITY, DEFAULT_AGENT_NAME, parseDispatchMetadata } from '../common/launch-contract.ts';
import type { Profile } from '../profiles/index.ts';
import { roomServiceUrl, warmRoomService } from './room-check.ts';
import { decideJob, workerLoad } from './worker-policy.ts';

export interface WorkerSettings {
  livekit: { url: string; apiKey: string; apiSecret: string };
  profiles: readonly Profile[];
  logger: Logger;
  agentName?: string;
  /** Rooms one worker interprets at once; it reports itself full there and declines more. */
  maxRooms: number;
  /** The framework's health/worker-info HTTP port. Not 0: the framework reads 0 as its default, 8081 (`interpreter worker --health-port 0` picks a free port first). */
  healthPort: number;
  /** Idle job processes kept warm (profiles and the Speech SDK loaded). */
  idleProcesses?: number;
  /** How long a draining worker waits for its rooms to end (the framework's default is 60 min). */
  drainTimeoutMs?: number;
  /**
   * Count CPU in the load (default true). Off where the machine is shared with other work
   * (development, tests): there the whole machine's CPU is not this worker's.
   */
  cpuLoad?: boolean;
  /** Told when a job is accepted and when the worker has no rooms left (ECS task protection). */
  onRoomsChanged?: (rooms: number) => void | Promise<void>;
}

/**
 * The job file for the framework's child processes. Compiled (`dist/`, the image, an installed
 * package) it is JavaScript; in a checkout it is TypeScript, which the children can import only
 * with tsx loaded: they inherit `process.execArgv` (Node's `fork` default), so tsx goes there.
 */
export function jobFile(): string {
  const here = import.meta.url;
  const file = fileURLToPath(new URL(`./worker-job${here.endsWith('.ts') ? '.ts' : '.js'}`, here));
  if (file.endsWith('.ts') && !process.execArgv.some((arg) => arg.includes('tsx'))) process.execArgv.push('--import', 'tsx');
  return file;
}

/** vCPUs this worker may use: the cgroup's quota (an ECS task), else the machine's. */
export function cpuCount(): number {
  return cgroupQuota() ?? availableParallelism();
}

/**
 * CPU use between calls, 0..1: of the container's CPU quota where cgroup v2 sets one (an ECS task:
 * the share of its vCPUs), else of the whole machine (what the framework's own load reports).
 */
export function cpuSampler(): () => number {
  const quota = cgroupQuota();
  if (quota) {
    let last = { usage: cgroupUsageMicros(), at: performance.now() };
    return () => {
      const now = { usage: cgroupUsageMicros(), at: performance.now() };
      const elapsed = (now.at - last.at) * 1000 * quota;
      const busy = elapsed > 0 ? Math.min(1, (now.usage - last.usage) / elapsed) : 0;
      last = now;
      return busy;
    };
  }
  const totals = () => cpus().reduce((sum, cpu) => ({ idle: sum.idle + cpu.times.idle, all: sum.all + Object.values(cpu.times).reduce((a, b) => a + b, 0) }), { idle: 0, all: 0 });
  let last = totals();
  return () => {
    const now = totals();
    const all = now.all - last.all;
    const busy = all > 0 ? 1 - (now.idle - last.idle) / all : 0;
    last = now;
    return busy;
  };
}

/** CPUs the cgroup may use (`cpu.max` quota / period), or undefined when unlimited or not cgroup v2. */
function cgroupQuota(): number | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (!quota || quota === 'max') return undefined;
    cgroupUsageMicros();
    return Number(quota) / Number(period ?? 100_000);
  } catch {
    return undefined;
  }
}

function cgroupUsageMicros(): number {
  const line = readFileSync('/sys/fs/cgroup/cpu.stat', 'utf8').split('\n').find((l) => l.startsWith('usage_usec'));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

export function createWorker(settings: WorkerSettings): AgentServer {
  const { livekit, logger } = settings;
  const agentName = settings.agentName ?? DEFAULT_AGENT_NAME;
  const url = roomServiceUrl(livekit.url);
  const rooms = new RoomServiceClient(url, livekit.apiKey, livekit.apiSecret, { requestTimeout: 5 });
  const dispatches = new AgentDispatchClient(url, livekit.apiKey, livekit.apiSecret, { requestTimeout: 5 });
  // The first offer's checks would otherwise pay Node's fetch and the JWT signer loading.
  void warmRoomService(rooms);
  const cpu = settings.cpuLoad === false ? () => 0 : cpuSampler();
  // Jobs accepted and not yet seen running: the framework's count lags an accept by a moment.
  let accepting = 0;
  let server: AgentServer | undefined;
  let reported = 0;
  const activeRooms = () => (server?.activeJobs.length ?? 0) + accepting;
  const noteRooms = async (): Promise<void> => {
    const now = activeRooms();
    if (now === reported) return;
    reported = now;
    await settings.onRoomsChanged?.(now);
  };

  const requestFunc = async (request: JobRequest): Promise<void> => {
    const room = request.room;
    const offer = {
      room: room?.name ?? '',
      roomSid: room?.sid ?? '',
      dispatchId: request.job.dispatchId,
      metadata: parseDispatchMetadata(request.job.metadata),
      ...(room?.metadata ? { roomMetadata: room.metadata } : {}),
    };
    const [participants, listed] = await Promise.all([rooms.listParticipants(offer.room).catch(() => []), dispatches.listDispatch(offer.room).catch(() => [])]);
    const ours = listed.filter((d) => d.agentName === agentName && !d.state?.deletedAt);
    const own = ours.find((d) => d.id === offer.dispatchId);
    const decision = decideJob(
      offer,
      {
        interpreterPresent: participants.some((p) => p.identity === AGENT_IDENTITY),
        otherDispatches: ours.filter((d) => d.id !== offer.dispatchId).map((d) => ({ id: d.id, createdAt: Number(d.state?.createdAt ?? 0n) })),
        ...(own?.state?.createdAt !== undefined ? { ownCreatedAt: Number(own.state.createdAt) } : {}),
      },
      settings.profiles,
      { rooms: activeRooms(), maxRooms: settings.maxRooms },
    );
    const log = logger.child({ room: offer.room, sid: offer.roomSid, job: request.id, dispatch: offer.dispatchId });
    if (!decision.accept) {
      log.info({ reason: decision.reason }, `declined room ${offer.room}: ${decision.reason}`);
      await request.reject();
      return;
    }
    accepting += 1;
    // Scale-in protection (ECS) is in place before the room is taken, not after.
    await noteRooms();
    try {
      // The framework's default identity is `agent-<jobId>`: every room's interpreter is `interpreter`.
      await request.accept('Interpreter', AGENT_IDENTITY);
      log.info({ profile: decision.profile.name }, `accepted room ${offer.room} (profile ${decision.profile.name})`);
    } finally {
      accepting -= 1;
    }
  };

  server = new AgentServer(
    new ServerOptions({
      agent: jobFile(),
      agentName,
      requestFunc,
      // Load is max(rooms / max rooms, CPU). The framework calls itself full at 0.7 in production;
      // at 1 here, so `maxRooms` means what it says (and offers past it are declined anyway).
      loadFunc: async () => {
        void noteRooms();
        return workerLoad(activeRooms(), settings.maxRooms, cpu());
      },
      loadThreshold: 1,
      // A job process imports the plugin, rtc-node and the Speech SDK before it is ready; on a busy
      // host (or from TypeScript in a checkout) that outlasts the framework's 10 s, and a process
      // that times out is killed and respawned in a loop. A slow start costs a warm process, not a room.
      initializeProcessTimeout: 60_000,
      // A job told to shut down leaves its room within its own drain (seconds); one that has not
      // exited 20 s later is killed rather than held for the framework's 60 s.
      shutdownProcessTimeout: 20_000,
      production: true,
      port: settings.healthPort,
      ...(settings.idleProcesses !== undefined ? { numIdleProcesses: settings.idleProcesses } : {}),
      ...(settings.drainTimeoutMs !== undefined ? { drainTimeout: settings.drainTimeoutMs } : {}),
      permissions: new WorkerPermissions(true, true, true, true, [], false),
      wsURL: livekit.url,
      apiKey: livekit.apiKey,
      apiSecret: livekit.apiSecret,
    }),
  );
  return server;
}
