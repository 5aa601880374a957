/**
 * What the agent does before loading anything heavy: ask LiveKit whether its room still exists
 * (joining a finished room would create it again and set off a new `room_started`: a launch
 * loop) and mint its own token for that room only.
 *
 * "Its room" is the room *sid* it was launched for: LiveKit gives a new room of the same name a
 * new sid, so an agent started late (a replayed or delayed launch) must not join that new room,
 * which has, or will get, an agent of its own.
 */
import { AccessToken, RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { AGENT_IDENTITY } from '../common/launch-contract.ts';
import type { SubscriptionControl } from './room-io.ts';

export interface LiveKitSettings {
  room: string;
  /** The sid the agent was launched for; absent (a manual `--room` start): any room of that name. */
  roomSid?: string;
  livekit: { url: string; apiKey: string; apiSecret: string };
}

/** A reason the agent cannot start, worded for the operator. */
export class AgentStartError extends Error {
  override name = 'AgentStartError';
}

/** RoomService speaks HTTP on the signalling host. */
export function roomServiceUrl(livekitUrl: string): string {
  return livekitUrl.replace(/^ws(s?):\/\//, 'http$1://');
}

/**
 * True when LiveKit lists the room, with the agent's sid when it has one; a clear
 * `AgentStartError` when LiveKit is unreachable or refuses.
 */
export async function roomExists(config: LiveKitSettings, client: RoomServiceClient = roomService(config.livekit)): Promise<boolean> {
  const { url, apiKey } = config.livekit;
  try {
    const rooms = await client.listRooms([config.room]);
    return rooms.some((r) => r.name === config.room && (!config.roomSid || r.sid === config.roomSid));
  } catch (error) {
    if (error instanceof ServerError && (error.status === 401 || error.status === 403)) {
      throw new AgentStartError(`LiveKit at ${url} rejected the API key '${apiKey}' (HTTP ${error.status}); check LIVEKIT_API_KEY and LIVEKIT_API_SECRET`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new AgentStartError(`cannot reach LiveKit at ${url}: ${cause}; check LIVEKIT_URL and that the server is running`);
  }
}

export function roomService(livekit: LiveKitSettings['livekit']): RoomServiceClient {
  return new RoomServiceClient(roomServiceUrl(livekit.url), livekit.apiKey, livekit.apiSecret, { requestTimeout: 10 });
}

/**
 * Pays a process's first RoomService call ahead of a room: Node loads its fetch implementation on
 * first use and the SDK its JWT signer, together 70-140 ms measured on a job process's first room
 * check (`bench dispatch`), and the call leaves a kept-alive connection behind. Asks for a room
 * name no one uses; failures are the real call's to report.
 */
export async function warmRoomService(client: RoomServiceClient): Promise<void> {
  await client.listRooms(['lk-interpreter-warm-up']).catch(() => undefined);
}

/** A token for this room only: identity `interpreter`, kind agent, publish + subscribe + data. */
export async function agentToken(config: LiveKitSettings): Promise<string> {
  const token = new AccessToken(config.livekit.apiKey, config.livekit.apiSecret, { identity: AGENT_IDENTITY, name: 'Interpreter', ttl: '12h' });
  token.kind = 'agent';
  token.addGrant({ room: config.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, agent: true });
  return token.toJwt();
}

/**
 * Other participants' subscriptions in the agent's room, through RoomService with the API key
 * the agent already has (LIVEKIT_API_KEY / LIVEKIT_API_SECRET, in every launch: the per-room
 * process, a worker's job, the Fargate task): UpdateSubscriptions needs `roomAdmin`
 * (v1.13.5 `pkg/service/roomservice.go`: `EnsureAdminPermission`), which a room token has not.
 */
export function roomServiceSubscriptions(config: LiveKitSettings): SubscriptionControl {
  const client = roomService(config.livekit);
  return {
    updateSubscriptions: async (identity, trackSids, subscribe) => {
      await client.updateSubscriptions(config.room, identity, trackSids, subscribe);
    },
  };
}
