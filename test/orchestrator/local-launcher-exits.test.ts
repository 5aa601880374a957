// How the local launcher reports agents that exit: the log level says whether anyone asked for the
// exit, and a listener that unsubscribed hears no more exits.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { LocalProcessLauncher, type AgentExit } from '../../src/orchestrator/local-launcher.ts';
import { capturingLogger, killAgent } from './helpers.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const launchers: LocalProcessLauncher[] = [];

function makeLauncher(mode: string) {
  const { logger, lines } = capturingLogger();
  const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: mode } });
  launchers.push(launcher);
  return { launcher, lines };
}

/** Until the fake agent says it runs: its signal handlers are in place from then on. */
async function running(lines: Record<string, unknown>[], room: string): Promise<void> {
  const said = () => lines.some((l) => String(l.msg).startsWith('fake agent agent') && String(l.msg).includes(`room="${room}"`));
  for (let i = 0; i < 800 && !said(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!said()) throw new Error(`the agent for ${room} never said it runs`);
}

const exitLines = (lines: Record<string, unknown>[]) => lines.filter((l) => String(l.msg).startsWith('agent for room'));

function nextExit(launcher: LocalProcessLauncher): Promise<AgentExit> {
  return new Promise((resolve) => {
    const off = launcher.onExit((exit) => {
      off();
      resolve(exit);
    });
  });
}

afterEach(async () => {
  await Promise.all(launchers.splice(0).map((l) => l.close()));
});

describe('LocalProcessLauncher exits', () => {
  it('logs an exit it asked for at info, with the exit code, not as an error', async () => {
    const { launcher, lines } = makeLauncher('run');
    await launcher.launch({ room: 'asked', roomSid: 'RM_asked', profile: 'p' });
    await running(lines, 'asked');
    const exited = nextExit(launcher);
    await launcher.stop({ name: 'asked' });
    expect(await exited).toMatchObject({ code: 0, signal: null, requested: true });
    expect(exitLines(lines)).toEqual([expect.objectContaining({ level: 30, code: 0, signal: null, msg: 'agent for room asked exited' })]);
  });

  it('logs an agent that exits with code 0 unasked at info too', async () => {
    const { launcher, lines } = makeLauncher('run');
    const launched = await launcher.launch({ room: 'clean', roomSid: 'RM_clean', profile: 'p' });
    await running(lines, 'clean');
    const exited = nextExit(launcher);
    // SIGUSR2 is "your room has ended": the fake agent leaves with code 0, and the launcher did not ask.
    killAgent(Number(launched.agent!.id), 'SIGUSR2');
    expect(await exited).toMatchObject({ code: 0, requested: false });
    expect(exitLines(lines)).toEqual([expect.objectContaining({ level: 30, code: 0, msg: 'agent for room clean exited' })]);
  });

  it('a listener that unsubscribed hears no later exit; one still subscribed does', async () => {
    const { launcher } = makeLauncher('run');
    const heardByGone: AgentExit[] = [];
    const off = launcher.onExit((exit) => heardByGone.push(exit));
    off();
    await launcher.launch({ room: 'quiet', roomSid: 'RM_quiet', profile: 'p' });
    const exited = nextExit(launcher);
    await launcher.stop({ name: 'quiet' });
    expect((await exited).agent.room).toBe('quiet');
    expect(heardByGone).toEqual([]);
  });
});
