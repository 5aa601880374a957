/**
 * `interpreter serve`: the webhook service (`startWebhookService`) that starts agents (local child
 * processes by default), with reconcile every 30 s. Without `LIVEKIT_URL` it runs the real LiveKit
 * server itself with its webhooks pointed here; without an Azure key it starts the local Speech
 * emulator and points its agents at it. Stopping serve stops everything it started.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stopSignal } from './stop-signal.ts';
import { parseArgs } from 'node:util';
import { AgentEnv } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, loadProfiles, formatProblems, type Profile } from '../profiles/index.ts';
import { ConfigError, assertBindAllowed, launcherKind, liveKitCredentials, webhookSettings } from '../orchestrator/config.ts';
import { DynamoLedger } from '../orchestrator/dynamo-ledger.ts';
import { createLogger, type Logger } from '../orchestrator/log.ts';
import { createLauncher, startWebhookService } from '../orchestrator/service.ts';

const HELP = `Usage: interpreter serve [--port 8080] [--host 127.0.0.1] [--launcher dispatch|local|task|dry-run] [--profiles configs]

Takes LiveKit webhooks at POST /webhook and gets every matching room one interpreter.
  --port N            listen port (default 8080, env PORT)
  --host ADDRESS      listen address (default 127.0.0.1: put a TLS proxy in front to expose it)
  --throwaway         allow a non-loopback --host with the public dev key pair (devkey/secret);
                      anyone who reaches the port can then start agents: a throwaway machine only
  --launcher KIND     dispatch: explicit dispatch to \`interpreter worker\` processes (the default when
                      serve runs its own LiveKit server); local: a child process per room (the default
                      with LIVEKIT_URL set); task: a Fargate task per room; dry-run: record only
  --workers N         dispatch with serve's own LiveKit: worker processes serve starts beside it
                      (default 1; 0 = run \`interpreter worker\` yourself)
  --agent-name NAME   dispatch: the workers' agent name (default interpreter)
  --profiles PATH     folder of YAML profiles or a JSON bundle (default configs, env INTERPRETER_PROFILES)
  --max-agents N      most agents at once (default 20, env INTERPRETER_MAX_AGENTS)
  --warm-agents N     local: agents kept started ahead, loaded and waiting for a room, so a new room
                      does not wait for a process to start (default 1; each is an idle process of
                      about 200 MB, not counted by --max-agents; 0 = start each room's agent cold)
  --reconcile-seconds N  how often to compare rooms and agents (default 30; 0 = never)
  --relaunch-seconds N   reconcile relaunches a room's vanished agent no sooner than this after its
                      last launch (default 60: a crash-looping agent is retried at most this often)
  --livekit-port N    without LIVEKIT_URL: the port of the LiveKit server serve starts (default 7880;
                      0 = any free port); its RTC ports are 7881/tcp and 7882/udp (0 = free ones)
  --livekit-rtc-tcp-port N, --livekit-rtc-udp-port N

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (unset URL: serve runs LiveKit's own
server on 127.0.0.1 with that key pair, default devkey/secret; see \`interpreter livekit\`),
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
      'warm-agents': { type: 'string', default: '1' },
      'reconcile-seconds': { type: 'string', default: '30' },
      'relaunch-seconds': { type: 'string', default: '60' },
      'agent-name': { type: 'string' },
      workers: { type: 'string', default: '1' },
      'livekit-port': { type: 'string', default: '7880' },
      'livekit-rtc-tcp-port': { type: 'string', default: '7881' },
      'livekit-rtc-udp-port': { type: 'string', default: '7882' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const logger = createLogger({ name: 'interpreter-serve' });
  const env = process.env;
  // What serve started, stopped in this order: agents (they leave their rooms), LiveKit, the emulator.
  const started: { service?: () => Promise<void>; workers?: () => Promise<void>; livekit?: () => Promise<void>; emulator?: () => Promise<void> } = {};
  const stopAll = async () => {
    for (const stop of [started.service, started.workers, started.livekit, started.emulator]) await stop?.().catch(() => undefined);
  };
  try {
    // No LiveKit named: run the real server here (its URL known before agents are configured).
    const runLiveKit = !env[AgentEnv.livekitUrl];
    const { planLocalLiveKit } = runLiveKit ? await import('../local/stack.ts') : { planLocalLiveKit: undefined };
    const localLiveKit = planLocalLiveKit ? await planLocalLiveKit(whole(values['livekit-port'], '--livekit-port'), await liveKitCredentials(env)) : undefined;
    const credentials = localLiveKit ? { url: localLiveKit.url, apiKey: localLiveKit.apiKey, apiSecret: localLiveKit.apiSecret } : await liveKitCredentials(env);
    // Before anything starts: a refused bind must not leave an emulator or agents behind.
    assertBindAllowed(values.host, credentials, values.throwaway);
    const kind = launcherKind(values.launcher ? { ...env, INTERPRETER_LAUNCHER: values.launcher } : env, localLiveKit ? 'dispatch' : 'local');
    const workerCount = kind === 'dispatch' && localLiveKit ? whole(values.workers, '--workers') : 0;
    const settings = webhookSettings(values['max-agents'] ? { ...env, INTERPRETER_MAX_AGENTS: values['max-agents'] } : env);
    const profilesPath = values.profiles ?? env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
    const loaded = await loadProfiles(profilesPath);
    if (loaded.problems.some((p) => p.severity === 'error')) {
      console.error(`interpreter serve: the profiles in ${profilesPath} have errors:\n${formatProblems(loaded.problems)}`);
      return 1;
    }
    if (kind === 'local' || workerCount > 0) started.emulator = await speechForAgents(env, logger);
    const launcher = createLauncher(kind, {
      logger,
      env,
      maxAgents: settings.maxAgents,
      warmAgents: warmAgents(values['warm-agents'], settings.maxAgents),
      livekit: credentials,
      ...(values['agent-name'] ? { agentName: values['agent-name'] } : {}),
      agentEnv: { [AgentEnv.profilesPath]: profilesPath, [AgentEnv.livekitUrl]: credentials.url, [AgentEnv.livekitApiKey]: credentials.apiKey, [AgentEnv.livekitApiSecret]: credentials.apiSecret },
    });
    // With its own LiveKit, serve is the whole local system: the listener app at / and the
    // development token endpoint beside the webhook (never with a LiveKit elsewhere).
    const routes = localLiveKit ? await listenerApp(credentials, loaded.profiles) : undefined;
    const service = await startWebhookService({
      ...(routes ? { routes } : {}),
      credentials,
      profiles: loaded.profiles,
      launcher,
      logger,
      host: values.host,
      throwaway: values.throwaway,
      port: values.port ? whole(values.port, '--port') : Number(env.PORT ?? 8080),
      reconcileIntervalMs: whole(values['reconcile-seconds'], '--reconcile-seconds') * 1000,
      // The LiveKit server serve runs comes up after the service (its webhooks point here).
      deferReconcile: localLiveKit !== undefined,
      relaunchAfterMs: whole(values['relaunch-seconds'], '--relaunch-seconds') * 1000,
      maxEventAgeSeconds: settings.maxEventAgeSeconds,
      ...(settings.ledgerTable ? { ledger: new DynamoLedger({ table: settings.ledgerTable }) } : {}),
    });
    started.service = () => service.close();
    const stopped = stopSignal();
    logger.info({ port: service.port, launcher: kind, profiles: loaded.profiles.map((p) => p.name), livekit: credentials.url }, `listening for LiveKit webhooks on ${service.url}`);
    if (localLiveKit) {
      const { startLocalLiveKit } = await import('../local/stack.ts');
      const server = await startLocalLiveKit(localLiveKit, {
        webhookUrl: service.url,
        rtcTcpPort: whole(values['livekit-rtc-tcp-port'], '--livekit-rtc-tcp-port'),
        rtcUdpPort: whole(values['livekit-rtc-udp-port'], '--livekit-rtc-udp-port'),
        log: (line) => logger.info(line),
        onOutput: (line) => {
          // The dev key pair's short secret is expected here; anything else the server calls an error is shown.
          if (/\bERROR\b/.test(line) && !line.includes('secret is too short')) logger.warn({ livekit: line }, 'livekit-server');
        },
      });
      started.livekit = () => server.stop();
      if (workerCount > 0) {
        const agentEnv = { [AgentEnv.profilesPath]: profilesPath, [AgentEnv.livekitUrl]: credentials.url, [AgentEnv.livekitApiKey]: credentials.apiKey, [AgentEnv.livekitApiSecret]: credentials.apiSecret };
        started.workers = await startWorkers(workerCount, { ...env, ...agentEnv }, values['agent-name'], logger);
      }
      service.startReconcile();
      logger.info(
        { livekit: server.url, apiKey: server.apiKey, rtcTcp: server.settings.rtcTcpPort, rtcUdp: server.settings.rtcUdpPort },
        `LiveKit server up at ${server.url} (key ${server.apiKey}). Listen in a browser: ${service.url.replace(/\/webhook$/, '/')}?room=board-q3 ; or npx interpreter listen --room board-q3 --language fr, and in another terminal npx interpreter speak --room board-q3 test/fixtures/audio/speech-de.wav`,
      );
    }

    logger.info({ signal: await stopped }, 'shutting down: stopping agents');
    await stopAll();
    return 0;
  } catch (error) {
    await stopAll();
    if (error instanceof ConfigError || (error instanceof Error && /^(LiveKitStartError|LiveKitBinaryError)$/.test(error.name))) {
      console.error(`interpreter serve: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function listenerApp(access: { url: string; apiKey: string; apiSecret: string }, profiles: readonly Profile[]): Promise<(request: IncomingMessage, response: ServerResponse) => boolean> {
  const { createTokenHandler, createWebAppHandler } = await import('../local/web-app.ts');
  const { ensureWebBuilt } = await import('./web.ts');
  const languages = [...new Set(profiles.flatMap((p) => p.languages.targets.map((t) => t.language)))].sort();
  const handlers = [createTokenHandler({ access }), createWebAppHandler({ root: ensureWebBuilt(), config: { livekitUrl: access.url, languages } })];
  return (request, response) => handlers.some((handle) => handle(request, response));
}

/** Worker processes beside serve's LiveKit server; their log lines are passed on, tagged by worker. */
async function startWorkers(count: number, env: Record<string, string | undefined>, agentName: string | undefined, logger: Logger): Promise<() => Promise<void>> {
  const { startWorkerPool } = await import('../local/worker-pool.ts');
  const pool = await startWorkerPool({
    count,
    env,
    args: agentName ? ['--agent-name', agentName] : [],
    onLine: (worker, line, stream) => {
      const log = logger.child({ worker });
      if (stream === 'stderr') log.warn({ stream }, line);
      else log.info({ stream }, line);
    },
    onExit: (worker, code, signal) => logger.info({ worker, code, signal }, `worker ${worker} exited with ${signal ?? `code ${code}`}`),
  });
  logger.info({ workers: pool.pids }, `started ${count} interpreter worker(s) for dispatch`);
  return () => pool.stop();
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

/** Idle processes of ~200 MB each: never more of them than agents may run at once. */
function warmAgents(text: string, maxAgents: number): number {
  const count = whole(text, '--warm-agents');
  if (count > maxAgents) throw new ConfigError(`--warm-agents ${count} is more than --max-agents ${maxAgents}: agents started ahead would outnumber the rooms they may serve`);
  return count;
}

function whole(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${flag} takes a whole number, not '${text}'`);
  return value;
}
