/**
 * RoomLaunches.repair (reconcile's way in) on a clock the test moves: what it does inside the
 * relaunch delay, after it, and for a finished room. Written after the mutation run found these
 * outcomes unchecked (docs/testing.md); then what it promises around the launcher and the ledger,
 * and the per-sid queue.
 */
import { describe, expect, it } from 'vitest';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { KeyedQueue, RoomLaunches } from '../../src/orchestrator/launches.ts';
import { LaunchError, type Launcher } from '../../src/orchestrator/launcher.ts';
import { DEFAULT_LEDGER_TIMES, MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { capturingLogger, delegate, ledgerWith, silentLogger } from './helpers.ts';

function setup() {
  let now = 1_000_000;
  const clock = () => now;
  const launcher = new DryRunLauncher();
  const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(DEFAULT_LEDGER_TIMES, clock), logger: silentLogger(), relaunchAfterMs: 60_000, now: clock });
  return { launcher, launches, advance: (ms: number) => (now += ms) };
}

const room = { room: 'board-r', roomSid: 'RM_r', profile: 'board-meeting' };

describe('RoomLaunches.repair', () => {
  it('leaves a launch alone inside the relaunch delay and relaunches a vanished agent once it has passed', async () => {
    const { launcher, launches, advance } = setup();
    const started = await launches.start(room);
    expect(started.status).toBe('claimed');
    if (started.status === 'claimed') await started.launched;
    launcher.forget({ name: room.room, sid: room.roomSid });
    advance(59_999);
    expect(await launches.repair(room)).toBe('in-progress');
    expect(launcher.launches()).toHaveLength(1);
    advance(1);
    expect(await launches.repair(room)).toBe('launched');
    expect(launcher.launches().map((r) => r.launchId)).toEqual(['RM_r-g1', 'RM_r-g2']);
    // The relaunch is a claim of its own: at once again, it is in progress.
    expect(await launches.repair(room)).toBe('in-progress');
  });

  it('says running when the launcher already has the agent, and finished for a room that ended', async () => {
    const { launches, advance } = setup();
    const started = await launches.start(room);
    if (started.status === 'claimed') await started.launched;
    advance(120_000);
    expect(await launches.repair(room)).toBe('running');
    expect(await launches.finish({ name: room.room, sid: room.roomSid })).toBe(1);
    advance(120_000);
    expect(await launches.repair(room)).toBe('finished');
  });

  it('launches a listed room it has no record of at once', async () => {
    const { launcher, launches } = setup();
    expect(await launches.repair(room)).toBe('launched');
    expect(launcher.launches().map((r) => r.launchId)).toEqual(['RM_r-g1']);
  });

  it('two processes repairing one room at once (two reconcile passes, one ledger) launch it once', async () => {
    const ledger = new MemoryLedger();
    const launcher = new DryRunLauncher();
    const [a, b] = [0, 1].map(() => new RoomLaunches({ launcher, ledger, logger: silentLogger() }));
    const outcomes = await Promise.all([a!.repair(room), b!.repair(room)]);
    expect(outcomes.sort()).toEqual(['in-progress', 'launched']);
    expect(launcher.launches()).toHaveLength(1);
  });

  it('settled() resolves only once a launch and a stop under way have ended', async () => {
    const inner = new DryRunLauncher();
    let releaseLaunch: () => void = () => undefined;
    let releaseStop: () => void = () => undefined;
    const launchGate = new Promise<void>((resolve) => (releaseLaunch = resolve));
    const stopGate = new Promise<void>((resolve) => (releaseStop = resolve));
    const launcher: Launcher = {
      ...delegate(inner),
      launch: async (request) => (await launchGate, inner.launch(request)),
      stop: async (r) => (await stopGate, inner.stop(r)),
    };
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    await launches.start(room);
    void launches.stopOrphan({ name: 'board-old', sid: 'RM_old' });
    let settled = false;
    const waiting = launches.settled().then(() => (settled = true));
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    await turn();
    expect(settled).toBe(false);
    releaseLaunch();
    await turn();
    expect(settled).toBe(false);
    releaseStop();
    await waiting;
    expect(await inner.running()).toHaveLength(1);
    expect(inner.calls.map((c) => c.kind)).toEqual(['launch', 'stop']);
  });

  it('settled() waits for a launch still in its queue', async () => {
    const { launcher, launches } = setup();
    const started = await launches.start(room);
    expect(started.status).toBe('claimed');
    await launches.settled();
    expect(await launcher.running()).toHaveLength(1);
  });
});

