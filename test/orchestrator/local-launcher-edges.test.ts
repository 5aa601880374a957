// Edges of the local launcher: its cap and start failures as callers see them, the exact log lines
// for starts and exits, what it reports while a start is under way, and warm agents that fail to
// spawn, chatter on their IPC channel, or close it before a room comes.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher, type AgentExit, type LocalProcessLauncherOptions } from '../../src/orchestrator/local-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { capturingLogger, isAlive, killAgent } from './helpers.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const edgeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent-edges.mjs', import.meta.url));
const missing = fileURLToPath(new URL('../fixtures/orchestrator/no-such-program', import.meta.url));
const launchers: LocalProcessLauncher[] = [];

function makeLauncher(options: Partial<LocalProcessLauncherOptions> = {}, env: Record<string, string> = {}) {
  const { logger, lines } = capturingLogger();
  const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run', ...env }, ...options });
  launchers.push(launcher);
  return { launcher, lines };
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

function nextExit(launcher: LocalProcessLauncher): Promise<AgentExit> {
  return new Promise((resolve) => {
    const off = launcher.onExit((exit) => {
      off();
      resolve(exit);
    });
  });
}

const said = (lines: Record<string, unknown>[], start: string) => lines.filter((l) => String(l.msg).startsWith(start));
const request = (room: string, roomSid: string) => ({ room, roomSid, profile: 'p' });

async function rejection(promise: Promise<unknown>): Promise<LaunchError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LaunchError)) throw new Error(`expected a LaunchError, got ${String(error)}`);
  return error;
}

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((l) => l.close()));
});

