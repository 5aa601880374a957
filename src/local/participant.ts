/**
 * A person's side of a LiveKit room, for `interpreter speak` / `listen` and the room tests: a join
 * token for one room, and an rtc-node participant connected with it.
 */
import { Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';

export interface LiveKitAccess {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export interface JoinOptions {
  attributes?: Record<string, string>;
  name?: string;
  /** Listeners subscribe to what they choose; speakers need nothing. Default true. */
  autoSubscribe?: boolean;
  ttl?: string;
}

/** A token that can join `room` only, publish, subscribe and set its own attributes. */
export async function participantToken(access: LiveKitAccess, identity: string, room: string, options: JoinOptions = {}): Promise<string> {
  const token = new AccessToken(access.apiKey, access.apiSecret, {
    identity,
    ttl: options.ttl ?? '2h',
    ...(options.name ? { name: options.name } : {}),
    ...(options.attributes ? { attributes: options.attributes } : {}),
  });
  token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true });
  return token.toJwt();
}

export async function joinAsParticipant(access: LiveKitAccess, identity: string, room: string, options: JoinOptions = {}): Promise<Room> {
  const participant = new Room();
  await participant.connect(access.url, await participantToken(access, identity, room, options), { autoSubscribe: options.autoSubscribe ?? true, dynacast: false });
  return participant;
}

/** `LIVEKIT_URL` / `LIVEKIT_API_KEY` / `LIVEKIT_API_SECRET`, defaulting to `interpreter livekit`'s. */
export function liveKitAccessFromEnv(env: NodeJS.ProcessEnv = process.env): LiveKitAccess {
  return { url: env.LIVEKIT_URL || 'ws://127.0.0.1:7880', apiKey: env.LIVEKIT_API_KEY || 'devkey', apiSecret: env.LIVEKIT_API_SECRET || 'secret' };
}
