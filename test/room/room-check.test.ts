/**
 * What the agent asks LiveKit before it loads anything heavy (`room-check.ts`), against the real
 * server: is its room (that sid) still there, the token it mints for itself, and the RoomService
 * subscription control it uses for `listeners.audio: chosen-language`. The failures are the
 * server's own: a key it does not have, a secret that does not match, a port nothing listens on.
 */
import { Room, RoomEvent } from '@livekit/rtc-node';
import { ServerError, TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AGENT_IDENTITY } from '../../src/common/launch-contract.ts';
import { AgentStartError, agentToken, roomExists, roomService, roomServiceSubscriptions, roomServiceUrl, warmRoomService, type LiveKitSettings } from '../../src/agent/room-check.ts';
import { holdClosedPort } from '../closed-port.ts';
import { eventually, isAgent, startTestLiveKit } from './livekit.ts';
import { publishRecording } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';

const livekit = await startTestLiveKit();
const access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
const settings = (room: string, more: Partial<LiveKitSettings> = {}): LiveKitSettings => ({ room, livekit: access, ...more });

/** What an error is, for `expect(...).rejects`: its class and message. */
async function failure(promise: Promise<unknown>): Promise<{ isStartError: boolean; message: string }> {
  try {
    await promise;
  } catch (error) {
    return { isStartError: error instanceof AgentStartError, message: error instanceof Error ? error.message : String(error) };
  }
  throw new Error('expected a failure');
}

describe('roomServiceUrl', () => {
  it('points RoomService at the signalling host over HTTP, and over HTTPS for wss', () => {
    expect(roomServiceUrl('ws://127.0.0.1:7880')).toBe('http://127.0.0.1:7880');
    expect(roomServiceUrl('wss://lk.example.com')).toBe('https://lk.example.com');
    expect(roomServiceUrl('https://lk.example.com')).toBe('https://lk.example.com');
    // Only the scheme at the start: a host or path that spells ws:// stays as it is.
    expect(roomServiceUrl('http://proxy/ws://x')).toBe('http://proxy/ws://x');
  });
});

describe('roomExists against the real server', () => {
  it('finds a room by its name, and not a room that is not there', async () => {
    await livekit.rooms.createRoom({ name: 'check-by-name' });
    expect(await roomExists(settings('check-by-name'))).toBe(true);
    expect(await roomExists(settings('check-no-such-room'))).toBe(false);
    // A name that only starts like a room's is another room.
    expect(await roomExists(settings('check-by'))).toBe(false);
  });

  it('with a sid, finds only that room: a room of the same name made again is not it', async () => {
    const first = await livekit.rooms.createRoom({ name: 'check-by-sid' });
    expect(await roomExists(settings('check-by-sid', { roomSid: first.sid }))).toBe(true);
    await livekit.rooms.deleteRoom('check-by-sid');
    const second = await livekit.rooms.createRoom({ name: 'check-by-sid' });
    expect(second.sid).not.toBe(first.sid);
    expect(await roomExists(settings('check-by-sid', { roomSid: first.sid }))).toBe(false);
    expect(await roomExists(settings('check-by-sid', { roomSid: second.sid }))).toBe(true);
    // An empty sid (a manual start) takes any room of that name.
    expect(await roomExists(settings('check-by-sid', { roomSid: '' }))).toBe(true);
  });

  it('uses the client it is given', async () => {
    await livekit.rooms.createRoom({ name: 'check-own-client' });
    const elsewhere = { url: 'ws://127.0.0.1:1', apiKey: access.apiKey, apiSecret: access.apiSecret };
    expect(await roomExists({ room: 'check-own-client', livekit: elsewhere }, roomService(access))).toBe(true);
  });

  it('a key the server does not have is the operator\'s to fix, with the key named', async () => {
    const wrongKey = { ...access, apiKey: 'nosuchkey' };
    const result = await failure(roomExists({ room: 'any', livekit: wrongKey }));
    expect(result).toEqual({
      isStartError: true,
      message: `LiveKit at ${livekit.url} rejected the API key 'nosuchkey' (HTTP 401); check LIVEKIT_API_KEY and LIVEKIT_API_SECRET`,
    });
    const wrongSecret = { ...access, apiSecret: 'not-the-secret-but-long-enough-to-sign-with' };
    expect((await failure(roomExists({ room: 'any', livekit: wrongSecret }))).message).toContain(`rejected the API key '${access.apiKey}' (HTTP 401)`);
  });

  it('a server that is not there is a start error with the cause and the fix', async () => {
    const closed = await holdClosedPort();
    onTestFinished(() => closed.release());
    const url = `ws://127.0.0.1:${closed.port}`;
    const result = await failure(roomExists({ room: 'any', livekit: { ...access, url } }));
    expect(result.isStartError).toBe(true);
    // The message is fetch's cause (ECONNREFUSED), not its bare "fetch failed".
    expect(result.message).toMatch(new RegExp(`^cannot reach LiveKit at ${url}: .*ECONNREFUSED.*; check LIVEKIT_URL and that the server is running$`));
  });

  it('warming the client never fails, whatever the server says', async () => {
    const closed = await holdClosedPort();
    onTestFinished(() => closed.release());
    await expect(warmRoomService(roomService({ ...access, url: `ws://127.0.0.1:${closed.port}` }))).resolves.toBeUndefined();
    await expect(warmRoomService(roomService({ ...access, apiKey: 'nosuchkey' }))).resolves.toBeUndefined();
    await expect(warmRoomService(roomService(access))).resolves.toBeUndefined();
  });
});

