import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { pino } from 'pino';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { ROOM_ENDED, superviseRoom, exitCode } from '../../src/agent/lifecycle.ts';
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
