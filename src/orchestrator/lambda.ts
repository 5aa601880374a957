/**
 * AWS Lambda adapters: `handler` for LiveKit's webhook (Function URL or HTTP API v2 event) and
 * `reconcileHandler` for the schedule. State (profiles, credentials, clients) is built once per
 * container and reused across invocations.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RoomServiceClient } from 'livekit-server-sdk';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfilesOrThrow } from '../profiles/index.ts';
import { ecsSettings, httpUrl, liveKitCredentials } from './config.ts';
import { EcsLauncher } from './ecs-launcher.ts';
import { createLogger } from './log.ts';
import { reconcile, type ReconcileReport } from './reconcile.ts';
import { createWebhookHandler, type WebhookHandler } from './webhook.ts';
import { MAX_WEBHOOK_BYTES } from './http-server.ts';

const logger = createLogger({ name: 'interpreter-webhook' });

interface Runtime {
  handle: WebhookHandler;
  reconcileOnce: () => Promise<ReconcileReport>;
}

let runtime: Promise<Runtime> | undefined;

async function buildRuntime(): Promise<Runtime> {
  const env = process.env;
  const profiles = await loadProfilesOrThrow(env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH);
  const credentials = await liveKitCredentials(env);
  const launcher = new EcsLauncher({ ...ecsSettings(env), logger });
  const handle = createWebhookHandler({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, profiles, launcher, logger });
  const rooms = new RoomServiceClient(httpUrl(credentials.url), credentials.apiKey, credentials.apiSecret);
  const reconcileOnce = () =>
    reconcile({
      profiles,
      launcher,
      logger,
      listRooms: async () => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata })),
    });
  return { handle, reconcileOnce };
}

function getRuntime(): Promise<Runtime> {
  runtime ??= buildRuntime().catch((error: unknown) => {
    // A failed start (secret not filled yet, bad profile) is retried on the next invocation.
    runtime = undefined;
    throw error;
  });
  return runtime;
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext?.http?.method ?? 'POST';
  if (method !== 'POST') return json(405, { error: 'use POST' });
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > MAX_WEBHOOK_BYTES) return json(413, { error: `body over ${MAX_WEBHOOK_BYTES} bytes` });
  let current: Runtime;
  try {
    current = await getRuntime();
  } catch (error) {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'webhook handler cannot start');
    return json(500, { error: 'webhook handler misconfigured; see its logs' });
  }
  const result = await current.handle({ body, authorization: header(event.headers, 'authorization') });
  return json(result.status, result.body);
}

export async function reconcileHandler(): Promise<ReconcileReport> {
  const current = await getRuntime();
  return current.reconcileOnce();
}

function header(headers: APIGatewayProxyEventV2['headers'] | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Forgets the per-container state (tests). */
export function resetRuntime(): void {
  runtime = undefined;
}
