/**
 * `interpreter check --webhook`: does LiveKit deliver `room_started` to `serve`, and does serve
 * accept it? The check creates a room named `check-<random>` (creating it is what makes LiveKit
 * send `room_started`), then reads serve's `/healthz`, which lists the `check-*` rooms whose
 * webhooks it handled and counts rejected deliveries (src/orchestrator/webhook-activity.ts).
 * The room is deleted afterwards; no profile should match `check-*`, so no agent starts.
 */
import { RoomServiceClient } from 'livekit-server-sdk';
import type { LiveKitAccess } from '../../local/participant.ts';
import { CHECK_ROOM_PREFIX, type WebhookActivity } from '../../orchestrator/webhook-activity.ts';
import { httpUrlOf } from './livekit.ts';
import { fail, pass, type CheckResult } from './report.ts';

export interface WebhookCheckOptions {
  access: LiveKitAccess;
  /** Where serve listens, e.g. http://127.0.0.1:8080. */
  serveUrl: string;
  /** How long to wait for the delivery: LiveKit queues webhooks and retries failed ones. */
  timeoutMs: number;
}

const ID = 'webhook.room_started';

async function activityOf(serveUrl: string): Promise<WebhookActivity | string> {
  try {
    const response = await fetch(new URL('/healthz', serveUrl), { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { webhooks?: WebhookActivity };
    return body.webhooks ?? 'its /healthz does not report webhooks (an older serve?)';
  } catch (error) {
    const code = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code : undefined;
    return code === 'ECONNREFUSED' ? `nothing listens at ${serveUrl}` : `no answer from ${serveUrl}/healthz: ${code ?? String(error)}`;
  }
}

export async function checkWebhook(options: WebhookCheckOptions): Promise<CheckResult> {
  const before = await activityOf(options.serveUrl);
  if (typeof before === 'string') return fail(ID, `cannot read serve: ${before}`, 'start `interpreter serve` (npm start) and pass its address with --serve-url');
  const rooms = new RoomServiceClient(httpUrlOf(options.access.url), options.access.apiKey, options.access.apiSecret, { requestTimeout: 10 });
  const room = `${CHECK_ROOM_PREFIX}${Math.random().toString(36).slice(2, 10)}`;
  try {
    await rooms.createRoom({ name: room, emptyTimeout: 10 });
  } catch (error) {
    return fail(ID, `could not create the room ${room}: ${error instanceof Error ? error.message : String(error)}`, 'the check needs RoomService CreateRoom (roomCreate) to set off room_started');
  }
  const started = Date.now();
  let last: WebhookActivity | string = before;
  try {
    while (Date.now() - started < options.timeoutMs) {
      last = await activityOf(options.serveUrl);
      if (typeof last !== 'string' && last.checkRooms.some((r) => r.room === room && r.event === 'room_started')) {
        return pass(ID, `serve received and verified room_started for ${room} ${Date.now() - started} ms after the room was created`);
      }
      // LiveKit does not retry a 401: once serve has rejected a delivery there is nothing left to wait for.
      if (typeof last !== 'string' && last.rejected > before.rejected) break;
      // Wait for serve to answer again (its state changes only when LiveKit delivers): polling is the only channel.
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await rooms.deleteRoom(room).catch(() => undefined);
  }
  if (typeof last === 'string') return fail(ID, `serve stopped answering: ${last}`, 'check that `interpreter serve` is still running');
  if (last.rejected > before.rejected) {
    return fail(
      ID,
      `serve rejected ${last.rejected - before.rejected} delivery (${last.lastRejection ?? 'bad signature'})`,
      "LiveKit signs webhooks with its webhook.api_key: give serve that key and its secret (LIVEKIT_API_KEY / LIVEKIT_API_SECRET)",
    );
  }
  return fail(
    ID,
    `no room_started for ${room} reached serve within ${Math.round(options.timeoutMs / 1000)} s`,
    `make LiveKit send webhooks to serve: in livekit.yaml \`webhook: { api_key: ${options.access.apiKey}, urls: [${new URL('/webhook', options.serveUrl).href}] }\` (or \`interpreter livekit --webhook URL\`; LiveKit Cloud: Settings > Webhooks), reachable from the LiveKit server`,
  );
}
