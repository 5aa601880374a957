/**
 * The real LiveKit server for a test file: built or found once (`resolveLiveKitServer`), started
 * on free ports with its own config, stopped afterwards, and its log printed when a test fails.
 * Plus tokens and rtc-node participants for it.
 */
import { ParticipantKind, Room, RoomEvent, type RemoteParticipant, type RemoteTrack, type RemoteTrackPublication } from '@livekit/rtc-node';
import { AccessToken, RoomServiceClient, type VideoGrant } from 'livekit-server-sdk';
import { afterAll, afterEach, type TestContext } from 'vitest';
import { resolveLiveKitServer } from '../../src/local/livekit-binary.ts';
import { startLiveKit, type RunningLiveKit, type StartOptions } from '../../src/local/livekit-server.ts';

export interface TestLiveKit extends RunningLiveKit {
  rooms: RoomServiceClient;
  token(identity: string, room: string, options?: { kind?: 'agent' | 'standard'; grants?: Partial<VideoGrant>; attributes?: Record<string, string>; ttl?: string }): Promise<string>;
  /** Connects an rtc-node participant; disconnected after the file's tests. */
  join(identity: string, room: string, options?: { kind?: 'agent' | 'standard'; attributes?: Record<string, string>; autoSubscribe?: boolean }): Promise<Room>;
}

let binary: Promise<string> | undefined;

/** The server binary, resolved (and built if needed) once per test process. */
export function liveKitBinary(): Promise<string> {
  binary ??= resolveLiveKitServer({ log: (line) => process.stderr.write(`[livekit] ${line}\n`) }).then((resolved) => resolved.path);
  return binary;
}

/** Starts a server for this test file. Call at module level or in `beforeAll`. */
export async function startTestLiveKit(options: Partial<StartOptions> = {}): Promise<TestLiveKit> {
  const server = await startLiveKit({ binary: await liveKitBinary(), logLevel: 'info', ...options });
  const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
  const joined: Room[] = [];

  afterEach((context: TestContext) => {
    if (context.task.result?.state === 'fail') {
      process.stderr.write(`\n--- livekit-server log (last 8 KB) for "${context.task.name}" ---\n${server.output().slice(-8192)}\n`);
    }
  });
  afterAll(async () => {
    await Promise.allSettled(joined.map((room) => room.disconnect()));
    await server.stop(2_000);
  });

  const token: TestLiveKit['token'] = async (identity, room, tokenOptions = {}) => {
    const at = new AccessToken(server.apiKey, server.apiSecret, {
      identity,
      ttl: tokenOptions.ttl ?? '10m',
      ...(tokenOptions.attributes ? { attributes: tokenOptions.attributes } : {}),
    });
    if (tokenOptions.kind === 'agent') at.kind = 'agent';
    at.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, ...(tokenOptions.kind === 'agent' ? { agent: true } : {}), ...tokenOptions.grants });
    return at.toJwt();
  };

  return {
    ...server,
    rooms,
    token,
    join: async (identity, room, joinOptions = {}) => {
      const participant = new Room();
      await participant.connect(server.url, await token(identity, room, joinOptions), { autoSubscribe: joinOptions.autoSubscribe ?? true, dynacast: false });
      joined.push(participant);
      return participant;
    },
  };
}

/** Resolves with the first track that `room` subscribes to and that `accept` takes. */
export function nextTrack(
  room: Room,
  accept: (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) => boolean,
  timeoutMs = 20_000,
): Promise<{ track: RemoteTrack; publication: RemoteTrackPublication; participant: RemoteParticipant }> {
  return new Promise((resolve, reject) => {
    for (const participant of room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        if (publication.track && accept(publication.track, publication, participant)) return resolve({ track: publication.track, publication, participant });
      }
    }
    const timer = setTimeout(() => {
      room.off(RoomEvent.TrackSubscribed, onTrack);
      reject(new Error('timed out waiting for a subscribed track'));
    }, timeoutMs);
    const onTrack = (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) => {
      if (!accept(track, publication, participant)) return;
      clearTimeout(timer);
      room.off(RoomEvent.TrackSubscribed, onTrack);
      resolve({ track, publication, participant });
    };
    room.on(RoomEvent.TrackSubscribed, onTrack);
  });
}

/** Waits for a condition re-checked every 50 ms; fails only after a generous timeout. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const isAgent = (participant: RemoteParticipant) => participant.kind === ParticipantKind.AGENT;
