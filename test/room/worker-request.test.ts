/**
 * `createWorker` (src/agent/worker.ts) run in this test process against the real LiveKit server:
 * which dispatched jobs its request function takes or declines, the identity its jobs join with,
 * what it tells `onRoomsChanged`, and its agent name. dispatch.test.ts drives `interpreter worker`
 * as a child process; here the worker's own code runs where a mutation tool can switch it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AgentDispatchClient, ParticipantInfo_State } from 'livekit-server-sdk';
import { pino } from 'pino';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cpuCount, cpuSampler, createWorker, jobFile } from '../../src/agent/worker.ts';
import { AGENT_IDENTITY, AgentEnv, DEFAULT_AGENT_NAME } from '../../src/common/launch-contract.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { freeTcpPort } from '../../src/local/ports.ts';
import { loadProfilesOrThrow } from '../../src/profiles/index.ts';
import { eventually, startTestLiveKit } from './livekit.ts';

const configs = fileURLToPath(new URL('../../configs', import.meta.url));
const emulator = await startEmulator({});
const livekit = await startTestLiveKit();
const dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);

/** The worker's log lines and `onRoomsChanged` calls, in the order they happened. */
type Entry = { msg?: string; room?: string; reason?: string; profile?: string; rooms?: number };
const timeline: Entry[] = [];
/** While set, `onRoomsChanged` waits for it: an ECS protection call that is slow to answer. */
let protectionPending: Promise<void> | undefined;
/** The load the framework last sent the server (undefined before its first report). */
let reportedLoad: number | undefined;

// The job processes the framework forks inherit this environment (Node's fork default).
const savedEnv = { ...process.env };
Object.assign(process.env, {
  [AgentEnv.livekitUrl]: livekit.url,
  [AgentEnv.livekitApiKey]: livekit.apiKey,
  [AgentEnv.livekitApiSecret]: livekit.apiSecret,
  [AgentEnv.azureSpeechKey]: 'emulator',
  [AgentEnv.azureSpeechEndpoint]: emulator.url.toString(),
  [AgentEnv.azureSpeechRegion]: '',
  [AgentEnv.profilesPath]: configs,
});
const healthPort = await freeTcpPort('0.0.0.0');
const server = createWorker({
  livekit: { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret },
  profiles: await loadProfilesOrThrow(configs),
  logger: pino({ level: 'info' }, { write: (line: string) => void timeline.push(JSON.parse(line) as Entry) }),
  maxRooms: 1,
  // Not 0: `ServerOptions` reads a falsy port as its production default 8081
  // (node_modules/@livekit/agents/src/worker.ts:310); the CLI finds a free port itself too.
  healthPort,
  idleProcesses: 1,
  cpuLoad: false,
  onRoomsChanged: async (rooms) => {
    timeline.push({ rooms });
    await protectionPending;
  },
});
server.event.on('worker_msg', (message: { message: { case?: string; value?: unknown } }) => {
  if (message.message.case === 'updateWorker') reportedLoad = (message.message.value as { load?: number }).load ?? reportedLoad;
});
const registered = new Promise<void>((resolve) => server.event.once('worker_registered', () => resolve()));
const running = server.run();
afterAll(async () => {
  // See beforeEach: closing while a process is in prewarm costs 20 s.
  await eventually(idleProcessWarm, 'the idle process warm', 90_000).catch(() => undefined);
  await server.close();
  await running.catch(() => undefined);
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await emulator.close();
});
await registered;

