import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { pino } from 'pino';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { ROOM_ENDED, superviseRoom, exitCode, type ExitReason } from '../../src/agent/lifecycle.ts';
import type { DisconnectReason } from '../../src/agent/room-io.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile } from './profiles.ts';

const logger = pino({ level: 'silent' });

function setup(limits: Partial<ReturnType<typeof agentProfile>['limits']> = {}) {
  const room = new MemoryRoom();
  const profile = agentProfile({ limits: { maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60, ...limits } });
  const interpreter = new RoomInterpreter({
    room,
    profile,
    logger,
    openSession: () => {
      throw new Error('no speaker in these tests');
    },
  });
  return { room, interpreter };
}

describe('agent lifecycle', () => {
  it('exits 0 when nobody joins within the grace period, having published the always-on tracks', async () => {
    const { room, interpreter } = setup({ emptyRoomTimeoutSeconds: 0.1 });
    await interpreter.start();
    expect([...room.published.keys()].sort()).toEqual(['interpretation-de', 'interpretation-en', 'interpretation-fr']);
    const reason = await superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal });
    expect(reason).toBe('nobody-joined');
    expect(exitCode(reason)).toBe(0);
    expect(room.disconnected).toBe(true);
    expect([...room.published.values()].every((t) => t.closed)).toBe(true);
  });

  it('stays while people are there and exits after the room has been empty for the whole grace period', async () => {
    const { room, interpreter } = setup({ emptyRoomTimeoutSeconds: 0.2 });
    room.join('alice');
    await interpreter.start();
    // The grace period is a timer: the test moves the clock instead of waiting on it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal, drainMs: 0 });
    let settled = false;
    void supervised.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toBe(false);
    room.join('bob');
    room.leave('alice');
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toBe(false);
    room.leave('bob');
    await vi.advanceTimersByTimeAsync(199);
    expect(settled).toBe(false);
    // Someone comes back within the grace period: the count starts again when they leave.
    room.join('carol');
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toBe(false);
    room.leave('carol');
    await vi.advanceTimersByTimeAsync(199);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    vi.useRealTimers();
    expect(await supervised).toBe('room-empty');
  });

  it('leaves at once when the room is deleted', async () => {
    const { room, interpreter } = setup();
    room.join('alice');
    await interpreter.start();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal });
    room.end('room-deleted');
    expect(await supervised).toBe('room-deleted');
  });

  it('on SIGTERM (the stop signal) drains and leaves with exit code 0', async () => {
    const { room, interpreter } = setup();
    room.join('alice');
    await interpreter.start();
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal, drainMs: 500 });
    stop.abort();
    const reason = await supervised;
    expect(reason).toBe('stop-requested');
    expect(exitCode(reason)).toBe(0);
    expect(room.disconnected).toBe(true);
  });

  it('honours the profile time limit', async () => {
    const { room, interpreter } = setup({ maxSessionMinutes: 0.002 });
    room.join('alice');
    await interpreter.start();
    expect(await superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal })).toBe('time-limit');
  });

  it('exits non-zero when the connection is lost for good', async () => {
    const { room, interpreter } = setup();
    room.join('alice');
    await interpreter.start();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal });
    room.end('connection-lost');
    expect(exitCode(await supervised)).toBe(1);
  });

  it("stops at once, draining nothing, when the launcher says the room has ended (the stop signal's ROOM_ENDED reason)", async () => {
    const { room, interpreter } = setup();
    room.join('alice');
    await interpreter.start();
    const stopped = vi.spyOn(interpreter, 'stop');
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal, drainMs: 10_000 });
    stop.abort(ROOM_ENDED);
    const reason = await supervised;
    expect(reason).toBe('room-replaced');
    expect(exitCode(reason)).toBe(0);
    expect(stopped).toHaveBeenCalledWith(0);
    expect(room.disconnected).toBe(true);
  });

  it('leaves without the disconnect confirmed when the server never answers it, and says so', async () => {
    const { room, interpreter } = setup();
    room.join('alice');
    await interpreter.start();
    room.disconnect = () => new Promise<void>(() => undefined);
    const lines: string[] = [];
    const recording = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger: recording, stopSignal: stop.signal, drainMs: 0, serverWaitMs: 50 });
    stop.abort();
    expect(await supervised).toBe('stop-requested');
    expect(lines.some((line) => line.includes('did not confirm the disconnect within 50 ms'))).toBe(true);
  });
});

