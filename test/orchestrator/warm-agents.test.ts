// The local launcher's warm agents (`warmAgents`): real child processes started ahead that take a
// room over their IPC channel. The fake agent (test/fixtures/orchestrator/fake-agent.mjs) plays
// `interpreter agent --await-room`; test/agent/agent-cli.test.ts runs the real one.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher, type AgentExit } from '../../src/orchestrator/local-launcher.ts';
import { capturingLogger, isAlive } from './helpers.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const launchers: LocalProcessLauncher[] = [];

function makeLauncher(env: Record<string, string> = {}, options: { warmAgents?: number; maxAgents?: number } = {}) {
  const { logger, lines } = capturingLogger();
  const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run', ...env }, warmAgents: 1, ...options });
  launchers.push(launcher);
  return { launcher, lines };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const ready = (launcher: LocalProcessLauncher) => waitFor(() => launcher.warmAgentsNow().some((w) => w.ready), 'a ready warm agent');
const said = (lines: Record<string, unknown>[], start: string) => lines.find((l) => String(l.msg).startsWith(start));

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((l) => l.close()));
});

describe('LocalProcessLauncher warm agents', () => {
  it('hands a room to the warm agent intact over IPC, and starts another behind it', async () => {
    const { launcher, lines } = makeLauncher();
    await ready(launcher);
    const [warm] = launcher.warmAgentsNow();
    // A name argv or an env could not carry as it is: a flag, a newline, a NUL.
    const room = '--rm -rf\n"board"\0x';
    const result = await launcher.launch({ room, roomSid: 'RM_w1', profile: 'board-meeting' });
    expect(result).toMatchObject({ status: 'launched', agent: { room, roomSid: 'RM_w1', id: String(warm!.pid) } });
    expect(launcher.pids()).toEqual([warm!.pid]);
    await waitFor(() => said(lines, 'fake agent agent --await-room') !== undefined, 'the warm agent taking its room');
    // Its lines from here carry the room; the room arrived as the launcher sent it.
    expect(said(lines, 'fake agent agent --await-room')).toMatchObject({ room, pid: warm!.pid, msg: `fake agent agent --await-room room=${JSON.stringify(room)} sid=RM_w1 profile=board-meeting` });
    expect(lines.find((l) => String(l.msg).startsWith('agent started for room'))).toMatchObject({ warm: true, sid: 'RM_w1' });
    // Another is loading already, so the next room finds one too.
    await ready(launcher);
    const [next] = launcher.warmAgentsNow();
    expect(next!.pid).not.toBe(warm!.pid);
    expect(launcher.pids()).toEqual([warm!.pid]);
  });

  it('gives a warm agent no room data from the launcher\'s own environment', async () => {
    const { launcher, lines } = makeLauncher({ INTERPRETER_ROOM: 'leaked', INTERPRETER_ROOM_SID: 'RM_leaked', INTERPRETER_PROFILE: 'leaked' });
    await ready(launcher);
    expect(said(lines, 'fake warm agent waiting')).toMatchObject({ msg: 'fake warm agent waiting room=undefined sid=undefined profile=undefined', warm: true });
  });

  it('starts the room cold while the warm agent is still loading, and keeps the loading one', async () => {
    const { launcher, lines } = makeLauncher({ FAKE_AGENT_WARM: 'silent' });
    await waitFor(() => said(lines, 'fake warm agent waiting') !== undefined, 'the warm agent to start');
    const [loading] = launcher.warmAgentsNow();
    expect(loading).toMatchObject({ ready: false });
    const result = await launcher.launch({ room: 'cold-room', roomSid: 'RM_c', profile: 'p' });
    await waitFor(() => said(lines, 'fake agent agent ') !== undefined, 'the cold agent');
    // Started for the room: its argv is `agent` alone, the room in its env.
    expect(said(lines, 'fake agent agent ')).toMatchObject({ msg: 'fake agent agent room="cold-room" sid=RM_c profile=p' });
    expect(result.agent?.id).not.toBe(String(loading!.pid));
    expect(launcher.warmAgentsNow()).toEqual([loading]);
  });

  it('treats a warm agent that fails to load as gone: the room starts cold, and no restart loop', async () => {
    const { launcher, lines } = makeLauncher({ FAKE_AGENT_WARM: 'crash' });
    await waitFor(() => said(lines, 'a warm agent exited before it was given a room') !== undefined, 'the warm agent to fail');
    expect(said(lines, 'a warm agent exited before it was given a room')).toMatchObject({ level: 40, code: 4 });
    expect(launcher.warmAgentsNow()).toEqual([]);
    const attempts = () => lines.filter((l) => l.msg === 'fake warm agent failing to load').length;
    const result = await launcher.launch({ room: 'after-failure', roomSid: 'RM_f', profile: 'p' });
    expect(result.status).toBe('launched');
    await waitFor(() => said(lines, 'fake agent agent room="after-failure"') !== undefined, 'the cold agent');
    // Nothing restarts a failed one on its own (a broken install must not spin processes): by the
    // time a whole cold start has run, at most the launch's own one more attempt has.
    expect(attempts()).toBeLessThanOrEqual(2);
    await waitFor(() => attempts() === 2, 'one more warm attempt after the launch');
    await waitFor(() => launcher.warmAgentsNow().length === 0, 'that attempt to fail too');
  });

  it('stops a room agent that was warm like any other: SIGTERM, drain, exit 0, reported as requested', async () => {
    const { launcher, lines } = makeLauncher();
    await ready(launcher);
    await launcher.launch({ room: 'r1', roomSid: 'RM_r1', profile: 'p' });
    await waitFor(() => said(lines, 'fake agent agent --await-room') !== undefined, 'the room agent');
    const exited = new Promise<AgentExit>((resolve) => launcher.onExit(resolve));
    expect(await launcher.stop({ name: 'r1' })).toBe(1);
    expect(await exited).toMatchObject({ code: 0, requested: true, agent: { room: 'r1' } });
    expect(lines.some((l) => l.msg === 'fake agent draining' && l.room === 'r1')).toBe(true);
  });

  it('hands its one warm agent to one of two rooms launched at once, and starts the other cold', async () => {
    const { launcher } = makeLauncher();
    await ready(launcher);
    const [warm] = launcher.warmAgentsNow();
    const results = await Promise.all([launcher.launch({ room: 'a', roomSid: 'RM_a', profile: 'p' }), launcher.launch({ room: 'b', roomSid: 'RM_b', profile: 'p' })]);
    expect(results.map((r) => r.status)).toEqual(['launched', 'launched']);
    expect(results.filter((r) => r.agent?.id === String(warm!.pid))).toHaveLength(1);
    expect(new Set(launcher.pids()).size).toBe(2);
  });

  it('ends warm agents on close, loading or ready, and starts none after', async () => {
    const { launcher } = makeLauncher({}, { warmAgents: 2 });
    await waitFor(() => launcher.warmAgentsNow().filter((w) => w.ready).length === 2, 'two ready warm agents');
    await launcher.launch({ room: 'r', roomSid: 'RM_r', profile: 'p' });
    const pids = [...launcher.pids(), ...launcher.warmAgentsNow().map((w) => w.pid)];
    expect(pids).toHaveLength(3);
    await launcher.close();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(launcher.warmAgentsNow()).toEqual([]);
  });
});
