/**
 * The dispatch launcher's check-and-dispatch against the real livekit-server's API (Twirp on
 * loopback: no media, so no network namespace): concurrent launches of one room sid make one
 * dispatch, a redelivered launch (same launch id) none, and a room that is gone none; which
 * dispatches are its own, what it stops, how it fails. What needs an `interpreter` participant in
 * the room (WebRTC) is in test/room/dispatch.test.ts.
 */
import { AgentDispatchClient } from 'livekit-server-sdk';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { startTestLiveKit } from '../room/livekit.ts';
import { capturingLogger } from './helpers.ts';

const livekit = await startTestLiveKit();
const access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
const dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
const ours = async (room: string) => (await dispatches.listDispatch(room)).filter((d) => d.agentName === 'interpreter');
/** Dispatches to a named agent (the server adds one with no agent name to every room it creates). */
const named = async (room: string) => (await dispatches.listDispatch(room)).filter((d) => d.agentName !== '');
const launcher = () => new DispatchLauncher({ livekit: access, logger: pino({ level: 'silent' }) });

describe('DispatchLauncher against the real server', () => {
  it('makes one dispatch for ten concurrent launches of one room sid with distinct launch ids', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-concurrent' });
    const one = launcher();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => one.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g${i + 1}` })));
    const launched = results.filter((r) => r.status === 'launched');
    expect(launched).toHaveLength(1);
    const [dispatch] = await ours(room.name);
    expect(launched[0]?.agent?.id).toBe(dispatch?.id);
    // The nine that met the first one under way answer with its agent.
    expect(results.filter((r) => r.status === 'already-running').map((r) => r.agent?.id)).toEqual(Array.from({ length: 9 }, () => dispatch?.id));
    // Once it has ended, a relaunch (reconcile, a later generation) through the same launcher dispatches again.
    expect(await one.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g11` })).toMatchObject({ status: 'launched' });
    expect(await ours(room.name)).toHaveLength(1);
  });

  it('answers a launch it already made (same launch id, another launcher instance) without a second dispatch', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-redelivered' });
    const request = { room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` };
    expect(await launcher().launch(request)).toMatchObject({ status: 'launched' });
    expect(await launcher().launch(request)).toMatchObject({ status: 'already-running' });
    expect(await ours(room.name)).toHaveLength(1);
  });

  it('replaces a dead dispatch of the sid when relaunched (a later generation), and leaves one', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-relaunch' });
    const [first] = [await launcher().launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` })];
    const second = await launcher().launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g2` });
    expect(second.status).toBe('launched');
    const listed = await ours(room.name);
    expect(listed.map((d) => d.id)).toEqual([second.agent!.id]);
    expect(listed.map((d) => d.id)).not.toContain(first!.agent!.id);
  });

  it('does not dispatch to a room that is gone, nor recreate it', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-gone' });
    await livekit.rooms.deleteRoom(room.name);
    expect(await launcher().launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` })).toEqual({ status: 'already-running' });
    expect(await livekit.rooms.listRooms([room.name])).toEqual([]);
  });

  it('does not dispatch to a room of that name with another sid, and logs why', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-other-sid' });
    const { logger, lines } = capturingLogger();
    const result = await new DispatchLauncher({ livekit: access, logger }).launch({ room: room.name, roomSid: 'RM_earlier', profile: 'board-meeting', launchId: 'RM_earlier-g1' });
    expect(result).toEqual({ status: 'already-running' });
    expect(await ours(room.name)).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ room: room.name, sid: 'RM_earlier', now: room.sid, msg: 'room is gone (or has another sid); not dispatching' })]);
  });

  it('does not dispatch to a room a dispatch for an earlier sid created, and warns', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-created-by-dispatch' });
    const earlier = await dispatches.createDispatch(room.name, 'interpreter', { metadata: JSON.stringify({ profile: 'board-meeting', roomSid: 'RM_earlier' }) });
    const { logger, lines } = capturingLogger();
    expect(await new DispatchLauncher({ livekit: access, logger }).launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` })).toEqual({ status: 'already-running' });
    expect((await ours(room.name)).map((d) => d.id)).toEqual([earlier.id]);
    expect(lines).toEqual([expect.objectContaining({ level: 40, room: room.name, sid: room.sid, dispatch: earlier.id, msg: 'room was created by a dispatch for an earlier sid; not dispatching' })]);
  });

  it('counts and replaces only its own dispatches of the sid: not another agent name\'s, not one without its metadata', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-neighbours' });
    const metadata = JSON.stringify({ profile: 'board-meeting', roomSid: room.sid, launchId: `${room.sid}-g1` });
    const other = await dispatches.createDispatch(room.name, 'other-agent', { metadata });
    const byHand = await dispatches.createDispatch(room.name, 'interpreter', { metadata: '' });
    const { logger, lines } = capturingLogger();
    const result = await new DispatchLauncher({ livekit: access, logger }).launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
    expect(result).toMatchObject({ status: 'launched', agent: { room: room.name, roomSid: room.sid, profile: 'board-meeting' } });
    const listed = await named(room.name);
    expect(listed.map((d) => d.id).sort()).toEqual([other.id, byHand.id, result.agent?.id].sort());
    expect(lines).toEqual([expect.objectContaining({ room: room.name, sid: room.sid, dispatch: result.agent?.id, agentName: 'interpreter', replaced: 0, msg: `dispatched room ${room.name} to agent interpreter` })]);
  });

  it('stops its own dispatches of the sid (all of the name without a sid), not another agent name\'s', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-stop' });
    const one = launcher();
    await one.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
    const other = await dispatches.createDispatch(room.name, 'other-agent', { metadata: JSON.stringify({ profile: 'board-meeting', roomSid: room.sid }) });
    const foreign = await dispatches.createDispatch(room.name, 'interpreter', { metadata: JSON.stringify({ profile: 'board-meeting', roomSid: 'RM_earlier' }) });
    const byHand = await dispatches.createDispatch(room.name, 'interpreter', { metadata: '' });
    expect(await one.stop({ name: room.name, sid: 'RM_unrelated' })).toBe(0);
    expect(await one.stop({ name: room.name, sid: room.sid })).toBe(1);
    expect((await named(room.name)).map((d) => d.id).sort()).toEqual([other.id, foreign.id, byHand.id].sort());
    expect(await one.stop({ name: room.name })).toBe(2);
    expect((await named(room.name)).map((d) => d.id)).toEqual([other.id]);
  });

  it('counts no room as served while no interpreter is in it', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-empty' });
    await launcher().launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
    expect((await launcher().running()).filter((a) => a.room === room.name)).toEqual([]);
  });

  it('fails with 422 when LiveKit refuses the key (no retry helps) and 503 when it cannot be reached; a stop then stops nothing', async () => {
    const request = { room: 'board-q3', roomSid: 'RM_1', profile: 'board-meeting', launchId: 'RM_1-g1' };
    const refused = new DispatchLauncher({ livekit: { ...access, apiSecret: 'wrong-secret-wrong-secret-wrong!' }, logger: pino({ level: 'silent' }) });
    const error = await refused.launch(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ status: 422, message: expect.stringMatching(/^LiveKit ListRooms failed: .+/) });
    expect((error as LaunchError).cause).toBeDefined();
    await expect(refused.running()).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/^LiveKit ListRooms failed: /) });
    const { createServer } = await import('node:net');
    const closed = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const unreachable = new DispatchLauncher({ livekit: { ...access, url: `ws://127.0.0.1:${port}` }, logger: pino({ level: 'silent' }) });
      await expect(unreachable.launch(request)).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/^LiveKit ListRooms failed: /) });
      expect(await unreachable.stop({ name: 'board-q3', sid: 'RM_1' })).toBe(0);
    } finally {
      closed.close();
    }
  });
});
