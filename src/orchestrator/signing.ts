/**
 * Webhooks signed exactly as a LiveKit server signs them (livekit/protocol
 * `webhook/resource_url_notifier.go`): body = protobuf-JSON of the event; header `Authorization` =
 * a JWT from the API key/secret, valid 5 minutes, whose `sha256` claim is base64(SHA-256(body)).
 * Used by `interpreter webhook send`, the tests and the benchmark.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AccessToken, Room, WebhookEvent, type WebhookEventNames } from 'livekit-server-sdk';

export const WEBHOOK_CONTENT_TYPE = 'application/webhook+json';

export async function signWebhookBody(body: string, apiKey: string, apiSecret: string, ttl: string | number = '5m'): Promise<string> {
  const token = new AccessToken(apiKey, apiSecret, { ttl });
  token.sha256 = createHash('sha256').update(body, 'utf8').digest('base64');
  return token.toJwt();
}

export interface RoomEventInput {
  event: WebhookEventNames;
  room: string;
  sid?: string;
  metadata?: string;
  id?: string;
  /** Seconds since the epoch when LiveKit queued the event (default: now). */
  createdAt?: number;
}

/** A webhook body as LiveKit sends it; ids look like LiveKit's (`EV_`, `RM_` + base62). */
export function roomEventBody(input: RoomEventInput): string {
  const now = Math.floor(Date.now() / 1000);
  const event = new WebhookEvent({
    id: input.id ?? `EV_${randomId()}`,
    createdAt: BigInt(input.createdAt ?? now),
    room: new Room({
      name: input.room,
      sid: input.sid ?? roomSidFor(input.room),
      metadata: input.metadata ?? '',
      creationTime: BigInt(now),
      emptyTimeout: 300,
    }),
  });
  // The generated constructor skips a field named `event`; assign it directly.
  event.event = input.event;
  return event.toJsonString();
}

/** A stable sid per room name, so `send room_started` then `room_finished` name the same room. */
export function roomSidFor(room: string): string {
  return `RM_${createHash('sha256').update(room).digest('base64url').replace(/[-_]/g, '').slice(0, 12)}`;
}

function randomId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
}
