/**
 * RoomLaunches.repair (reconcile's way in) on a clock the test moves: what it does inside the
 * relaunch delay, after it, and for a finished room. Written after the mutation run found these
 * outcomes unchecked (docs/testing.md).
 */
import { describe, expect, it } from 'vitest';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { DEFAULT_LEDGER_TIMES, MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { silentLogger } from './helpers.ts';

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

  it('settled() waits for a launch still in its queue', async () => {
    const { launcher, launches } = setup();
    const started = await launches.start(room);
    expect(started.status).toBe('claimed');
    await launches.settled();
    expect(await launcher.running()).toHaveLength(1);
  });
});
