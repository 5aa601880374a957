import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher, type AgentExit } from '../../src/orchestrator/local-launcher.ts';
import { reconcile } from '../../src/orchestrator/reconcile.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { RoomServiceClient } from 'livekit-server-sdk';
import { API_KEY, API_SECRET, capturingLogger, isAlive, killAgent, testProfile } from './helpers.ts';
import { startTwirpServer, type TwirpServer } from './livekit-twirp.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const launchers: LocalProcessLauncher[] = [];
let twirp: TwirpServer | undefined;

function makeLauncher(mode = 'run', options: { maxAgents?: number; stopGraceMs?: number; roomEndedGraceMs?: number; command?: string[] } = {}) {
  const { logger, lines } = capturingLogger();
  const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: mode }, ...options });
  launchers.push(launcher);
  return { launcher, lines };
}

function nextExit(launcher: LocalProcessLauncher): Promise<AgentExit> {
  return new Promise((resolve) => {
    const off = launcher.onExit((exit) => {
      off();
      resolve(exit);
    });
  });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((l) => l.close()));
  await twirp?.close();
  twirp = undefined;
});

describe('LocalProcessLauncher', () => {
  it('starts one real child per room with the launch contract env and prefixes its logs with the room', async () => {
    const { launcher, lines } = makeLauncher();
    const result = await launcher.launch({ room: 'board-q3', roomSid: 'RM_1', profile: 'board-meeting' });
    expect(result.status).toBe('launched');
    expect((await launcher.launch({ room: 'board-q3', roomSid: 'RM_1', profile: 'board-meeting' })).status).toBe('already-running');
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'the agent log line');
    const line = lines.find((l) => String(l.msg).startsWith('fake agent'));
    // Room data only in the environment: argv is `agent` alone.
    expect(line).toMatchObject({ room: 'board-q3', msg: 'fake agent agent room="board-q3" sid=RM_1 profile=board-meeting' });
    expect(await launcher.running()).toHaveLength(1);
  });

  it('stops with SIGTERM and lets the agent drain', async () => {
    const { launcher, lines } = makeLauncher();
    await launcher.launch({ room: 'r1', roomSid: 'RM_r1', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const exited = nextExit(launcher);
    expect(await launcher.stop({ name: 'r1' })).toBe(1);
    expect(await exited).toMatchObject({ code: 0, requested: true });
    expect(lines.some((l) => l.msg === 'fake agent draining')).toBe(true);
    expect(await launcher.running()).toEqual([]);
  });

  it('kills an agent that ignores SIGTERM after the grace period', async () => {
    const { launcher, lines } = makeLauncher('ignore-term', { stopGraceMs: 200 });
    await launcher.launch({ room: 'stubborn', roomSid: 'RM_s', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const exited = nextExit(launcher);
    await launcher.stop({ name: 'stubborn' });
    expect(await exited).toMatchObject({ signal: 'SIGKILL' });
  });

  it('refuses past its limit with a 503 so LiveKit retries later', async () => {
    const { launcher } = makeLauncher('run', { maxAgents: 1 });
    await launcher.launch({ room: 'a', roomSid: 'RM_a', profile: 'p' });
    await expect(launcher.launch({ room: 'b', roomSid: 'RM_b', profile: 'p' })).rejects.toMatchObject({ name: 'LaunchError', status: 503 });
  });

  it('logs a crashed agent with its exit code, and reconcile starts it again', async () => {
    const { launcher, lines } = makeLauncher('crash');
    twirp = await startTwirpServer(API_KEY, API_SECRET, [{ name: 'board-q3', sid: 'RM_crash' }]);
    const exited = nextExit(launcher);
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_crash', profile: 'board-meeting' });
    expect(await exited).toMatchObject({ code: 3, requested: false });
    expect(lines.some((l) => l.level === 50 && l.code === 3 && l.room === 'board-q3')).toBe(true);
    expect(await launcher.running()).toEqual([]);

    const rooms = new RoomServiceClient(twirp.url, API_KEY, API_SECRET);
    const relaunched = nextExit(launcher);
    const report = await reconcile({
      profiles: [testProfile('board-meeting', ['board-*'])],
      // The agent crashed at once; with no relaunch delay reconcile starts it again right away.
      launches: new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: capturingLogger().logger, relaunchAfterMs: 0 }),
      logger: capturingLogger().logger,
      listRooms: async () => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata })),
    });
    expect(report.launched).toEqual(['board-q3']);
    await relaunched;
  });
});