/** Job and inference processes the framework forked from this process, by their entry file. */
function frameworkChildren(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && /_proc_lazy_main/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}
const since = (start: number) => timeline.slice(start);
const decision = (room: string, from = 0) => since(from).find((r) => r.room === room && /^(accepted|declined) room /.test(r.msg ?? ''));
async function decided(room: string, from = 0): Promise<Entry> {
  await eventually(() => decision(room, from) !== undefined, `the worker deciding on ${room}`, 60_000);
  return decision(room, from)!;
}
const interpreters = async (room: string) => (await livekit.rooms.listParticipants(room)).filter((p) => p.identity === AGENT_IDENTITY);
/**
 * Ends an accepted job by deleting its room once the job is all the way in. Deleted while the
 * job's rtc-node connect is under way, the connect completes ~15 s later into a room the server
 * has created anew under another sid (seen with livekit-server v1.13.5, rtc-node 0.13.35); the
 * job leaves only then.
 */
async function endJob(room: string): Promise<void> {
  await eventually(async () => (await interpreters(room)).some((p) => p.state === ParticipantInfo_State.ACTIVE), `the interpreter active in ${room}`, 90_000);
  await livekit.rooms.deleteRoom(room);
  await eventually(() => server.activeJobs.length === 0, `the job of ${room} ended`, 90_000);
}

/**
 * A job process's prewarm ends with a RoomService call for this name (worker-job.ts,
 * warmRoomService): one comes from createWorker itself, then one per job process forked, the
 * first and one replacing each that took a job.
 */
const warmUps = () => livekit.output().split('\n').filter((line) => line.includes('"room": ["lk-interpreter-warm-up"]')).length;
const idleProcessWarm = () => warmUps() >= 2 + timeline.filter((r) => r.msg?.startsWith('accepted room ')).length;

// A test starts with the worker empty and the server told so: a FULL worker is offered nothing
// (livekit-server v1.13.5 pkg/service/agentservice.go selectWorkerWeightedByLoad). And with its
// idle process warm: an accepted job waits for one, and a process still in prewarm does not
// answer close()'s shutdown request; it is killed after shutdownProcessTimeout, 20 s
// (node_modules/@livekit/agents/src/ipc/supervised_proc.ts closeOnce).
beforeEach(async () => {
  await eventually(() => server.activeJobs.length === 0 && (reportedLoad ?? 0) === 0 && idleProcessWarm(), 'the worker empty, reporting load 0, its idle process warm', 90_000);
});