describe('LocalProcessLauncher cap and start failures', () => {
  it('refuses a room past the cap with 503, and logs who asked and how many are alive', async () => {
    const { launcher, lines } = makeLauncher({ maxAgents: 1 });
    await launcher.launch(request('first', 'RM_a'));
    const error = await rejection(launcher.launch(request('second', 'RM_b')));
    expect(error.status).toBe(503);
    expect(error.message).toBe('local launcher is at its limit of 1 agents; room second must wait');
    expect(said(lines, 'agent cap reached')).toEqual([
      expect.objectContaining({ level: 50, room: 'second', sid: 'RM_b', alive: 1, maxAgents: 1, msg: 'agent cap reached: 1 local agents alive (--max-agents 1); room second gets none until one ends' }),
    ]);
  });

  it('counts an agent still being stopped against the cap, even when the new room has its name', async () => {
    const { launcher, lines } = makeLauncher({ maxAgents: 1, stopGraceMs: 60_000 }, { FAKE_AGENT_MODE: 'ignore-term' });
    const first = await launcher.launch(request('same', 'RM_old'));
    const pid = Number(first.agent!.id);
    await waitFor(() => said(lines, 'fake agent agent').length > 0, 'the agent to ignore SIGTERM');
    const stopping = launcher.stop({ name: 'same' });
    const error = await rejection(launcher.launch(request('same', 'RM_new')));
    expect(error.status).toBe(503);
    // It ignores SIGTERM: end it here rather than wait out the grace.
    killAgent(pid, 'SIGKILL');
    await stopping;
    expect(launcher.pids()).toEqual([]);
  });

  it('fails a launch whose program cannot be spawned with 500, naming the room and the cause', async () => {
    const { launcher } = makeLauncher({ command: [missing] });
    const error = await rejection(launcher.launch(request('r-missing', 'RM_m')));
    expect(error.status).toBe(500);
    expect(error.message).toBe(`could not start agent for room r-missing: spawn ${missing} ENOENT`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(await launcher.running()).toEqual([]);
    expect(launcher.pids()).toEqual([]);
  });

  it('fails a launch with an empty command, and logs that no warm agent could start', async () => {
    const { launcher, lines } = makeLauncher({ command: [], warmAgents: 1 });
    expect(said(lines, 'could not start a warm agent')).toEqual([
      expect.objectContaining({ level: 50, err: 'the local launcher has an empty command', msg: 'could not start a warm agent; rooms start cold' }),
    ]);
    expect(launcher.warmAgentsNow()).toEqual([]);
    const error = await rejection(launcher.launch(request('r-empty', 'RM_e')));
    expect(error.message).toBe('could not start agent for room r-empty: the local launcher has an empty command');
    expect(error.status).toBe(500);
  });

  it('fails a launch stopped while the agent of the room it replaces is leaving, and starts nothing', async () => {
    const { launcher } = makeLauncher();
    const old = await launcher.launch(request('renamed', 'RM_1'));
    const replacing = launcher.launch(request('renamed', 'RM_2'));
    expect(await launcher.stop({ name: 'renamed', sid: 'RM_2' })).toBe(1);
    const error = await rejection(replacing);
    expect(error.message).toBe('could not start agent for room renamed: stopped before it started');
    expect(isAlive(Number(old.agent!.id))).toBe(false);
    expect(launcher.pids()).toEqual([]);
    expect(await launcher.running()).toEqual([]);
  });
});

describe('LocalProcessLauncher state while starting and after', () => {
  it('lists a starting agent as "starting" with no pid until its process runs', async () => {
    const { launcher } = makeLauncher();
    const launching = launcher.launch(request('r-start', 'RM_s'));
    expect(launcher.pids()).toEqual([]);
    expect((await launcher.running()).map((a) => a.id)).toEqual(['starting']);
    const result = await launching;
    expect(launcher.pids()).toEqual([Number(result.agent!.id)]);
  });

  it('keeps the new agent of a sid started again while its old one was stopping', async () => {
    const { launcher } = makeLauncher();
    const old = await launcher.launch(request('again', 'RM_x'));
    const oldExit = nextExit(launcher);
    const stopping = launcher.stop({ name: 'again' });
    const again = await launcher.launch(request('again', 'RM_x'));
    expect(again.status).toBe('launched');
    await stopping;
    expect((await oldExit).agent.id).toBe(old.agent!.id);
    expect((await launcher.running()).map((a) => a.id)).toEqual([again.agent!.id]);
    expect(launcher.pids()).toEqual([Number(again.agent!.id)]);
  });

  it('starts a cold agent with stdin on /dev/null and no IPC channel, and logs its start', async () => {
    const { launcher, lines } = makeLauncher({ command: [process.execPath, edgeAgent] });
    const result = await launcher.launch({ room: 'r-cold', roomSid: 'RM_c', profile: 'board' });
    const pid = Number(result.agent!.id);
    expect(said(lines, 'agent started for room')).toEqual([expect.objectContaining({ level: 30, room: 'r-cold', pid, profile: 'board', sid: 'RM_c', msg: 'agent started for room r-cold' })]);
    await waitFor(() => said(lines, 'edge agent').length > 0, 'the agent line');
    expect(said(lines, 'edge agent')).toEqual([expect.objectContaining({ msg: 'edge agent stdin=null ipc=false', room: 'r-cold', pid })]);
  });
});

describe('LocalProcessLauncher exit log lines', () => {
  it('logs an agent that crashed as an error with its code', async () => {
    const { launcher, lines } = makeLauncher({}, { FAKE_AGENT_MODE: 'crash' });
    const exited = nextExit(launcher);
    const result = await launcher.launch(request('r-crash', 'RM_k'));
    expect(await exited).toMatchObject({ code: 3, signal: null, requested: false });
    expect(said(lines, 'agent for room')).toEqual([
      expect.objectContaining({ level: 50, code: 3, signal: null, room: 'r-crash', pid: Number(result.agent!.id), msg: 'agent for room r-crash exited with code 3' }),
    ]);
  });

  it('logs an agent killed by a signal as an error naming the signal', async () => {
    const { launcher, lines } = makeLauncher();
    const result = await launcher.launch(request('r-killed', 'RM_z'));
    const exited = nextExit(launcher);
    killAgent(Number(result.agent!.id), 'SIGKILL');
    expect(await exited).toMatchObject({ code: null, signal: 'SIGKILL', requested: false });
    expect(said(lines, 'agent for room')).toEqual([expect.objectContaining({ level: 50, code: null, signal: 'SIGKILL', msg: 'agent for room r-killed exited with SIGKILL' })]);
  });

  it('logs an agent that was asked to stop at info with its code and signal', async () => {
    const { launcher, lines } = makeLauncher();
    await launcher.launch(request('r-stop', 'RM_t'));
    await waitFor(() => said(lines, 'fake agent agent').length > 0, 'the agent to run');
    const exited = nextExit(launcher);
    await launcher.stop({ name: 'r-stop' });
    expect(await exited).toMatchObject({ code: 0, signal: null, requested: true });
    expect(said(lines, 'agent for room')).toEqual([expect.objectContaining({ level: 30, code: 0, signal: null, room: 'r-stop', msg: 'agent for room r-stop exited' })]);
  });
});

describe('LocalProcessLauncher warm agent edges', () => {
  it('logs a warm agent that could not be spawned with its error, and lists none', async () => {
    const { launcher, lines } = makeLauncher({ command: [missing], warmAgents: 1 });
    expect(launcher.warmAgentsNow()).toEqual([]);
    await waitFor(() => said(lines, 'could not start a warm agent').length > 0, 'the spawn error');
    expect(said(lines, 'could not start a warm agent')).toEqual([
      expect.objectContaining({ level: 50, warm: true, err: `spawn ${missing} ENOENT`, msg: 'could not start a warm agent; rooms start cold' }),
    ]);
    expect(launcher.warmAgentsNow()).toEqual([]);
  });

  it('logs a warm agent that failed to load with its exit code, and one killed with its signal', async () => {
    const crashed = makeLauncher({ warmAgents: 1 }, { FAKE_AGENT_WARM: 'crash' });
    await waitFor(() => said(crashed.lines, 'a warm agent exited').length > 0, 'the warm agent to fail');
    expect(said(crashed.lines, 'a warm agent exited')).toEqual([
      expect.objectContaining({ level: 40, code: 4, signal: null, msg: 'a warm agent exited before it was given a room (code 4); the next room starts cold' }),
    ]);
    const killed = makeLauncher({ warmAgents: 1 }, { FAKE_AGENT_WARM: 'silent' });
    await waitFor(() => killed.launcher.warmAgentsNow().length === 1, 'the warm agent to spawn');
    const [warm] = killed.launcher.warmAgentsNow();
    killAgent(warm!.pid, 'SIGKILL');
    await waitFor(() => said(killed.lines, 'a warm agent exited').length > 0, 'the warm agent to die');
    expect(said(killed.lines, 'a warm agent exited')).toEqual([
      expect.objectContaining({ level: 40, warm: true, pid: warm!.pid, code: null, signal: 'SIGKILL', msg: 'a warm agent exited before it was given a room (SIGKILL); the next room starts cold' }),
    ]);
    expect(killed.launcher.warmAgentsNow()).toEqual([]);
  });

  it('says a warm agent is ready once, with its pid, however often it says so', async () => {
    const { launcher, lines } = makeLauncher({ command: [process.execPath, edgeAgent], warmAgents: 1 }, { FAKE_EDGE_WARM: 'double-ready' });
    await waitFor(() => launcher.warmAgentsNow().some((w) => w.ready), 'a ready warm agent');
    const [warm] = launcher.warmAgentsNow();
    const result = await launcher.launch(request('r-warm', 'RM_w'));
    expect(result.agent!.id).toBe(String(warm!.pid));
    await waitFor(() => said(lines, 'edge warm agent took').length > 0, 'the warm agent to take its room');
    expect(said(lines, 'warm agent ready')).toEqual([expect.objectContaining({ level: 30, warm: true, pid: warm!.pid, msg: 'warm agent ready for a room' })]);
  });

  it('does not count other messages on the channel as ready', async () => {
    const { launcher, lines } = makeLauncher({ command: [process.execPath, edgeAgent], warmAgents: 1 }, { FAKE_EDGE_WARM: 'noise' });
    await waitFor(() => said(lines, 'noise sent').length > 0, 'the messages to be sent');
    const [warm] = launcher.warmAgentsNow();
    expect(warm).toEqual({ pid: expect.any(Number) as number, ready: false });
    const result = await launcher.launch(request('r-noise', 'RM_n'));
    expect(result.agent!.id).not.toBe(String(warm!.pid));
    expect(said(lines, 'warm agent ready')).toEqual([]);
  });

  it('does not hand a room to a ready warm agent that closed its channel', async () => {
    const { launcher, lines } = makeLauncher({ command: [process.execPath, edgeAgent], warmAgents: 1 }, { FAKE_EDGE_WARM: 'ready-disconnect' });
    await waitFor(() => said(lines, 'disconnected').length > 0, 'the warm agent to close its channel');
    const [warm] = launcher.warmAgentsNow();
    expect(warm).toMatchObject({ ready: true });
    const result = await launcher.launch(request('r-closed', 'RM_d'));
    expect(result.agent!.id).not.toBe(String(warm!.pid));
    expect(said(lines, 'could not hand room')).toEqual([]);
  });

  it('logs nothing about warm agents it ends itself on close', async () => {
    const { launcher, lines } = makeLauncher({ warmAgents: 1 });
    await waitFor(() => launcher.warmAgentsNow().some((w) => w.ready), 'a ready warm agent');
    const [warm] = launcher.warmAgentsNow();
    await launcher.close();
    expect(isAlive(warm!.pid)).toBe(false);
    expect(said(lines, 'a warm agent exited')).toEqual([]);
    expect(launcher.warmAgentsNow()).toEqual([]);
  });
});
