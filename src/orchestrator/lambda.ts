/**
 * AWS Lambda adapters: `handler` for LiveKit's webhook (Function URL or HTTP API v2 event) and
 * `reconcileHandler` for the schedule. State (profiles, credentials, clients) is built once per
 * container and reused across invocations. Both share the DynamoDB launch ledger with every other
 * instance, so "once per event" and "once per room sid" hold across all of them.
 *
 * Lambda freezes a function once it has answered, so work cannot go on after the answer as it
 * does in `serve`: the handler answers when the launch is done. The ECS launcher's time budget
 * (10 s) keeps that well inside LiveKit's 30 s, and a failure is a 5xx that LiveKit retries.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RoomServiceClient } from 'livekit-server-sdk';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfilesOrThrow } from '../profiles/index.ts';
import { ecsSettings, httpUrl, liveKitCredentials, webhookSettings } from './config.ts';
import { DynamoLedger } from './dynamo-ledger.ts';
import { EcsLauncher } from './ecs-launcher.ts';
import { MAX_WEBHOOK_BYTES } from './http-server.ts';
import { MemoryLedger } from './ledger.ts';
import { RoomLaunches } from './launches.ts';
import { createLogger } from './log.ts';
import { reconcile, type ReconcileReport } from './reconcile.ts';
import { createWebhookHandler, type WebhookHandler } from './webhook.ts';

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
  const settings = webhookSettings(env);
  const launcher = new EcsLauncher({ ...ecsSettings(env), logger, maxAgents: settings.maxAgents });
  if (!settings.ledgerTable) logger.warn('INTERPRETER_LEDGER_TABLE is not set: duplicate detection is per Lambda instance only');
  const ledger = settings.ledgerTable ? new DynamoLedger({ table: settings.ledgerTable }) : new MemoryLedger();
  const launches = new RoomLaunches({ launcher, ledger, logger });
  const handle = createWebhookHandler({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, profiles, launches, logger, maxEventAgeSeconds: settings.maxEventAgeSeconds });
  const rooms = new RoomServiceClient(httpUrl(credentials.url), credentials.apiKey, credentials.apiSecret);
  const reconcileOnce = () =>
    reconcile({
      profiles,
      launches,
      logger,
      // The schedule's function times out after 50 s.
      budgetMs: 35_000,
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
  if (method !== 'POST') {
    logger.warn({ status: 405, reason: `method ${method}` }, 'request refused: use POST');
    return json(405, { error: 'use POST' });
  }
  let current: Runtime;
  try {
    current = await getRuntime();
  } catch (error) {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'webhook handler cannot start');
    return json(500, { error: 'webhook handler misconfigured; see its logs' });
  }
  // Lambda has received the whole body already; the header still goes first, so that an
  // unauthenticated request is not even decoded.
  const authorized = current.handle.authorize(header(event.headers, 'authorization'));
  if (!authorized.ok) return json(authorized.response.status, authorized.response.body);
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > MAX_WEBHOOK_BYTES) {
    logger.warn({ status: 413, reason: 'body too large' }, `request refused: body over ${MAX_WEBHOOK_BYTES} bytes`);
    return json(413, { error: `body over ${MAX_WEBHOOK_BYTES} bytes` });
  }
  const result = await current.handle.accept(body, authorized.token);
  const final = result.work ? await result.work : result.response;
  return json(final.status, final.body);
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
