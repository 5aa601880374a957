/**
 * The dispatch launcher's check-and-dispatch against the real livekit-server's API (Twirp on
 * loopback: no media, so no network namespace): concurrent launches of one room sid make one
 * dispatch, a redelivered launch (same launch id) none, and a room that is gone none.
 */
import { AgentDispatchClient } from 'livekit-server-sdk';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { startTestLiveKit } from '../room/livekit.ts';

const livekit = await startTestLiveKit();
const access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
const dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
const ours = async (room: string) => (await dispatches.listDispatch(room)).filter((d) => d.agentName === 'interpreter');
const launcher = () => new DispatchLauncher({ livekit: access, logger: pino({ level: 'silent' }) });

describe('DispatchLauncher against the real server', () => {
  it('makes one dispatch for ten concurrent launches of one room sid with distinct launch ids', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-concurrent' });
    const one = launcher();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => one.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g${i + 1}` })));
    expect(results.filter((r) => r.status === 'launched')).toHaveLength(1);
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
});