describe('RoomLaunches around the launcher and the ledger', () => {
  it('waits 60 s by default before relaunching a room whose agent vanished', async () => {
    let now = 1_000_000;
    const clock = () => now;
    const launcher = new DryRunLauncher();
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(DEFAULT_LEDGER_TIMES, clock), logger: silentLogger(), now: clock });
    expect(await launches.repair(room)).toBe('launched');
    launcher.forget({ name: room.room, sid: room.roomSid });
    now += 59_999;
    expect(await launches.repair(room)).toBe('in-progress');
    now += 1;
    expect(await launches.repair(room)).toBe('launched');
  });

  it('a stop by room name alone (no sid) stops its agents and marks no sid finished', async () => {
    const ledger = new MemoryLedger();
    const finished: string[] = [];
    const recording = ledgerWith({ finishRoom: (sid, name) => (finished.push(sid), ledger.finishRoom(sid, name)) }, ledger);
    const launcher = new DryRunLauncher();
    const launches = new RoomLaunches({ launcher, ledger: recording, logger: silentLogger() });
    await launcher.launch(room);
    expect(await launches.finish({ name: room.room })).toBe(1);
    expect(finished).toEqual([]);
    expect(await launches.finish({ name: room.room, sid: room.roomSid })).toBe(0);
    expect(finished).toEqual([room.roomSid]);
  });

  it('a stop by name does not wait for a stuck stop of another room by name', async () => {
    const inner = new DryRunLauncher();
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const launcher: Launcher = { ...delegate(inner), stop: async (r) => (r.name === 'stuck-room' ? (await stuck, inner.stop(r)) : inner.stop(r)) };
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const first = launches.stopOrphan({ name: 'stuck-room' });
    expect(await launches.stopOrphan({ name: 'other-room' })).toBe(0);
    release();
    expect(await first).toBe(0);
  });

  it('a failed launch rejects with the launcher error even when the claim cannot be given back, and logs that', async () => {
    const ledger = new MemoryLedger();
    const failing = ledgerWith(
      {
        releaseLaunch: async () => {
          throw new Error('ledger unreachable');
        },
      },
      ledger,
    );
    const launcher: Launcher = {
      ...delegate(new DryRunLauncher()),
      launch: async () => {
        throw new LaunchError('no capacity', 503);
      },
    };
    const { logger, lines } = capturingLogger();
    const launches = new RoomLaunches({ launcher, ledger: failing, logger });
    const started = await launches.start(room);
    if (started.status !== 'claimed') throw new Error('claim lost');
    await expect(started.launched).rejects.toThrow('no capacity');
    expect(lines.filter((l) => l.level === 50)).toEqual([
      expect.objectContaining({ room: room.room, sid: room.roomSid, err: 'Error: ledger unreachable', msg: expect.stringContaining('could not give back the launch claim') }),
    ]);
    // The claim stays taken: reconcile relaunches only after the relaunch delay.
    expect(await ledger.lookup(room.roomSid)).toMatchObject({ generation: 1 });
  });
});

describe('KeyedQueue', () => {
  it('runs the tasks of one key one after another, in order, and those of other keys meanwhile', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const steps = new Map<string, Step>();
    const task = (name: string) => {
      const s = step(name, events);
      steps.set(name, s);
      return s.task;
    };
    const a = queue.run('RM_1', task('a'));
    const b = queue.run('RM_1', task('b'));
    const other = queue.run('RM_2', task('other'));
    await Promise.all([steps.get('a')?.started, steps.get('other')?.started]);
    steps.get('other')?.finish();
    expect(await other).toBe('other');
    steps.get('a')?.finish();
    await a;
    await steps.get('b')?.started;
    // A task queued while the second runs waits for it, not only for the first.
    const c = queue.run('RM_1', task('c'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    steps.get('b')?.finish();
    await b;
    await steps.get('c')?.started;
    steps.get('c')?.finish();
    expect(await c).toBe('c');
    expect(events).toEqual(['start a', 'start other', 'end other', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps no entry for a key once its tasks have settled, failed ones too', async () => {
    const queue = new KeyedQueue();
    await queue.run('RM_1', async () => 1);
    await expect(queue.run('RM_2', async () => Promise.reject(new Error('launch failed')))).rejects.toThrow('launch failed');
    const first = queue.run('RM_3', async () => 1);
    const second = queue.run('RM_3', async () => 2);
    expect(queue.size).toBe(1);
    await Promise.all([first, second]);
    expect(queue.size).toBe(0);
  });
});

interface Step {
  task: () => Promise<string>;
  started: Promise<void>;
  finish(): void;
}

/** A task the test starts and ends by hand; `events` records both. */
function step(name: string, events: string[]): Step {
  let markStarted: () => void = () => undefined;
  let finish: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const task = () =>
    new Promise<string>((resolve) => {
      events.push(`start ${name}`);
      finish = () => (events.push(`end ${name}`), resolve(name));
      markStarted();
    });
  return { task, started, finish: () => finish() };
}