/** The interpreter, recording the drain it is stopped with; `hang` makes its stop never confirm. */
class RecordingInterpreter extends RoomInterpreter {
  readonly drains: (number | undefined)[] = [];
  hang = false;
  override stop(drainMs?: number): Promise<void> {
    this.drains.push(drainMs);
    const stopped = super.stop(drainMs);
    return this.hang ? stopped.then(() => new Promise<void>(() => undefined)) : stopped;
  }
}

function recorded(limits: Partial<ReturnType<typeof agentProfile>['limits']> = {}, people: string[] = ['alice']) {
  const room = new MemoryRoom('room-7');
  for (const who of people) room.join(who);
  const profile = agentProfile({ limits: { maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60, ...limits } });
  const interpreter = new RecordingInterpreter({ room, profile, logger, openSession: () => { throw new Error('no speaker in these tests'); } });
  const lines: { level: number; msg: string; reason?: string; err?: string }[] = [];
  const recording = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { room, interpreter, lines, logger: recording };
}

/** Fake timers for the rest of the test (after the interpreter started on real ones). */
function fakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  onTestFinished(() => void vi.useRealTimers());
}

describe('agent lifecycle: reasons, drains and exit codes', () => {
  it('exits 1 only when the connection was lost; every other end is a normal one', () => {
    const reasons: ExitReason[] = ['nobody-joined', 'room-empty', 'room-deleted', 'room-replaced', 'replaced', 'stop-requested', 'time-limit'];
    expect(reasons.map(exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(exitCode('disconnected')).toBe(1);
  });

  it.each([
    ['room-deleted', 'room-deleted', 0],
    ['left', 'stop-requested', 2500],
    ['replaced', 'replaced', 0],
    ['connection-lost', 'disconnected', 0],
    ['other', 'disconnected', 0],
  ] as [DisconnectReason, ExitReason, number][])('a disconnect for %s is %s, drained for %d ms, logged as the reason it leaves for', async (why, reason, drain) => {
    const { room, interpreter, lines, logger: recording } = recorded();
    await interpreter.start();
    const supervised = superviseRoom({ room, interpreter, logger: recording, stopSignal: new AbortController().signal, drainMs: 2500 });
    room.end(why);
    expect(await supervised).toBe(reason);
    expect(interpreter.drains).toEqual([drain]);
    expect(room.disconnected).toBe(true);
    expect(lines).toEqual([expect.objectContaining({ level: 30, reason, msg: `leaving room room-7: ${reason}` })]);
  });

  it('drains 10 s by default when asked to stop', async () => {
    const { room, interpreter } = recorded();
    await interpreter.start();
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal });
    stop.abort('SIGTERM');
    expect(await supervised).toBe('stop-requested');
    expect(interpreter.drains).toEqual([10_000]);
  });

  it('a stop signal aborted before it started ends it at once, with ROOM_ENDED as room-replaced', async () => {
    const { room, interpreter } = recorded();
    await interpreter.start();
    expect(await superviseRoom({ room, interpreter, logger, stopSignal: AbortSignal.abort(), drainMs: 7 })).toBe('stop-requested');
    expect(interpreter.drains).toEqual([7]);
    const second = recorded();
    await second.interpreter.start();
    expect(await superviseRoom({ room: second.room, interpreter: second.interpreter, logger, stopSignal: AbortSignal.abort(ROOM_ENDED), drainMs: 7 })).toBe('room-replaced');
    expect(second.interpreter.drains).toEqual([0]);
  });

  it('leaves at the time limit (maxSessionMinutes), not before, drained', async () => {
    const { room, interpreter } = recorded({ maxSessionMinutes: 2 });
    await interpreter.start();
    fakeClock();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal, drainMs: 300 });
    void supervised.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(119_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await supervised).toBe('time-limit');
    expect(interpreter.drains).toEqual([300]);
  });

  it('a room empty from the start that someone joins and leaves is room-empty, emptyRoomTimeoutSeconds after they left', async () => {
    const { room, interpreter } = recorded({ emptyRoomTimeoutSeconds: 5 }, []);
    await interpreter.start();
    fakeClock();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal, drainMs: 0 });
    void supervised.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(3000);
    room.join('alice');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(settled).toBe(false);
    room.leave('alice');
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await supervised).toBe('room-empty');
  });

  it('a room nobody joins is nobody-joined after emptyRoomTimeoutSeconds; an agent joining does not count', async () => {
    const { room, interpreter } = recorded({ emptyRoomTimeoutSeconds: 5 }, []);
    await interpreter.start();
    fakeClock();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: new AbortController().signal, drainMs: 0 });
    void supervised.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(2000);
    room.join('recorder', {}, { isAgent: true });
    await vi.advanceTimersByTimeAsync(2999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await supervised).toBe('nobody-joined');
  });

  it('after a reconnect without a check of the room, stays', async () => {
    const { room, interpreter } = recorded();
    await interpreter.start();
    const stop = new AbortController();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal, drainMs: 0 });
    void supervised.then(() => (settled = true));
    room.reconnect();
    await Promise.resolve();
    expect(settled).toBe(false);
    stop.abort();
    expect(await supervised).toBe('stop-requested');
  });

  it('says why it stays when the check after a reconnect fails', async () => {
    const { room, interpreter, lines, logger: recording } = recorded();
    await interpreter.start();
    const stop = new AbortController();
    let failed: () => void = () => undefined;
    const checked = new Promise<void>((resolve) => (failed = resolve));
    const supervised = superviseRoom({
      room,
      interpreter,
      logger: recording,
      stopSignal: stop.signal,
      drainMs: 0,
      stillOurRoom: () => {
        failed();
        return Promise.reject(new Error('connection refused'));
      },
    });
    room.reconnect();
    await checked;
    // The warning follows the check's rejection: let those callbacks run (no clock involved).
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(lines).toEqual([expect.objectContaining({ level: 40, err: 'Error: connection refused', msg: 'could not check the room after a reconnect; staying' })]);
    stop.abort();
    expect(await supervised).toBe('stop-requested');
  });

  it('leaves anyway when the interpreter does not confirm its stop within the drain and serverWaitMs (default 3 s), and says so', async () => {
    const { room, interpreter, lines, logger: recording } = recorded();
    await interpreter.start();
    interpreter.hang = true;
    fakeClock();
    const stop = new AbortController();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger: recording, stopSignal: stop.signal, drainMs: 1000 });
    void supervised.then(() => (settled = true));
    stop.abort();
    await vi.advanceTimersByTimeAsync(3999);
    expect(room.disconnected).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await supervised).toBe('stop-requested');
    expect(settled).toBe(true);
    expect(room.disconnected).toBe(true);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'leaving room room-7: stop-requested'],
      [40, 'the interpreter did not stop within 4000 ms; leaving anyway'],
    ]);
  });

  it('waits serverWaitMs (default 3 s) for the disconnect, then leaves saying so', async () => {
    const { room, interpreter, lines, logger: recording } = recorded();
    await interpreter.start();
    room.disconnect = () => new Promise<void>(() => undefined);
    fakeClock();
    let settled = false;
    const supervised = superviseRoom({ room, interpreter, logger: recording, stopSignal: AbortSignal.abort(), drainMs: 0 });
    void supervised.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(2999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await supervised).toBe('stop-requested');
    expect(lines.at(-1)).toMatchObject({ level: 40, msg: 'room room-7 did not confirm the disconnect within 3000 ms; leaving anyway' });
    expect(lines).toHaveLength(2);
    // The time limit's timer went when it left.
    expect(vi.getTimerCount()).toBe(0);
  });
});
