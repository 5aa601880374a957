/**
 * "One interpreter per room sid": after a reconnect the agent asks whether the room is still the
 * one it was launched for, and leaves when it is not (a restarted single-node LiveKit recreates
 * the room under a new sid, which gets an agent of its own); an interpreter replaced by another
 * with the same identity leaves too. Both are normal ends (exit 0), with nothing to drain.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { exitCode, superviseRoom } from '../../src/agent/lifecycle.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile } from './profiles.ts';

const logger = pino({ level: 'silent' });

function setup() {
  const room = new MemoryRoom();
  room.join('alice');
  const interpreter = new RoomInterpreter({
    room,
    profile: agentProfile(),
    logger,
    openSession: () => {
      throw new Error('no speaker in these tests');
    },
  });
  return { room, interpreter };
}

/** Lets `limit` turns of the event loop run, or fewer if `done` holds sooner. */
async function turns(done: () => boolean, limit = 100): Promise<void> {
  for (let i = 0; i < limit && !done(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('an agent whose room is no longer its room', () => {
  it('stays after a reconnect to its own room, and leaves (exit 0) after one to a recreated room', async () => {
    const { room, interpreter } = setup();
    await interpreter.start();
    const answers = [true, false];
    const asked: boolean[] = [];
    let settled = false;
    const supervised = superviseRoom({
      room,
      interpreter,
      logger,
      stopSignal: new AbortController().signal,
      stillOurRoom: async () => {
        const answer = answers.shift() ?? false;
        asked.push(answer);
        return answer;
      },
    });
    void supervised.then(() => (settled = true));
    room.reconnect();
    // The first answer (still ours) must not end the job; the second (replaced) must. The answer's
    // callbacks run within a few turns of the loop, no clock involved.
    await turns(() => asked.length === 1);
    expect(asked).toEqual([true]);
    await turns(() => settled, 20);
    expect(settled).toBe(false);
    room.reconnect();
    const reason = await supervised;
    expect(asked).toEqual([true, false]);
    expect(reason).toBe('room-replaced');
    expect(exitCode(reason)).toBe(0);
    expect(room.disconnected).toBe(true);
    expect([...room.published.values()].every((track) => track.closed)).toBe(true);
  });

  it('stays when the check itself fails (LiveKit unreachable for a moment is no reason to go)', async () => {
    const { room, interpreter } = setup();
    await interpreter.start();
    const stop = new AbortController();
    let checks = 0;
    const supervised = superviseRoom({
      room,
      interpreter,
      logger,
      stopSignal: stop.signal,
      stillOurRoom: async () => {
        checks += 1;
        throw new Error('connection refused');
      },
    });
    room.reconnect();
    await turns(() => checks === 1);
    expect(checks).toBe(1);
    stop.abort();
    expect(await supervised).toBe('stop-requested');
  });

  it('leaves with exit 0 when another interpreter joined with its identity', async () => {
    const { room, interpreter } = setup();
    await interpreter.start();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal });
    room.end('replaced');
    const reason = await supervised;
    expect(reason).toBe('replaced');
    expect(exitCode(reason)).toBe(0);
  });
});
