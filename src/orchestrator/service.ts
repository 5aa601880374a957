/**
 * The webhook service `interpreter serve` runs, as one function: refuse an unsafe bind, build the
 * launch path (ledger + per-sid queue) shared by the webhook and reconcile, listen, reconcile on
 * a timer, and close everything in order. The CLI only parses flags; tests start the very same.
 */
import { RoomServiceClient } from 'livekit-server-sdk';
import type { Profile } from '../profiles/index.ts';
import { assertBindAllowed, ecsSettings, httpUrl, type LauncherKind, type LiveKitCredentials } from './config.ts';
import { DispatchLauncher } from './dispatch-launcher.ts';
import { DryRunLauncher } from './dry-run-launcher.ts';
import { EcsLauncher } from './ecs-launcher.ts';
import { createWebhookServer, listen, type WebhookServerLimits, type WebhookServerOptions } from './http-server.ts';
import { MemoryLedger, type LaunchLedger } from './ledger.ts';
import type { Launcher } from './launcher.ts';
import { RoomLaunches } from './launches.ts';
import { LocalProcessLauncher } from './local-launcher.ts';
import type { Logger } from './log.ts';
import { reconcile, scheduleReconcile, type ListedRoom, type ReconcileReport } from './reconcile.ts';
import { createWebhookHandler, type WebhookHandler } from './webhook.ts';
import { recordWebhookActivity } from './webhook-activity.ts';

export interface WebhookServiceOptions {
  credentials: LiveKitCredentials;
  profiles: readonly Profile[];
  launcher: Launcher;
  logger: Logger;
  /** Default 127.0.0.1; another address with the dev secret needs `throwaway`. */
  host?: string;
  port?: number;
  throwaway?: boolean;
  ledger?: LaunchLedger;
  /** 0 (default): no timer; `reconcileNow()` still runs a pass. */
  reconcileIntervalMs?: number;
  /** Start the reconcile timer only on `startReconcile()` (when LiveKit comes up after the service). */
  deferReconcile?: boolean;
  /** Default: LiveKit's RoomService at the credentials' URL. */
  listRooms?: () => Promise<ListedRoom[]>;
  limits?: Partial<WebhookServerLimits>;
  maxEventAgeSeconds?: number;
  relaunchAfterMs?: number;
  /** Extra `/healthz` fields. */
  health?: () => Record<string, unknown>;
  /** Other paths served beside the webhook (the local listener app). */
  routes?: WebhookServerOptions['routes'];
}

export interface WebhookService {
  port: number;
  url: string;
  handler: WebhookHandler;
  launches: RoomLaunches;
  reconcileNow(): Promise<ReconcileReport>;
  /** Starts the reconcile timer if `deferReconcile` held it back. */
  startReconcile(): void;
  /** Stops taking webhooks, waits for launches under way, then stops the agents. */
  close(): Promise<void>;
}

export async function startWebhookService(options: WebhookServiceOptions): Promise<WebhookService> {
  const { credentials, profiles, launcher, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const warning = assertBindAllowed(host, credentials, options.throwaway);
  if (warning) logger.warn({ host }, warning);

  const launches = new RoomLaunches({ launcher, ledger: options.ledger ?? new MemoryLedger(), logger, ...(options.relaunchAfterMs !== undefined ? { relaunchAfterMs: options.relaunchAfterMs } : {}) });
  // `/healthz` reports what arrived (for `interpreter check --webhook`).
  const { handle: handler, activity } = recordWebhookActivity(createWebhookHandler({
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    profiles,
    launches,
    logger,
    ...(options.maxEventAgeSeconds !== undefined ? { maxEventAgeSeconds: options.maxEventAgeSeconds } : {}),
  }));
  const server = createWebhookServer({
    handle: handler,
    logger,
    ...options.limits,
    ...(options.routes ? { routes: options.routes } : {}),
    health: async () => ({ launcher: launcher.kind, agents: (await launcher.running()).length, profiles: profiles.length, webhooks: activity(), ...options.health?.() }),
  });
  const port = await listen(server, options.port ?? 0, host);

  const rooms = new RoomServiceClient(httpUrl(credentials.url), credentials.apiKey, credentials.apiSecret);
  const listRooms = options.listRooms ?? (async () => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata })));
  const reconcileOptions = { profiles, launches, logger, listRooms };
  let timer: { stop(): void } | undefined;
  const startReconcile = () => {
    if (!timer && options.reconcileIntervalMs) timer = scheduleReconcile({ ...reconcileOptions, intervalMs: options.reconcileIntervalMs });
  };
  if (!options.deferReconcile) startReconcile();

  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/webhook`,
    handler,
    launches,
    reconcileNow: () => reconcile(reconcileOptions),
    startReconcile,
    async close() {
      timer?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await launches.settled();
      await launcher.close();
    },
  };
}

export interface LauncherSettings {
  logger: Logger;
  maxAgents: number;
  /** Environment for local agents (LiveKit and Azure settings). */
  agentEnv: Record<string, string>;
  /** Local: agents started ahead, loaded and waiting for a room (default 0). */
  warmAgents?: number;
  env: Record<string, string | undefined>;
  /** For dispatch: the LiveKit server to dispatch on, and the workers' agent name. */
  livekit: LiveKitCredentials;
  agentName?: string;
}

export function createLauncher(kind: LauncherKind, settings: LauncherSettings): Launcher {
  switch (kind) {
    case 'dry-run':
      return new DryRunLauncher({ maxAgents: settings.maxAgents });
    case 'dispatch':
      return new DispatchLauncher({ livekit: settings.livekit, logger: settings.logger, ...(settings.agentName ? { agentName: settings.agentName } : {}) });
    case 'task':
      return new EcsLauncher({ ...ecsSettings(settings.env), logger: settings.logger, maxAgents: settings.maxAgents });
    case 'local':
      return new LocalProcessLauncher({ logger: settings.logger, env: settings.agentEnv, maxAgents: settings.maxAgents, ...(settings.warmAgents !== undefined ? { warmAgents: settings.warmAgents } : {}) });
  }
}
