/**
 * `interpreter worker`: a warm agent server that LiveKit dispatches rooms to (explicit dispatch
 * under an agent name), one room per job process. The webhook service (`serve --launcher
 * dispatch`, or the Lambda) makes the dispatches; this process takes them. SIGTERM drains: no new
 * rooms, the running ones go on until they end or the drain deadline passes, then they leave.
 */
import { parseArgs } from 'node:util';
import { AgentEnv, DEFAULT_AGENT_NAME } from '../common/launch-contract.ts';

/** Rooms per worker process by default: measured in `bench/results/` (see docs/deploy.md). */
export const DEFAULT_MAX_ROOMS = 4;

const HELP = `Usage: interpreter worker [--agent-name ${DEFAULT_AGENT_NAME}] [--max-rooms ${DEFAULT_MAX_ROOMS}] [--health-port 8081]

Registers with LiveKit as an agent server named --agent-name and interprets each room dispatched
to it (one job process per room, joined as "interpreter"). Rooms come from explicit dispatch: run
\`interpreter serve --launcher dispatch\` (or the Lambda in dispatch mode) to make them.

  --agent-name NAME     the agent name dispatches address (default ${DEFAULT_AGENT_NAME}, env INTERPRETER_AGENT_NAME)
  --max-rooms N         rooms at once; the worker reports itself full there and declines more
                        (default ${DEFAULT_MAX_ROOMS}, env INTERPRETER_MAX_ROOMS)
  --health-port N       the framework's health and worker-info HTTP port (default 8081; 0 = any free one)
  --idle-processes N    job processes kept warm, profiles and the Speech SDK loaded (default 1)
  --drain-seconds N     on SIGTERM, how long running rooms may go on before they are asked to leave
                        (default 3600, the framework's)
  --ignore-cpu          load counts rooms only, not CPU: for a machine shared with other work
                        (development, tests); in a container CPU is the task's own quota
  --profiles PATH       folder of YAML profiles or a JSON bundle (env ${AgentEnv.profilesPath}, default configs)

Environment: ${AgentEnv.livekitUrl}, ${AgentEnv.livekitApiKey}, ${AgentEnv.livekitApiSecret};
${AgentEnv.azureSpeechKey} with ${AgentEnv.azureSpeechRegion} or ${AgentEnv.azureSpeechEndpoint}; as for \`interpreter agent\`.`;

function whole(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new RangeError(`${flag} must be a whole number, got '${value}'`);
  return parsed;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'agent-name': { type: 'string' },
      'max-rooms': { type: 'string' },
      'health-port': { type: 'string' },
      'idle-processes': { type: 'string' },
      'drain-seconds': { type: 'string' },
      profiles: { type: 'string' },
      'ignore-cpu': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const env = process.env;
  let maxRooms: number, healthPort: number, idleProcesses: number, drainSeconds: number;
  try {
    maxRooms = whole(values['max-rooms'] ?? env.INTERPRETER_MAX_ROOMS, '--max-rooms', DEFAULT_MAX_ROOMS);
    if (maxRooms < 1) throw new RangeError('--max-rooms must be at least 1');
    healthPort = whole(values['health-port'], '--health-port', 8081);
    idleProcesses = whole(values['idle-processes'], '--idle-processes', 1);
    drainSeconds = whole(values['drain-seconds'], '--drain-seconds', 3600);
  } catch (error) {
    console.error(`interpreter worker: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const agentName = values['agent-name'] ?? env.INTERPRETER_AGENT_NAME ?? DEFAULT_AGENT_NAME;
  const profilesPath = values.profiles ?? env[AgentEnv.profilesPath];

  const { createLogger } = await import('../orchestrator/log.ts');
  const { DEFAULT_PROFILES_PATH, loadProfilesOrThrow, ProfileError, SpeechResourceError } = await import('../profiles/index.ts');
  const { agentSettingsFromEnv } = await import('../agent/settings.ts');
  const path = profilesPath ?? DEFAULT_PROFILES_PATH;
  let settings;
  let profiles;
  try {
    settings = agentSettingsFromEnv(env);
    profiles = await loadProfilesOrThrow(path);
  } catch (error) {
    if (error instanceof ProfileError) {
      console.error(`interpreter worker: the profiles in ${path} have errors:\n${error.message}`);
      return 1;
    }
    if (error instanceof SpeechResourceError) {
      console.error(`interpreter worker: ${error.message}`);
      return 1;
    }
    throw error;
  }
  // Job processes read the same path (they inherit this environment).
  env[AgentEnv.profilesPath] = path;
  const logger = createLogger({ name: 'interpreter-worker' }).child({ agentName });

  const { initializeLogger } = await import('@livekit/agents');
  initializeLogger({ pretty: false, level: env.LOG_LEVEL ?? 'info' });
  const { createWorker } = await import('../agent/worker.ts');
  // The framework reads port 0 as its default, 8081: "any free port" is found here.
  if (healthPort === 0) healthPort = await (await import('../local/ports.ts')).freeTcpPort('0.0.0.0');
  const worker = createWorker({
    livekit: settings.livekit,
    profiles,
    logger,
    agentName,
    maxRooms,
    healthPort,
    idleProcesses,
    drainTimeoutMs: drainSeconds * 1000,
    cpuLoad: !values['ignore-cpu'],
  });

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    stopping ??= (async () => {
      const rooms = worker.activeJobs.length;
      logger.info({ signal, rooms, drainSeconds }, `draining: no new rooms; ${rooms} running may go on for up to ${drainSeconds} s`);
      try {
        await worker.drain(drainSeconds * 1000);
        logger.info('drained: every room ended');
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'drain deadline reached: asking the remaining rooms to leave');
      }
      await worker.close();
    })();
  };
  // A second signal while draining changes nothing (the default action would kill the worker
  // and orphan its rooms' job processes); the drain deadline bounds the wait.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  logger.info({ livekit: settings.livekit.url, maxRooms, healthPort, idleProcesses }, `worker registering with ${settings.livekit.url} as agent '${agentName}'`);
  try {
    await worker.run();
  } catch (error) {
    console.error(`interpreter worker: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  await stopping;
  return 0;
}
