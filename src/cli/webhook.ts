/**
 * `interpreter webhook send <event> --room NAME`: posts a webhook signed exactly as a LiveKit
 * server signs it, to try `interpreter serve` without a LiveKit server.
 */
import { parseArgs } from 'node:util';
import type { WebhookEventNames } from 'livekit-server-sdk';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEV_LIVEKIT } from '../orchestrator/config.ts';
import { WEBHOOK_CONTENT_TYPE, roomEventBody, signWebhookBody } from '../orchestrator/signing.ts';

const EVENTS: readonly WebhookEventNames[] = ['room_started', 'room_finished', 'participant_joined', 'participant_left', 'track_published', 'track_unpublished'];

const HELP = `Usage: interpreter webhook send <room_started|room_finished> --room NAME [options]

  --url URL           where to post (default http://localhost:8080/webhook)
  --sid RM_x          room sid (default: derived from the room name, stable)
  --metadata JSON     room metadata
  --id EV_x           event id (default: random; reuse one to simulate a retry)
  --api-key K         (default LIVEKIT_API_KEY or devkey)
  --api-secret S      (default LIVEKIT_API_SECRET or secret)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      room: { type: 'string' },
      url: { type: 'string', default: 'http://localhost:8080/webhook' },
      sid: { type: 'string' },
      metadata: { type: 'string' },
      id: { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb, event] = positionals;
  if (values.help || verb !== 'send' || !event) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  if (!EVENTS.includes(event as WebhookEventNames)) {
    console.error(`interpreter webhook: unknown event '${event}'; use one of ${EVENTS.join(', ')}`);
    return 2;
  }
  if (!values.room) {
    console.error('interpreter webhook: --room NAME is required');
    return 2;
  }
  if (values.metadata !== undefined) {
    try {
      JSON.parse(values.metadata);
    } catch {
      console.error(`interpreter webhook: --metadata is not JSON: ${values.metadata}`);
      return 2;
    }
  }
  const apiKey = values['api-key'] ?? process.env[AgentEnv.livekitApiKey] ?? DEV_LIVEKIT.apiKey;
  const apiSecret = values['api-secret'] ?? process.env[AgentEnv.livekitApiSecret] ?? DEV_LIVEKIT.apiSecret;
  const body = roomEventBody({
    event: event as WebhookEventNames,
    room: values.room,
    ...(values.sid ? { sid: values.sid } : {}),
    ...(values.metadata !== undefined ? { metadata: values.metadata } : {}),
    ...(values.id ? { id: values.id } : {}),
  });
  const authorization = await signWebhookBody(body, apiKey, apiSecret);
  let response: Response;
  try {
    response = await fetch(values.url, { method: 'POST', headers: { 'content-type': WEBHOOK_CONTENT_TYPE, authorization }, body });
  } catch (error) {
    console.error(`interpreter webhook: cannot reach ${values.url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
    console.error('Is `npm start` (interpreter serve) running?');
    return 1;
  }
  console.log(`${response.status} ${await response.text()}`);
  return response.ok ? 0 : 1;
}
