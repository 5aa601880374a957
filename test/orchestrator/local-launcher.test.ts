import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher, type AgentExit } from '../../src/orchestrator/local-launcher.ts';
import { reconcile } from '../../src/orchestrator/reconcile.ts';
import { RoomServiceClient } from 'livekit-server-sdk';
import { API_KEY, API_SECRET, capturingLogger, testProfile } from './helpers.ts';
import { startTwirpServer, type TwirpServer } from './livekit-twirp.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const launchers: LocalProcessLauncher[] = [];
let twirp: TwirpServer | undefined;

function makeLauncher(mode = 'run', options: { maxAgents?: number; stopGraceMs?: number } = {}) {
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
    expect(line).toMatchObject({ room: 'board-q3', msg: 'fake agent agent --room board-q3 --profile board-meeting room=board-q3 sid=RM_1 profile=board-meeting' });
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
      launcher,
      logger: capturingLogger().logger,
      listRooms: async () => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata })),
    });
    expect(report.launched).toEqual(['board-q3']);
    await relaunched;
  });
});