async function expectExited(pid: number): Promise<void> {
  // Only used after close() has resolved, which waits for every child's exit event.
  expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
}

describe('LocalProcessLauncher keyed by room sid', () => {
  it('starts one process for concurrent launches of one sid (check and register are one step)', async () => {
    const { launcher } = makeLauncher();
    const results = await Promise.all(Array.from({ length: 5 }, () => launcher.launch({ room: 'board-q3', roomSid: 'RM_once', profile: 'p' })));
    expect(results.filter((r) => r.status === 'launched')).toHaveLength(1);
    expect(launcher.pids()).toHaveLength(1);
    const pid = launcher.pids()[0]!;
    await launcher.close();
    await expectExited(pid);
  });

  it('stops the previous agent of a name before launching for a new sid: six sids under a cap of three leave one agent, no orphan', async () => {
    const { launcher } = makeLauncher('run', { maxAgents: 3 });
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) {
      expect((await launcher.launch({ room: 'board-q3', roomSid: `RM_gen${i}`, profile: 'p' })).status).toBe('launched');
      for (const pid of launcher.pids()) seen.add(pid);
      expect(launcher.pids()).toHaveLength(1);
    }
    expect((await launcher.running()).map((a) => a.roomSid)).toEqual(['RM_gen5']);
    expect(seen.size).toBe(6);
    await launcher.close();
    for (const pid of seen) await expectExited(pid);
  });

  it("tells the agent of an ended sid that its room is gone (SIGUSR2: no drain), not to drain (SIGTERM)", async () => {
    const { launcher, lines } = makeLauncher();
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_old', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const exited = nextExit(launcher);
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_new', profile: 'p' });
    expect(await exited).toMatchObject({ code: 0, requested: true, agent: { roomSid: 'RM_old' } });
    expect(lines.filter((l) => String(l.msg).startsWith('fake agent leaving') || l.msg === 'fake agent draining').map((l) => l.msg)).toEqual(['fake agent leaving: room ended']);
  });

  it('gives an agent whose room ended a short grace, not the drain grace, before the new sid launches', async () => {
    const { launcher, lines } = makeLauncher('ignore-term', { stopGraceMs: 120_000, roomEndedGraceMs: 300 });
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_old', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const exited = nextExit(launcher);
    // With the 120 s drain grace this launch would outlast the test's timeout.
    expect((await launcher.launch({ room: 'board-q3', roomSid: 'RM_new', profile: 'p' })).status).toBe('launched');
    expect(await exited).toMatchObject({ signal: 'SIGKILL', agent: { roomSid: 'RM_old' } });
  });

  it("never gives an agent whose room ended longer than the stop grace", async () => {
    const { launcher, lines } = makeLauncher('ignore-term', { stopGraceMs: 200 });
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_old', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const exited = nextExit(launcher);
    // The default room-ended grace (5 s) would outlast this test's 3 s timeout.
    expect((await launcher.launch({ room: 'board-q3', roomSid: 'RM_new', profile: 'p' })).status).toBe('launched');
    expect(await exited).toMatchObject({ signal: 'SIGKILL' });
  }, 3_000);

  it('counts processes still shutting down against its cap', async () => {
    const { launcher, lines } = makeLauncher('ignore-term', { maxAgents: 1, stopGraceMs: 60_000 });
    await launcher.launch({ room: 'a', roomSid: 'RM_a', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const stopping = launcher.stop({ name: 'a', sid: 'RM_a' });
    expect(await launcher.running()).toEqual([]);
    await expect(launcher.launch({ room: 'b', roomSid: 'RM_b', profile: 'p' })).rejects.toMatchObject({ status: 503 });
    expect(lines.some((l) => l.level === 50 && String(l.msg).startsWith('agent cap reached'))).toBe(true);
    const pid = launcher.pids()[0]!;
    killAgent(pid, 'SIGKILL');
    await stopping;
    expect(launcher.pids()).toEqual([]);
  });

  it('answers a spawn failure with a 500 LaunchError and keeps no entry', async () => {
    const { launcher } = makeLauncher('run', { command: ['/nonexistent/interpreter-binary'] });
    await expect(launcher.launch({ room: 'a', roomSid: 'RM_a', profile: 'p' })).rejects.toMatchObject({ name: 'LaunchError', status: 500 });
    expect(await launcher.running()).toEqual([]);
    expect(launcher.pids()).toEqual([]);
  });

  it.each([
    ['a NUL', 'board\u0000evil'],
    ['a leading dash', '--profile=other'],
    ['newlines and quotes', 'board "q3"\nnext line'],
    ['10 KB', `board-${'x'.repeat(10_000)}`],
  ])('passes a room name with %s to the agent intact', async (_name, room) => {
    const { launcher, lines } = makeLauncher();
    expect((await launcher.launch({ room, roomSid: 'RM_odd', profile: 'p' })).status).toBe('launched');
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    const line = String(lines.find((l) => String(l.msg).startsWith('fake agent'))?.msg);
    expect(line).toBe(`fake agent agent room=${JSON.stringify(room)} sid=RM_odd profile=p`);
  });

  it('refuses a request the launch contract rejects with a 422, and starts nothing', async () => {
    const { launcher } = makeLauncher();
    await expect(launcher.launch({ room: 'a', roomSid: 'RM_\u0000', profile: 'p' })).rejects.toMatchObject({ name: 'LaunchError', status: 422 });
    await expect(launcher.launch({ room: '', roomSid: 'RM_a', profile: 'p' })).rejects.toMatchObject({ status: 422, message: expect.stringContaining('room name is empty') });
    expect(launcher.refuses({ room: 'a', roomSid: 'RM_a', profile: 'p' })).toBeUndefined();
    expect(launcher.pids()).toEqual([]);
  });

  it("never lets the other form of the room name leak in from serve's own environment", async () => {
    const { logger, lines } = capturingLogger();
    // serve itself was started with both forms set (for example by a test harness or a shell).
    const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run', INTERPRETER_ROOM: 'stale-room', INTERPRETER_ROOM_B64: Buffer.from('stale-b64').toString('base64') } });
    launchers.push(launcher);
    await launcher.launch({ room: 'fresh-room', roomSid: 'RM_f', profile: 'p' });
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'start');
    expect(lines.find((l) => String(l.msg).startsWith('fake agent'))?.msg).toBe('fake agent agent room="fresh-room" sid=RM_f profile=p');
  });

  it("logs the agent's stderr as warnings and its stdout as info, skipping blank lines, each with room and pid", async () => {
    const { launcher, lines } = makeLauncher('crash');
    const exited = nextExit(launcher);
    await launcher.launch({ room: 'loud', roomSid: 'RM_l', profile: 'p' });
    await exited;
    await waitFor(() => lines.some((l) => l.msg === 'fake agent crashing'), 'the stderr line');
    const pid = Number(lines.find((l) => String(l.msg).startsWith('fake agent agent'))?.pid);
    expect(lines.find((l) => l.msg === 'fake agent crashing')).toMatchObject({ level: 40, stream: 'stderr', room: 'loud', pid });
    expect(lines.find((l) => String(l.msg).startsWith('fake agent agent'))).toMatchObject({ level: 30, stream: 'stdout', room: 'loud' });
    expect(lines.filter((l) => l.stream !== undefined && String(l.msg).trim() === '')).toEqual([]);
  });

  it('replaces the agent of an ended sid even at its cap: the old one does not count against the new', async () => {
    const { launcher } = makeLauncher('run', { maxAgents: 1 });
    await launcher.launch({ room: 'board', roomSid: 'RM_1', profile: 'p' });
    expect((await launcher.launch({ room: 'board', roomSid: 'RM_2', profile: 'p' })).status).toBe('launched');
    expect((await launcher.running()).map((a) => a.roomSid)).toEqual(['RM_2']);
    await expect(launcher.launch({ room: 'other', roomSid: 'RM_3', profile: 'p' })).rejects.toMatchObject({ status: 503 });
  });

  it('stops only the sid asked for, says how many it stopped, and reports an exit it asked for as requested', async () => {
    const { launcher, lines } = makeLauncher();
    await launcher.launch({ room: 'one', roomSid: 'RM_one', profile: 'p' });
    await launcher.launch({ room: 'two', roomSid: 'RM_two', profile: 'p' });
    await waitFor(() => lines.filter((l) => String(l.msg).startsWith('fake agent agent')).length === 2, 'both started');
    expect(await launcher.stop({ name: 'one', sid: 'RM_other' })).toBe(0);
    const exited = nextExit(launcher);
    expect(await launcher.stop({ name: 'one', sid: 'RM_one' })).toBe(1);
    expect(await exited).toMatchObject({ requested: true, code: 0, agent: { room: 'one' } });
    expect(lines.some((l) => l.level === 30 && l.msg === 'agent for room one exited')).toBe(true);
    expect((await launcher.running()).map((a) => a.room)).toEqual(['two']);
    expect(await launcher.stop({ name: 'one' })).toBe(0);
  });
});
