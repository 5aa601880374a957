import { afterEach, describe, expect, it } from 'vitest';
import { RoomServiceClient } from 'livekit-server-sdk';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { RELAUNCHED_MESSAGE, reconcile, scheduleReconcile } from '../../src/orchestrator/reconcile.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { silentLogger } from '../../src/orchestrator/log.ts';
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
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    await launcher.launch({ room: 'board-old', roomSid: 'RM_gone', profile: 'board-meeting' });
    const log = capturingLogger();
    const report = await reconcile({ profiles, launches, logger: log.logger, listRooms: roomLister(twirp.url) });
    expect(report).toEqual({ rooms: 2, launched: ['board-q3'], stopped: ['board-old'], failed: [], deferred: [] });
    // One line per relaunched room, with the message CloudWatch's metric filter counts.
    expect(log.lines.filter((l) => l.msg === RELAUNCHED_MESSAGE)).toEqual([expect.objectContaining({ room: 'board-q3', sid: 'RM_live', profile: 'board-meeting', level: 40 })]);
    expect((await launcher.running()).map((a) => a.room)).toEqual(['board-q3']);
    // Orphans are stopped before any launch starts.
    expect(launcher.calls.map((c) => c.kind)).toEqual(['launch', 'stop', 'launch']);
    // A second pass finds nothing to do, and counts no relaunch.
    const again = capturingLogger();
    expect(await reconcile({ profiles, launches, logger: again.logger, listRooms: roomLister(twirp.url) })).toMatchObject({ launched: [], stopped: [] });
    expect(again.lines.filter((l) => l.msg === RELAUNCHED_MESSAGE)).toEqual([]);
  });

  it('keeps running when LiveKit cannot be reached or rejects the key, and logs it', async () => {
    twirp = await startTwirpServer(API_KEY, API_SECRET, [{ name: 'board-q3', sid: 'RM_1' }]);
    const { logger, lines } = capturingLogger();
    const launcher = new DryRunLauncher();
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    // A port this test holds, where every connection is cut before an answer.
    const held = await heldClosedPort();
    const unreachable = scheduleReconcile({ intervalMs: 60_000, profiles, launches, logger, listRooms: roomLister(`http://127.0.0.1:${held.port}`) });
    await unreachable.runNow();
    unreachable.stop();
    held.release();
    const rejected = scheduleReconcile({ intervalMs: 60_000, profiles, launches, logger, listRooms: roomLister(twirp.url, 'wrong-secret-wrong-secret-wrong!') });
    await rejected.runNow();
    rejected.stop();
    expect(lines.filter((l) => l.msg === 'reconcile failed; will retry')).toHaveLength(2);
    expect(launcher.calls).toEqual([]);
  });
});

describe('reconcile in parallel within a time budget', () => {
  it('launches many missing rooms at once and defers those it has no time left for', async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => ({ name: `board-${i}`, sid: `RM_p${i}` }));
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new DryRunLauncher();
    const launcher = {
      ...inner,
      kind: inner.kind,
      refuses: inner.refuses.bind(inner),
      running: inner.running.bind(inner),
      stop: inner.stop.bind(inner),
      close: inner.close.bind(inner),
      launch: async (request: Parameters<DryRunLauncher['launch']>[0]) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (inFlight === 4) release();
        await gate;
        inFlight--;
        return inner.launch(request);
      },
    };
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const report = await reconcile({ profiles, launches, logger: silentLogger(), listRooms: async () => rooms, concurrency: 4 });
    expect(most).toBe(4);
    expect(report.launched).toHaveLength(12);

    const late = await reconcile({ profiles, launches: new RoomLaunches({ launcher: new DryRunLauncher(), ledger: new MemoryLedger(), logger: silentLogger() }), logger: silentLogger(), listRooms: async () => rooms, budgetMs: 0 });
    expect(late).toMatchObject({ launched: [], deferred: rooms.map((r) => r.name) });
  });
});

async function heldClosedPort(): Promise<{ port: number; release(): void }> {
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, release: () => server.close() };
}
