/**
 * The dry-run launcher (`serve --launcher dry-run`, `plan`, and most orchestrator tests): it keeps
 * the launcher contract like a real one, one agent per room sid, the launch contract's refusals,
 * a limit when given one, stops and exits per room.
 */
import { describe, expect, it } from 'vitest';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';

const request = (n: number) => ({ room: `board-${n}`, roomSid: `RM_${n}`, profile: 'board-meeting' });

describe('DryRunLauncher', () => {
  it('runs one agent per room sid: a second launch answers with the first agent', async () => {
    const launcher = new DryRunLauncher();
    const first = await launcher.launch(request(1));
    expect(first).toMatchObject({ status: 'launched', agent: { room: 'board-1', roomSid: 'RM_1', profile: 'board-meeting', id: 'dry-run-1' } });
    expect(await launcher.launch(request(1))).toEqual({ status: 'already-running', agent: first.agent });
    expect(await launcher.running()).toHaveLength(1);
  });

  it('refuses what the launch contract refuses, with 422', async () => {
    const launcher = new DryRunLauncher();
    const refused = await launcher.launch({ ...request(1), roomSid: '' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LaunchError);
    expect(refused).toMatchObject({ status: 422, message: 'cannot launch an agent for this room: room sid is empty' });
    expect(await launcher.running()).toEqual([]);
  });

  it('stops at its limit with 503 (LiveKit retries), and has none unless given one', async () => {
    const limited = new DryRunLauncher({ maxAgents: 2 });
    await limited.launch(request(1));
    await limited.launch(request(2));
    await expect(limited.launch(request(3))).rejects.toMatchObject({ status: 503, message: 'dry-run launcher is at its limit of 2 agents; room board-3 must wait' });
    await limited.stop({ name: 'board-1', sid: 'RM_1' });
    expect(await limited.launch(request(3))).toMatchObject({ status: 'launched' });
    const unlimited = new DryRunLauncher();
    for (let n = 0; n < 30; n++) await unlimited.launch(request(n));
    expect(await unlimited.running()).toHaveLength(30);
  });

  it('stops and forgets only the agents of the room asked for', async () => {
    const launcher = new DryRunLauncher();
    for (const n of [1, 2, 3]) await launcher.launch(request(n));
    expect(await launcher.stop({ name: 'board-2', sid: 'RM_2' })).toBe(1);
    expect(await launcher.stop({ name: 'board-2', sid: 'RM_2' })).toBe(0);
    launcher.forget({ name: 'board-1', sid: 'RM_1' });
    expect((await launcher.running()).map((a) => a.room)).toEqual(['board-3']);
    expect(launcher.calls.map((c) => c.kind)).toEqual(['launch', 'launch', 'launch', 'stop', 'stop']);
  });
});
