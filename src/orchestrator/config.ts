/**
 * The orchestrator's settings from the environment (names from the launch contract). Defaults
 * point at a local `livekit-server --dev`; in AWS the LiveKit credentials come from Secrets
 * Manager (an ARN in env), fetched once per container.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AgentEnv, OrchestratorEnv } from '../common/launch-contract.ts';
import { DEV_API_KEY, DEV_API_SECRET, checkDevKeyBind } from '../common/dev-credentials.ts';
import type { EcsSettings } from './ecs-launcher.ts';
import { DEFAULT_MAX_AGENTS } from './launcher.ts';
import { DEFAULT_MAX_EVENT_AGE_SECONDS } from './webhook.ts';

/** One list everywhere: `dispatch` (a warm worker pool), `task` (a Fargate task per room), `local` (a process per room), `dry-run`. */
export type LauncherKind = 'dispatch' | 'task' | 'local' | 'dry-run';

export interface LiveKitCredentials {
  url: string;
  apiKey: string;
  apiSecret: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `livekit-server --dev` listens here with this key pair. */
export const DEV_LIVEKIT: LiveKitCredentials = { url: 'ws://localhost:7880', apiKey: DEV_API_KEY, apiSecret: DEV_API_SECRET };

/**
 * Throws `ConfigError` when a listener may not bind `host` with these credentials (the public dev
 * secret on a non-loopback address without `throwaway`); returns the warning to log when
 * `throwaway` allows it. The rule itself is `checkDevKeyBind` in `src/common/dev-credentials.ts`.
 */
export function assertBindAllowed(host: string, credentials: { apiKey: string; apiSecret: string }, throwaway = false, what = 'interpreter serve'): string | undefined {
  const verdict = checkDevKeyBind({ host, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, throwaway, what });
  if (!verdict.allowed) throw new ConfigError(verdict.problem);
  return verdict.warning;
}

/** Settings of the webhook handling shared by `serve` and the Lambda. */
export interface WebhookSettings {
  maxAgents: number;
  maxEventAgeSeconds: number;
  /** DynamoDB table of the launch ledger; absent: this process's memory. */
  ledgerTable?: string;
}

export function webhookSettings(env: Env): WebhookSettings {
  const table = env[OrchestratorEnv.ledgerTable];
  return {
    maxAgents: wholeNumber(env, OrchestratorEnv.maxAgents, DEFAULT_MAX_AGENTS, 1),
    maxEventAgeSeconds: wholeNumber(env, OrchestratorEnv.webhookMaxAgeSeconds, DEFAULT_MAX_EVENT_AGE_SECONDS, 1),
    ...(table ? { ledgerTable: table } : {}),
  };
}

function wholeNumber(env: Env, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name}=${text} is not a whole number of at least ${min}`);
  return value;
}

type Env = Record<string, string | undefined>;

export function launcherKind(env: Env, fallback: LauncherKind): LauncherKind {
  const value = env[OrchestratorEnv.launcher] ?? fallback;
  // `ecs` was the per-room task's first name; deployments that still say so keep working.
  if (value === 'ecs') return 'task';
  if (value === 'dispatch' || value === 'task' || value === 'local' || value === 'dry-run') return value;
  throw new ConfigError(`${OrchestratorEnv.launcher}=${value} is not a launcher; use dispatch, task, local or dry-run`);
}

export function ecsSettings(env: Env): EcsSettings {
  const missing = [OrchestratorEnv.cluster, OrchestratorEnv.taskDefinition, OrchestratorEnv.containerName, OrchestratorEnv.subnets].filter((name) => !env[name]);
  if (missing.length > 0) throw new ConfigError(`the ECS launcher needs ${missing.join(', ')} (the CDK stack sets them)`);
  const list = (name: string) => (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return {
    cluster: env[OrchestratorEnv.cluster] ?? '',
    taskDefinition: env[OrchestratorEnv.taskDefinition] ?? '',
    containerName: env[OrchestratorEnv.containerName] ?? '',
    subnets: list(OrchestratorEnv.subnets),
    securityGroups: list(OrchestratorEnv.securityGroups),
    assignPublicIp: (env[OrchestratorEnv.assignPublicIp] ?? 'DISABLED').toUpperCase() === 'ENABLED',
  };
}

let cachedSecret: Promise<{ apiKey: string; apiSecret: string }> | undefined;

/**
 * LiveKit URL and API key pair: from `LIVEKIT_SECRET_ARN` (a JSON secret `{"apiKey","apiSecret"}`)
 * when set, else from `LIVEKIT_API_KEY`/`LIVEKIT_API_SECRET`, else the dev server's.
 */
export async function liveKitCredentials(env: Env, secrets?: SecretsManagerClient): Promise<LiveKitCredentials> {
  const url = env[AgentEnv.livekitUrl] ?? DEV_LIVEKIT.url;
  const arn = env[OrchestratorEnv.livekitSecretArn];
  if (arn) {
    cachedSecret ??= fetchLiveKitSecret(arn, secrets ?? new SecretsManagerClient({})).catch((error: unknown) => {
      cachedSecret = undefined;
      throw error;
    });
    return { url, ...(await cachedSecret) };
  }
  const apiKey = env[AgentEnv.livekitApiKey];
  const apiSecret = env[AgentEnv.livekitApiSecret];
  if (apiKey && apiSecret) return { url, apiKey, apiSecret };
  if (apiKey || apiSecret) throw new ConfigError(`set both ${AgentEnv.livekitApiKey} and ${AgentEnv.livekitApiSecret}, or neither for the dev server's`);
  return { ...DEV_LIVEKIT, url };
}

/** Forgets the cached secret (tests; a rotated secret after a 401). */
export function resetSecretCache(): void {
  cachedSecret = undefined;
}

async function fetchLiveKitSecret(arn: string, client: SecretsManagerClient): Promise<{ apiKey: string; apiSecret: string }> {
  const output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(output.SecretString ?? '');
  } catch {
    throw new ConfigError(`secret ${arn} is not JSON; store {"apiKey": "...", "apiSecret": "..."}`);
  }
  const { apiKey, apiSecret } = (parsed ?? {}) as { apiKey?: unknown; apiSecret?: unknown };
  if (typeof apiKey !== 'string' || typeof apiSecret !== 'string' || !apiKey || !apiSecret) {
    throw new ConfigError(`secret ${arn} lacks apiKey/apiSecret; store {"apiKey": "...", "apiSecret": "..."}`);
  }
  return { apiKey, apiSecret };
}

/** RoomService speaks HTTP: the same host as the signalling WebSocket. */
export function httpUrl(livekitUrl: string): string {
  return livekitUrl.replace(/^ws(s?):\/\//, 'http$1://');
}