describe('agentToken', () => {
  it('is for this room only, as the agent, for 12 hours: the server lets it in as an agent', async () => {
    const jwt = await agentToken(settings('check-token'));
    const claims = await new TokenVerifier(access.apiKey, access.apiSecret).verify(jwt);
    expect(claims.sub).toBe(AGENT_IDENTITY);
    expect(claims.name).toBe('Interpreter');
    expect(claims.kind).toBe('agent');
    expect(claims.video).toEqual({ room: 'check-token', roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, agent: true });
    // 12 hours: longer than any session limit a profile may set, and no longer.
    expect(claims.exp! - claims.nbf!).toBe(12 * 3600);

    const watcher = await livekit.join('watcher', 'check-token');
    const agent = new Room();
    onTestFinished(() => agent.disconnect());
    await agent.connect(livekit.url, jwt, { autoSubscribe: false, dynacast: false });
    await eventually(() => [...watcher.remoteParticipants.values()].some((p) => p.identity === AGENT_IDENTITY && isAgent(p)), 'the interpreter, as an agent, at the watcher');

  });
});

describe('roomServiceSubscriptions', () => {
  it("subscribes another participant to a track through RoomService, in the agent's room only", async () => {
    const speaker = await livekit.join('sub-speaker', 'check-subscriptions');
    const { samples, sampleRate } = fixture('speech-de.wav');
    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate);
    onTestFinished(() => published.stop());
    // A listener that subscribes to nothing itself: every subscription it gets is the server's.
    const listener = await livekit.join('sub-listener', 'check-subscriptions', { autoSubscribe: false });
    const subscribed: string[] = [];
    listener.on(RoomEvent.TrackSubscribed, (_track, publication) => subscribed.push(publication.sid!));
    await eventually(() => listener.remoteParticipants.get('sub-speaker')?.trackPublications.has(published.trackSid) === true, "the speaker's track at the listener");

    const control = roomServiceSubscriptions(settings('check-subscriptions'));
    await control.updateSubscriptions('sub-listener', [published.trackSid], true);
    await eventually(() => subscribed.includes(published.trackSid), 'the subscription the server made');
    // rtc-node reports no unsubscription the server makes (stock-clients.test.ts shows one by the
    // audio a client stops receiving); here the server's answer is what is checked.
    await expect(control.updateSubscriptions('sub-listener', [published.trackSid], false)).resolves.toBeUndefined();

    // Someone who is not in the agent's room, and a room that is not there: the server refuses.
    // (livekit-server answers both with 503 "no response from servers": no node has that participant.)
    await expect(control.updateSubscriptions('nobody-here', [published.trackSid], true)).rejects.toBeInstanceOf(ServerError);
    const elsewhere = roomServiceSubscriptions(settings('check-no-such-room'));
    await expect(elsewhere.updateSubscriptions('sub-listener', [published.trackSid], true)).rejects.toBeInstanceOf(ServerError);
  });
});
