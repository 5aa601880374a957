import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomServiceClient } from 'livekit-server-sdk';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { RELAUNCHED_MESSAGE, reconcile, scheduleReconcile } from '../../src/orchestrator/reconcile.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { LaunchError, type Launcher } from '../../src/orchestrator/launcher.ts';
import { silentLogger } from '../../src/orchestrator/log.ts';
import { API_KEY, API_SECRET, capturingLogger, delegate, testProfile } from './helpers.ts';
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

describe('what a reconcile pass reports and logs', () => {
  const listed = (...names: string[]) => names.map((name) => ({ name, sid: `RM_${name}` }));
  const infoLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.msg === 'reconciled agents with rooms');
  const warnLines = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === 40);

  it('logs nothing when there is nothing to do, and its report once it launched and stopped', async () => {
    const launcher = new DryRunLauncher();
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const quiet = capturingLogger();
    expect(await reconcile({ profiles, launches, logger: quiet.logger, listRooms: async () => [] })).toEqual({ rooms: 0, launched: [], stopped: [], failed: [], deferred: [] });
    expect(quiet.lines).toEqual([]);

    await launcher.launch({ room: 'board-old', roomSid: 'RM_board-old', profile: 'board-meeting' });
    const { logger, lines } = capturingLogger();
    const report = await reconcile({ profiles, launches, logger, listRooms: async () => listed('board-new') });
    expect(report).toEqual({ rooms: 1, launched: ['board-new'], stopped: ['board-old'], failed: [], deferred: [] });
    // The report, and one warning per relaunched room (the line CloudWatch counts).
    expect(lines.filter((l) => l.msg !== RELAUNCHED_MESSAGE)).toEqual([expect.objectContaining({ level: 30, reconcile: report })]);
    expect(lines.filter((l) => l.msg === RELAUNCHED_MESSAGE)).toHaveLength(report.launched.length);
    expect(infoLines(lines)).toHaveLength(1);
  });

  it('reports a stop or a launch that failed with its error, goes on with the others, and logs it', async () => {
    const inner = new DryRunLauncher();
    const launcher: Launcher = {
      ...delegate(inner),
      stop: async (room) => {
        if (room.name === 'board-stuck') throw new Error('ECS StopTask throttled');
        return inner.stop(room);
      },
      launch: async (request) => {
        if (request.room === 'board-broken') throw new LaunchError('RunTask failed: no capacity', 503);
        return inner.launch(request);
      },
    };
    for (const room of ['board-stuck', 'board-gone']) await inner.launch({ room, roomSid: `RM_${room}`, profile: 'board-meeting' });
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const stops = capturingLogger();
    const stopReport = await reconcile({ profiles, launches, logger: stops.logger, listRooms: async () => [] });
    expect(stopReport).toEqual({ rooms: 0, launched: [], stopped: ['board-gone'], failed: [{ room: 'board-stuck', error: 'ECS StopTask throttled' }], deferred: [] });
    expect(infoLines(stops.lines)).toEqual([expect.objectContaining({ reconcile: stopReport })]);

    const launchesLog = capturingLogger();
    const launchReport = await reconcile({ profiles, launches, logger: launchesLog.logger, listRooms: async () => listed('board-broken', 'board-stuck', 'board-fine') });
    expect(launchReport).toMatchObject({ launched: ['board-fine'], failed: [{ room: 'board-broken', error: 'RunTask failed: no capacity' }] });
    expect(infoLines(launchesLog.lines)).toHaveLength(1);
  });

  it('defers what it has no time left for, launches and stops alike, and warns how many', async () => {
    let now = 1_000_000;
    const inner = new DryRunLauncher();
    const launcher: Launcher = { ...delegate(inner), launch: async (request) => ((now += 1_000), inner.launch(request)) };
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const { logger, lines } = capturingLogger();
    // One launch at a time, 1 s each, in a budget of 1 s: the first starts, the second is left over.
    const report = await reconcile({ profiles, launches, logger, listRooms: async () => listed('board-1', 'board-2'), budgetMs: 1_000, concurrency: 1, now: () => now });
    expect(report).toEqual({ rooms: 2, launched: ['board-1'], stopped: [], failed: [], deferred: ['board-2'] });
    expect(infoLines(lines)).toEqual([expect.objectContaining({ reconcile: report })]);
    expect(warnLines(lines).filter((l) => l.msg !== RELAUNCHED_MESSAGE)).toEqual([expect.objectContaining({ deferred: 1, msg: 'reconcile ran out of time; the next pass continues' })]);

    const orphans = await reconcile({ profiles, launches, logger: silentLogger(), listRooms: async () => [], budgetMs: 0, now: () => now });
    expect(orphans).toEqual({ rooms: 0, launched: [], stopped: [], failed: [], deferred: ['board-1'] });
  });

  it('has a 30 s budget by default', async () => {
    let now = 1_000_000;
    let step = 29_999;
    const inner = new DryRunLauncher();
    const launcher: Launcher = { ...delegate(inner), launch: async (request) => ((now += step), inner.launch(request)) };
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const options = { profiles, launches, logger: silentLogger(), concurrency: 1, now: () => now };
    expect(await reconcile({ ...options, listRooms: async () => listed('board-1', 'board-2') })).toMatchObject({ launched: ['board-1', 'board-2'], deferred: [] });
    step = 30_000;
    expect(await reconcile({ ...options, listRooms: async () => listed('board-1', 'board-2', 'board-3', 'board-4') })).toMatchObject({ launched: ['board-3'], deferred: ['board-4'] });
  });

  it('leaves alone a listed room whose agent the launcher already runs (one it launched before a restart)', async () => {
    const launcher = new DryRunLauncher();
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_board-q3', profile: 'board-meeting' });
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    expect(await reconcile({ profiles, launches, logger: silentLogger(), listRooms: async () => listed('board-q3') })).toEqual({ rooms: 1, launched: [], stopped: [], failed: [], deferred: [] });
    expect(launcher.launches()).toHaveLength(1);
  });

  it('matches listed rooms on their metadata too', async () => {
    const byTier = { ...testProfile('exec-tier', []), priority: 5, match: { rooms: [], metadata: { tier: 'exec' } } };
    const launcher = new DryRunLauncher();
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const rooms = [
      { name: 'board-a', sid: 'RM_a', metadata: '{"tier":"exec"}' },
      { name: 'board-b', sid: 'RM_b', metadata: '' },
      { name: 'board-c', sid: 'RM_c' },
    ];
    await reconcile({ profiles: [...profiles, byTier], launches, logger: silentLogger(), listRooms: async () => rooms });
    expect(launcher.launches().map((r) => [r.room, r.profile])).toEqual([
      ['board-a', 'exec-tier'],
      ['board-b', 'board-meeting'],
      ['board-c', 'board-meeting'],
    ]);
  });
});

describe('scheduleReconcile', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass at once and then every interval until stopped, one at a time, logging a failed one with its error', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let passes = 0;
    const { logger, lines } = capturingLogger();
    const launches = new RoomLaunches({ launcher: new DryRunLauncher(), ledger: new MemoryLedger(), logger: silentLogger() });
    const schedule = scheduleReconcile({
      intervalMs: 60_000,
      profiles,
      launches,
      logger,
      listRooms: async () => {
        passes++;
        if (passes === 2) throw new Error('LiveKit answered 503');
        return [];
      },
    });
    await schedule.runNow();
    expect(passes).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    await schedule.runNow();
    // The interval's pass failed; the one asked for after it is a pass of its own.
    expect(passes).toBe(3);
    expect(lines).toEqual([expect.objectContaining({ level: 40, err: 'LiveKit answered 503', msg: 'reconcile failed; will retry' })]);
    schedule.stop();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(passes).toBe(3);
  });
});
