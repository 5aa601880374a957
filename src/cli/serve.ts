/**
 * `interpreter serve`: the webhook service (`startWebhookService`) that starts agents (local child
 * processes by default), with reconcile every 30 s. Without an Azure key it starts the local
 * Speech emulator and points its agents at it.
 */
import { parseArgs } from 'node:util';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfiles, formatProblems } from '../profiles/index.ts';
import { ConfigError, assertBindAllowed, launcherKind, liveKitCredentials, webhookSettings } from '../orchestrator/config.ts';
import { DynamoLedger } from '../orchestrator/dynamo-ledger.ts';
import { createLogger, type Logger } from '../orchestrator/log.ts';
import { createLauncher, startWebhookService } from '../orchestrator/service.ts';

const HELP = `Usage: interpreter serve [--port 8080] [--host 127.0.0.1] [--launcher local|dry-run|ecs] [--profiles configs]

Takes LiveKit webhooks at POST /webhook and launches one interpreter agent per matching room.
  --port N            listen port (default 8080, env PORT)
  --host ADDRESS      listen address (default 127.0.0.1: put a TLS proxy in front to expose it)
  --throwaway         allow a non-loopback --host with the public dev key pair (devkey/secret);
                      anyone who reaches the port can then start agents: a throwaway machine only
  --launcher KIND     local: child processes (default); dry-run: record only; ecs: Fargate tasks
  --profiles PATH     folder of YAML profiles or a JSON bundle (default configs, env INTERPRETER_PROFILES)
  --max-agents N      most agents at once (default 20, env INTERPRETER_MAX_AGENTS)
  --reconcile-seconds N  how often to compare rooms and agents (default 30; 0 = never)

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: livekit-server --dev),
AZURE_SPEECH_KEY + AZURE_SPEECH_REGION or AZURE_SPEECH_ENDPOINT (none: the local emulator is started),
INTERPRETER_LEDGER_TABLE (DynamoDB launch ledger; default: this process's memory).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      throwaway: { type: 'boolean', default: false },
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
    const credentials = await liveKitCredentials(env);
    // Before anything starts: a refused bind must not leave an emulator or agents behind.
    assertBindAllowed(values.host, credentials, values.throwaway);
    const kind = launcherKind(values.launcher ? { ...env, INTERPRETER_LAUNCHER: values.launcher } : env, 'local');
    const settings = webhookSettings(values['max-agents'] ? { ...env, INTERPRETER_MAX_AGENTS: values['max-agents'] } : env);
    const profilesPath = values.profiles ?? env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
    const loaded = await loadProfiles(profilesPath);
    if (loaded.problems.some((p) => p.severity === 'error')) {
      console.error(`interpreter serve: the profiles in ${profilesPath} have errors:\n${formatProblems(loaded.problems)}`);
      return 1;
    }
    const stopEmulator = kind === 'local' ? await speechForAgents(env, logger) : async () => {};
    const launcher = createLauncher(kind, {
      logger,
      env,
      maxAgents: settings.maxAgents,
      agentEnv: { [AgentEnv.profilesPath]: profilesPath, [AgentEnv.livekitUrl]: credentials.url, [AgentEnv.livekitApiKey]: credentials.apiKey, [AgentEnv.livekitApiSecret]: credentials.apiSecret },
    });
    const service = await startWebhookService({
      credentials,
      profiles: loaded.profiles,
      launcher,
      logger,
      host: values.host,
      throwaway: values.throwaway,
      port: values.port ? whole(values.port, '--port') : Number(env.PORT ?? 8080),
      reconcileIntervalMs: whole(values['reconcile-seconds'], '--reconcile-seconds') * 1000,
      maxEventAgeSeconds: settings.maxEventAgeSeconds,
      ...(settings.ledgerTable ? { ledger: new DynamoLedger({ table: settings.ledgerTable }) } : {}),
    });
    logger.info({ port: service.port, launcher: kind, profiles: loaded.profiles.map((p) => p.name), livekit: credentials.url }, `listening for LiveKit webhooks on ${service.url}`);

    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down: stopping agents');
        resolve();
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    await service.close();
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

function whole(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${flag} takes a whole number, not '${text}'`);
  return value;
}
