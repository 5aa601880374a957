/**
 * AWS Lambda adapters: `handler` for LiveKit's webhook (Function URL or HTTP API v2 event) and
 * `reconcileHandler` for the schedule. State (profiles, credentials, clients) is built once per
 * container and reused across invocations. Both share the DynamoDB launch ledger with every other
 * instance, so "once per event" and "once per room sid" hold across all of them.
 *
 * Lambda freezes a function once it has answered, so work cannot go on after the answer as it
 * does in `serve`: the handler answers when the launch is done. The ECS launcher's time budget
 * (10 s) keeps that well inside LiveKit's 30 s, and a failure is a 5xx that LiveKit retries.
 *
 * Two launchers (`INTERPRETER_LAUNCHER`): `task`, a Fargate task per room, and `dispatch`, an
 * explicit dispatch to the warm pool of workers (an ECS Service). In dispatch mode the webhook
 * also scales the pool out when a room starts, and reconcile scales it in after an idle period
 * (pool-scaler.ts); a scaling failure is logged and never fails the webhook: the room has its
 * dispatch, and the next reconcile corrects the size.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RoomServiceClient } from 'livekit-server-sdk';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfilesOrThrow } from '../profiles/index.ts';
import { httpUrl, launcherKind, liveKitCredentials, webhookSettings } from './config.ts';
import { DynamoLedger } from './dynamo-ledger.ts';
import { MAX_WEBHOOK_BYTES } from './http-server.ts';
import { MemoryLedger } from './ledger.ts';
import { RoomLaunches } from './launches.ts';
import { createLogger } from './log.ts';
import { PoolScaler, type ScaleResult } from './pool-scaler.ts';
import { activeRooms, poolSettings } from './pool-sizing.ts';
import { reconcile, type ListedRoom, type ReconcileReport } from './reconcile.ts';
import { createLauncher } from './service.ts';
import { createWebhookHandler, errorMessage, type WebhookHandler } from './webhook.ts';

const logger = createLogger({ name: 'interpreter-webhook' });

/** What reconcile returns; `pool` in dispatch mode (absent when the pool could not be scaled). */
export type LambdaReconcileReport = ReconcileReport & { pool?: ScaleResult; poolError?: string };

interface Runtime {
  handle: WebhookHandler;
  reconcileOnce: () => Promise<LambdaReconcileReport>;
  /** Dispatch mode: raise the pool to what the open rooms need (never lowers it). */
  scaleOut?: () => Promise<void>;
}

let runtime: Promise<Runtime> | undefined;

async function buildRuntime(): Promise<Runtime> {
  const env = process.env;
  const profiles = await loadProfilesOrThrow(env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH);
  const credentials = await liveKitCredentials(env);
  const settings = webhookSettings(env);
  const kind = launcherKind(env, 'task');
  if (kind !== 'task' && kind !== 'dispatch') throw new Error(`the Lambda handler launches with task or dispatch, not ${kind}`);
  // Read before anything is built, so a missing pool setting fails the start with its name.
  const pool = kind === 'dispatch' ? poolSettings(env) : undefined;
  const launcher = createLauncher(kind, { logger, maxAgents: settings.maxAgents, agentEnv: {}, env, livekit: credentials });
  if (!settings.ledgerTable) logger.warn('INTERPRETER_LEDGER_TABLE is not set: duplicate detection is per Lambda instance only');
  const ledger = settings.ledgerTable ? new DynamoLedger({ table: settings.ledgerTable }) : new MemoryLedger();
  const launches = new RoomLaunches({ launcher, ledger, logger });
  const handle = createWebhookHandler({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, profiles, launches, logger, maxEventAgeSeconds: settings.maxEventAgeSeconds });
  const rooms = new RoomServiceClient(httpUrl(credentials.url), credentials.apiKey, credentials.apiSecret);
  const listRooms = async (): Promise<ListedRoom[]> => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata }));
  const scaler = pool
    ? new PoolScaler({ cluster: pool.cluster, service: pool.service, sizing: pool.sizing, scaleInIdleMs: pool.scaleInIdleMinutes * 60_000, logger })
    : undefined;

  const reconcileOnce = async (): Promise<LambdaReconcileReport> => {
    // One room list for both: what reconcile repairs and what the pool is sized for.
    const listed = await listRooms();
    const report: LambdaReconcileReport = await reconcile({
      profiles,
      launches,
      logger,
      // The schedule's function times out after 50 s.
      budgetMs: 35_000,
      listRooms: async () => listed,
    });
    if (scaler) {
      try {
        report.pool = await scaler.reconcile(activeRooms(listed, profiles));
      } catch (error) {
        report.poolError = errorMessage(error);
        logger.error({ err: report.poolError }, 'worker pool could not be sized; the next reconcile tries again');
      }
    }
    return report;
  };
  const scaleOut = scaler
    ? async () => {
        try {
          await scaler.scaleOut(activeRooms(await listRooms(), profiles));
        } catch (error) {
          logger.error({ err: errorMessage(error) }, 'worker pool could not be scaled out; reconcile corrects it within a minute');
        }
      }
    : undefined;
  return { handle, reconcileOnce, ...(scaleOut ? { scaleOut } : {}) };
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
  // A room that starts takes a warm worker; the pool grows now so the next room finds one too.
  // Both finish before the answer: a frozen Lambda does nothing more.
  const launching = 'action' in result.response.body && result.response.body.action === 'launching' && result.response.body.event === 'room_started';
  const [final] = await Promise.all([result.work ?? Promise.resolve(result.response), launching ? current.scaleOut?.() : undefined]);
  return json(final.status, final.body);
}

export async function reconcileHandler(): Promise<LambdaReconcileReport> {
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
