/**
 * `interpreter serve`: the webhook handler as an HTTP server that starts agents (local child
 * processes by default), with reconcile every 30 s. Without an Azure key it starts the local
 * Speech emulator and points its agents at it.
 */
import { parseArgs } from 'node:util';
import { RoomServiceClient } from 'livekit-server-sdk';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfiles, formatProblems } from '../profiles/index.ts';
import {
  ConfigError,
  DryRunLauncher,
  EcsLauncher,
  LocalProcessLauncher,
  createWebhookHandler,
  createWebhookServer,
  ecsSettings,
  launcherKind,
  listen,
  liveKitCredentials,
  scheduleReconcile,
  type Launcher,
} from '../orchestrator/index.ts';
import { httpUrl } from '../orchestrator/config.ts';
import { createLogger, type Logger } from '../orchestrator/log.ts';
import { recordWebhookActivity } from '../orchestrator/webhook-activity.ts';

const HELP = `Usage: interpreter serve [--port 8080] [--host 0.0.0.0] [--launcher local|dry-run|ecs] [--profiles configs]

Takes LiveKit webhooks at POST /webhook and launches one interpreter agent per matching room.
  --port N            listen port (default 8080, env PORT)
  --launcher KIND     local: child processes (default); dry-run: record only; ecs: Fargate tasks
  --profiles PATH     folder of YAML profiles or a JSON bundle (default configs, env INTERPRETER_PROFILES)
  --max-agents N      local launcher: most agents at once (default 20)
  --reconcile-seconds N  how often to compare rooms and agents (default 30; 0 = never)

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: livekit-server --dev),
AZURE_SPEECH_KEY + AZURE_SPEECH_REGION or AZURE_SPEECH_ENDPOINT (none: the local emulator is started).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '0.0.0.0' },
      launcher: { type: 'string' },
      profiles: { type: 'string' },
      'max-agents': { type: 'string' },
      'reconcile-seconds': { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const logger = createLogger({ name: 'interpreter-serve' });
  const env = process.env;
  try {
    const kind = launcherKind(values.launcher ? { ...env, INTERPRETER_LAUNCHER: values.launcher } : env, 'local');
    const profilesPath = values.profiles ?? env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
    const loaded = await loadProfiles(profilesPath);
    if (loaded.problems.some((p) => p.severity === 'error')) {
      console.error(`interpreter serve: the profiles in ${profilesPath} have errors:\n${formatProblems(loaded.problems)}`);
      return 1;
    }
    const credentials = await liveKitCredentials(env);
    const stopEmulator = kind === 'local' ? await speechForAgents(env, logger) : async () => {};
    const launcher = makeLauncher(kind, logger, {
      ...(values['max-agents'] ? { maxAgents: positive(values['max-agents'], '--max-agents') } : {}),
      env: { [AgentEnv.profilesPath]: profilesPath, [AgentEnv.livekitUrl]: credentials.url, [AgentEnv.livekitApiKey]: credentials.apiKey, [AgentEnv.livekitApiSecret]: credentials.apiSecret },
    });
    // `/healthz` reports deliveries, which `interpreter check --webhook` reads.
    const webhooks = recordWebhookActivity(createWebhookHandler({ apiKey: credentials.apiKey, apiSecret: credentials.apiSecret, profiles: loaded.profiles, launcher, logger }));
    const server = createWebhookServer({
      handle: webhooks.handle,
      logger,
      health: async () => ({ launcher: launcher.kind, agents: (await launcher.running()).length, profiles: loaded.profiles.length, webhooks: webhooks.activity() }),
    });
    const port = await listen(server, values.port ? positive(values.port, '--port') : Number(env.PORT ?? 8080), values.host);
    logger.info({ port, launcher: kind, profiles: loaded.profiles.map((p) => p.name), livekit: credentials.url }, `listening for LiveKit webhooks on http://localhost:${port}/webhook`);

    const reconcileSeconds = Number(values['reconcile-seconds']);
    const rooms = new RoomServiceClient(httpUrl(credentials.url), credentials.apiKey, credentials.apiSecret);
    const reconciler =
      reconcileSeconds > 0
        ? scheduleReconcile({
            intervalMs: reconcileSeconds * 1000,
            profiles: loaded.profiles,
            launcher,
            logger,
            listRooms: async () => (await rooms.listRooms()).map((r) => ({ name: r.name, sid: r.sid, metadata: r.metadata })),
          })
        : undefined;

    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down: stopping agents');
        resolve();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    reconciler?.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await launcher.close();
    await stopEmulator();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`interpreter serve: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function makeLauncher(kind: 'local' | 'dry-run' | 'ecs', logger: Logger, local: { maxAgents?: number; env: Record<string, string> }): Launcher {
  switch (kind) {
    case 'dry-run':
      return new DryRunLauncher();
    case 'ecs':
      return new EcsLauncher({ ...ecsSettings(process.env), logger });
    case 'local':
      return new LocalProcessLauncher({ logger, env: local.env, ...(local.maxAgents ? { maxAgents: local.maxAgents } : {}) });
  }
}

/** With no Azure credentials, local agents talk to an in-process emulator instead. */
async function speechForAgents(env: NodeJS.ProcessEnv, logger: Logger): Promise<() => Promise<void>> {
  if (env[AgentEnv.azureSpeechKey]) return async () => {};
  const { startEmulator } = await import('../emulator/index.ts');
  const emulator = await startEmulator({ port: 0 });
  env[AgentEnv.azureSpeechEndpoint] = emulator.url.toString();
  env[AgentEnv.azureSpeechKey] = 'emulator';
  logger.warn(
    { endpoint: emulator.url.toString() },
    'NO AZURE_SPEECH_KEY: agents use the LOCAL SPEECH EMULATOR (deterministic placeholder translations, not Azure). Set AZURE_SPEECH_KEY and AZURE_SPEECH_REGION for real interpretation.',
  );
  return () => emulator.close();
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${flag} takes a whole number, not '${text}'`);
  return value;
}