describe('createWorker in this process, dispatched to by the real server', () => {
  it('a room matching a profile by name is accepted: onRoomsChanged(1) first, the job joins as interpreter, onRoomsChanged(0) after the room ends', async () => {
    const start = timeline.length;
    const room = await livekit.rooms.createRoom({ name: 'board-accept' });
    await dispatches.createDispatch(room.name, DEFAULT_AGENT_NAME);
    expect((await decided('board-accept', start)).msg).toBe('accepted room board-accept (profile board-meeting)');
    const protectedAt = since(start).findIndex((r) => r.rooms === 1);
    expect(protectedAt).toBeGreaterThanOrEqual(0);
    expect(protectedAt).toBeLessThan(since(start).indexOf(decision('board-accept', start)!));
    await eventually(async () => (await interpreters('board-accept')).length === 1, 'the interpreter in the room', 90_000);
    expect((await interpreters('board-accept'))[0]!.name).toBe('Interpreter');
    expect(server.activeJobs.map((job) => job.job.room?.name)).toEqual(['board-accept']);
    await endJob('board-accept');
    await eventually(() => since(start).some((r) => r.rooms === 0), 'onRoomsChanged(0) after the job ended', 90_000);
    expect(since(start).filter((r) => r.rooms !== undefined).map((r) => r.rooms)).toEqual([1, 0]);
  }, 240_000);

  it('a dispatch made for another sid of the room is declined (the room was recreated by it) and nobody joins', async () => {
    const start = timeline.length;
    const room = await livekit.rooms.createRoom({ name: 'board-stale' });
    await dispatches.createDispatch(room.name, DEFAULT_AGENT_NAME, { metadata: JSON.stringify({ profile: 'board-meeting', roomSid: 'RM_endedEarlier' }) });
    const record = await decided('board-stale', start);
    expect(record.msg).toBe(`declined room board-stale: the dispatch was made for room sid RM_endedEarlier, this room is ${room.sid} (recreated by the dispatch)`);
    expect(record.reason).toBe(`the dispatch was made for room sid RM_endedEarlier, this room is ${room.sid} (recreated by the dispatch)`);
    expect(await interpreters('board-stale')).toEqual([]);
    await livekit.rooms.deleteRoom('board-stale');
  });

  it('a dispatch naming a profile this worker lacks is declined; its metadata, not the room name, chooses', async () => {
    const start = timeline.length;
    const room = await livekit.rooms.createRoom({ name: 'board-unknown-profile' });
    await dispatches.createDispatch(room.name, DEFAULT_AGENT_NAME, { metadata: JSON.stringify({ profile: 'no-such-profile', roomSid: room.sid }) });
    expect((await decided('board-unknown-profile', start)).msg).toBe('declined room board-unknown-profile: no profile named no-such-profile on this worker');
    expect(await interpreters('board-unknown-profile')).toEqual([]);
    await livekit.rooms.deleteRoom('board-unknown-profile');
  });

  it('a room no profile matches is declined and nobody joins', async () => {
    const start = timeline.length;
    await livekit.rooms.createRoom({ name: 'lobby-unmatched' });
    await dispatches.createDispatch('lobby-unmatched', DEFAULT_AGENT_NAME);
    expect((await decided('lobby-unmatched', start)).msg).toBe('declined room lobby-unmatched: no profile matches room lobby-unmatched');
    expect(await interpreters('lobby-unmatched')).toEqual([]);
    await livekit.rooms.deleteRoom('lobby-unmatched');
  });

  it('a room that already has a participant "interpreter" is declined, and that participant stays', async () => {
    const start = timeline.length;
    const occupant = await livekit.join(AGENT_IDENTITY, 'board-occupied');
    await dispatches.createDispatch('board-occupied', DEFAULT_AGENT_NAME);
    expect((await decided('board-occupied', start)).msg).toBe('declined room board-occupied: an interpreter is already in the room');
    // A second `interpreter` joining would have removed the first (same identity).
    expect(occupant.isConnected).toBe(true);
    expect(await interpreters('board-occupied')).toHaveLength(1);
    await occupant.disconnect();
    await livekit.rooms.deleteRoom('board-occupied');
  });

  it('with maxRooms 1 and a room being taken, a second offer is declined with the --max-rooms reason; room metadata picks the profile', async () => {
    const start = timeline.length;
    const metadata = JSON.stringify({ kind: 'interview' });
    await Promise.all(['interview-a', 'interview-b'].map((name) => livekit.rooms.createRoom({ name, metadata })));
    // The first accept is held in onRoomsChanged (awaited before the accept) until the other offer
    // is decided. Without the hold the limit is a race: JobRequest.accept() does not await the
    // assignment (node_modules/@livekit/agents/src/job.ts:719-723), so `accepting` is back to 0
    // and `activeJobs` still empty until the assignment arrives and a warm process takes the job.
    let release = () => {};
    protectionPending = new Promise<void>((resolve) => (release = resolve));
    try {
      // Both at once: the server picks the worker for both while it still reports load 0.
      await Promise.all(['interview-a', 'interview-b'].map((name) => dispatches.createDispatch(name, DEFAULT_AGENT_NAME)));
      await eventually(() => since(start).some((r) => r.msg?.endsWith(': this worker already interprets 1 rooms (--max-rooms 1)')), 'one offer declined for --max-rooms', 60_000);
    } finally {
      release();
      protectionPending = undefined;
    }
    const outcomes = await Promise.all(['interview-a', 'interview-b'].map((name) => decided(name, start)));
    const accepted = outcomes.filter((r) => r.msg?.startsWith('accepted'));
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.msg).toBe(`accepted room ${accepted[0]!.room} (profile interview)`);
    const declined = outcomes.find((r) => r !== accepted[0])!;
    expect(declined.msg).toBe(`declined room ${declined.room}: this worker already interprets 1 rooms (--max-rooms 1)`);
    expect(await interpreters(declined.room!)).toEqual([]);
    await livekit.rooms.deleteRoom(declined.room!);
    await endJob(accepted[0]!.room!);
  }, 240_000);

  it('registers as DEFAULT_AGENT_NAME: a dispatch to another agent name is never offered to it, nor counted as an older dispatch of the room', async () => {
    const info = (await (await fetch(`http://127.0.0.1:${healthPort}/worker`)).json()) as { agent_name: string };
    expect(info.agent_name).toBe(DEFAULT_AGENT_NAME);
    const start = timeline.length;
    await livekit.rooms.createRoom({ name: 'board-named' });
    await dispatches.createDispatch('board-named', 'interpreter-elsewhere');
    // The server's own word that no worker has that name: it makes no job at all, and the dispatch
    // stays listed (livekit-server v1.13.5 pkg/agent/client.go:149, LaunchJob).
    const noWorker = (line: string) => line.includes('not dispatching agent job since no worker is available') && line.includes('"agentName": "interpreter-elsewhere"') && line.includes('"room": "board-named"');
    await eventually(() => livekit.output().split('\n').some(noWorker), 'the server finding no worker named interpreter-elsewhere', 30_000);
    expect(decision('board-named', start)).toBeUndefined();
    // Both listed and older than ours (createdAt is UnixNano, rtc/room.go:1851): counted, either
    // would decline it. The "" one the server adds to every room created without `agents`, for
    // workers registered without a name (livekit-server v1.13.5 rtc/room.go:1889-1891).
    expect((await dispatches.listDispatch('board-named')).map((d) => d.agentName).sort()).toEqual(['', 'interpreter-elsewhere']);
    await dispatches.createDispatch('board-named', DEFAULT_AGENT_NAME);
    expect((await decided('board-named', start)).msg).toBe('accepted room board-named (profile board-meeting)');
    expect(since(start).filter((r) => r.room === 'board-named' && r.msg !== undefined)).toHaveLength(1);
    await endJob('board-named');
  }, 240_000);
});

