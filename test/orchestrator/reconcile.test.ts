import { afterEach, describe, expect, it } from 'vitest';
import { RoomServiceClient } from 'livekit-server-sdk';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { reconcile, scheduleReconcile } from '../../src/orchestrator/reconcile.ts';
import { API_KEY, API_SECRET, capturingLogger, testProfile } from './helpers.ts';
import { startTwirpServer, type TwirpServer } from './livekit-twirp.ts';

const profiles = [testProfile('board-meeting', ['board-*'])];
let twirp: TwirpServer | undefined;
afterEach(async () => {
  await twirp?.close();
  twirp = undefined;
});

function roomLister(url: string, secret = API_SECRET) {
  const client = new RoomServiceClient(url, API_KEY, secret);
  return async () => (await client.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata }));
}

describe('reconcile against a LiveKit RoomService', () => {
  it('launches an agent for a listed room that has none, and stops one whose room is gone', async () => {
    twirp = await startTwirpServer(API_KEY, API_SECRET, [
      { name: 'board-q3', sid: 'RM_live' },
      { name: 'coffee-chat', sid: 'RM_nomatch' },
    ]);
    const launcher = new DryRunLauncher();
    await launcher.launch({ room: 'board-old', roomSid: 'RM_gone', profile: 'board-meeting' });
    const report = await reconcile({ profiles, launcher, logger: capturingLogger().logger, listRooms: roomLister(twirp.url) });
    expect(report).toEqual({ rooms: 2, launched: ['board-q3'], stopped: ['board-old'], failed: [] });
    expect((await launcher.running()).map((a) => a.room)).toEqual(['board-q3']);
    // A second pass finds nothing to do.
    expect(await reconcile({ profiles, launcher, logger: capturingLogger().logger, listRooms: roomLister(twirp.url) })).toMatchObject({ launched: [], stopped: [] });
  });

  it('keeps running when LiveKit cannot be reached or rejects the key, and logs it', async () => {
    twirp = await startTwirpServer(API_KEY, API_SECRET, [{ name: 'board-q3', sid: 'RM_1' }]);
    const { logger, lines } = capturingLogger();
    const launcher = new DryRunLauncher();
    const unreachable = scheduleReconcile({ intervalMs: 60_000, profiles, launcher, logger, listRooms: roomLister('http://127.0.0.1:9') });
    await unreachable.runNow();
    unreachable.stop();
    const rejected = scheduleReconcile({ intervalMs: 60_000, profiles, launcher, logger, listRooms: roomLister(twirp.url, 'wrong-secret-wrong-secret-wrong!') });
    await rejected.runNow();
    rejected.stop();
    expect(lines.filter((l) => l.msg === 'reconcile failed; will retry')).toHaveLength(2);
    expect(launcher.calls).toEqual([]);
  });
});
