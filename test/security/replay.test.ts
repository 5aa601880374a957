/**
 * Replays: a captured, correctly signed request sent again — at once, to a fresh process that
 * shares the ledger (another Lambda instance), after its room finished, or once it is old — and
 * a late launch that would join a new room of the same name. None may start an agent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { signedEvent } from '../orchestrator/helpers.ts';
import { startTwirpServer, type TwirpServer } from '../orchestrator/livekit-twirp.ts';
import { API_KEY, API_SECRET, post, startTarget, stopTargets } from './harness.ts';

afterEach(stopTargets);

async function replay(target: Awaited<ReturnType<typeof startTarget>>, captured: { body: string; authorization: string }) {
  return post(target, captured.body, { authorization: captured.authorization });
}

describe('replayed webhooks', () => {
  it('the same request again is a duplicate, to this process and to a fresh one sharing the ledger', async () => {
    const ledger = new MemoryLedger();
    const first = new DryRunLauncher();
    const target = await startTarget({ launcher: first, ledger });
    const captured = await signedEvent({ event: 'room_started', room: 'board-r', sid: 'RM_replay', id: 'EV_captured' });
    expect((await replay(target, captured)).status).toBe(202);
    expect((await replay(target, captured)).body).toMatchObject({ action: 'duplicate' });
    const fresh = new DryRunLauncher();
    const other = await startTarget({ launcher: fresh, ledger });
    expect((await replay(other, captured)).body).toMatchObject({ action: 'duplicate' });
    await target.service.launches.settled();
    expect(first.launches().length + fresh.launches().length).toBe(1);
  });

  it('a room_started replayed after its room finished launches nothing', async () => {
    const launcher = new DryRunLauncher();
    const target = await startTarget({ launcher });
    const started = await signedEvent({ event: 'room_started', room: 'board-r', sid: 'RM_over', id: 'EV_start' });
    await replay(target, started);
    await replay(target, await signedEvent({ event: 'room_finished', room: 'board-r', sid: 'RM_over', id: 'EV_end' }));
    await target.service.launches.settled();
    expect(await launcher.running()).toEqual([]);
    expect((await replay(target, started)).body).toMatchObject({ action: 'duplicate' });
    await target.service.launches.settled();
    expect(launcher.launches()).toHaveLength(1);
  });

  it('an old event with a fresh signature is answered stale, with one warn line', async () => {
    const launcher = new DryRunLauncher();
    const target = await startTarget({ launcher });
    const old = await signedEvent({ event: 'room_started', room: 'board-r', sid: 'RM_old', createdAt: Math.floor(Date.now() / 1000) - 30 * 60 });
    expect((await replay(target, old)).body).toMatchObject({ action: 'stale' });
    expect(target.refusals()).toEqual([expect.objectContaining({ reason: expect.stringMatching(/s old/) })]);
    expect(launcher.calls).toEqual([]);
  });
});

describe('a late launch and a new room of the same name', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let twirp: TwirpServer;
  beforeAll(async () => {
    twirp = await startTwirpServer(API_KEY, API_SECRET, [{ name: 'board-r', sid: 'RM_new' }]);
  });
  afterAll(() => twirp.close());

  it('the agent launched for the old sid exits without joining the new room', async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/interpreter.js', 'agent'], {
        cwd: root,
        env: {
          ...process.env,
          INTERPRETER_ROOM: 'board-r',
          INTERPRETER_ROOM_SID: 'RM_old',
          INTERPRETER_PROFILE: 'board-meeting',
          LIVEKIT_URL: twirp.url.replace('http', 'ws'),
          LIVEKIT_API_KEY: API_KEY,
          LIVEKIT_API_SECRET: API_SECRET,
          AZURE_SPEECH_KEY: 'k',
          AZURE_SPEECH_REGION: 'westeurope',
          LOG_LEVEL: 'info',
        },
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('room board-r (sid RM_old) no longer exists; nothing to interpret');
  });
});