describe('worker helpers', () => {
  it('cpuSampler reports a share in [0, 1] and cpuCount a positive number of CPUs', () => {
    const sample = cpuSampler();
    const first = sample();
    let spin = 0;
    for (let i = 0; i < 5_000_000; i++) spin += i % 7;
    const second = sample();
    expect(spin).toBeGreaterThan(0);
    for (const value of [first, second]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
    expect(cpuCount()).toBeGreaterThan(0);
  });

  it('jobFile is worker-job.ts in a checkout and puts --import tsx in execArgv once, only when no tsx is there', () => {
    // Synchronous throughout: a job process forked meanwhile would inherit the altered execArgv.
    const saved = process.execArgv;
    try {
      process.execArgv = ['--no-warnings'];
      const file = jobFile();
      expect(file).toBe(fileURLToPath(new URL('../../src/agent/worker-job.ts', import.meta.url)));
      expect(existsSync(file)).toBe(true);
      expect(process.execArgv).toEqual(['--no-warnings', '--import', 'tsx']);
      jobFile();
      expect(process.execArgv).toEqual(['--no-warnings', '--import', 'tsx']);
      process.execArgv = ['--import', 'file:///x/node_modules/tsx/dist/esm/index.mjs'];
      jobFile();
      expect(process.execArgv).toEqual(['--import', 'file:///x/node_modules/tsx/dist/esm/index.mjs']);
    } finally {
      process.execArgv = saved;
    }
  });
});

// Last: a run of some tests alone still closes the worker in afterAll (close() is idempotent).
describe('closing', () => {
  it('close() ends the job and inference processes the framework forked', async () => {
    await eventually(() => frameworkChildren().length > 0, 'a warm job process', 90_000);
    await server.close();
    await eventually(() => frameworkChildren().length === 0, 'no forked process left', 60_000);
  }, 120_000);
});
