/**
 * `interpreter agent --room NAME --profile NAME`: the container's entrypoint and what the local
 * launcher spawns. Flags or the launch contract's env say which room and profile. Heavy modules
 * (rtc-node, the Speech SDK) load only after `--help` and the settings are checked.
 */
import { parseArgs } from 'node:util';
import { AgentEnv, ROOM_ENDED_SIGNAL, WARM_AGENT_FLAG, parseLaunchMessage, roomFromEnv, type LaunchRequest, type WarmAgentMessage } from '../common/launch-contract.ts';
import { ROOM_ENDED } from '../agent/lifecycle.ts';

const HELP = `Usage: interpreter agent --room NAME --profile NAME [--profiles PATH]
       interpreter agent --await-room
       interpreter agent --check-imports

Joins one LiveKit room as identity "interpreter" and interprets every speaker into the profile's
languages: one audio track "interpretation-<lang>" per spoken language and lk.transcription captions.
Exits when the room empties or ends, on SIGTERM (after draining), or at the profile's time limit.

  --room NAME       room to interpret (env ${AgentEnv.room}, or ${AgentEnv.roomBase64}: base64 of its UTF-8;
                    launchers use the environment only: any room name arrives intact)
  --profile NAME    profile to apply (env ${AgentEnv.profile})
  --profiles PATH   folder of YAML profiles or a JSON bundle (env ${AgentEnv.profilesPath}, default configs)
  --await-room      a warm agent (the local launcher starts these ahead): load everything, check the
                    settings and profiles, then take one room from the launcher over its IPC channel
  --check-imports   load every runtime dependency (the agents framework and sharp, rtc-node's native
                    library, the Speech SDK, pino, the worker's job file) and exit: 0 when all load

Environment: ${AgentEnv.livekitUrl}, ${AgentEnv.livekitApiKey}, ${AgentEnv.livekitApiSecret};
${AgentEnv.azureSpeechKey} with ${AgentEnv.azureSpeechRegion} or ${AgentEnv.azureSpeechEndpoint};
AZURE_SPEECH_RESOURCE_KIND (speech: two target languages per session, or foundry), AZURE_SPEECH_TIER
(S0 or F0), AZURE_SPEECH_MAX_SESSIONS (Azure concurrency quota, default: the tier's, 100 or 1); LOG_LEVEL;
LOG_FORMAT (json or pretty; default: pretty on a terminal, JSON otherwise); INTERPRETER_HEARTBEAT_FILE
(beat into it every 5 s for \`interpreter health\`; the image sets it).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      room: { type: 'string' },
      profile: { type: 'string' },
      profiles: { type: 'string' },
      'await-room': { type: 'boolean' },
      'check-imports': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values['check-imports']) return checkImports();
  const env = process.env;
  const warm = values['await-room'] === true;
  let target: RoomTarget | undefined;
  if (warm) {
    if (values.room !== undefined || values.profile !== undefined) {
      console.error(`interpreter agent: ${WARM_AGENT_FLAG} takes its room from the launcher; leave out --room and --profile`);
      if (process.connected) process.disconnect();
      return 2;
    }
    if (!process.send) {
      console.error(`interpreter agent: ${WARM_AGENT_FLAG} needs the IPC channel of a launcher (interpreter serve starts it)`);
      return 2;
    }
  } else {
    const room = values.room ?? roomFromEnv(env);
    // Launchers pass the sid: the agent then joins only that room, not a later one of the same name.
    const roomSid = values.room === undefined ? env[AgentEnv.roomSid] || undefined : undefined;
    const profileName = values.profile ?? env[AgentEnv.profile];
    if (!room || !profileName) {
      console.error(`interpreter agent: ${!room ? `--room (or ${AgentEnv.room})` : `--profile (or ${AgentEnv.profile})`} is required\n\n${HELP}`);
      return 2;
    }
    target = { room, profileName, ...(roomSid ? { roomSid } : {}) };
  }

  try {
    return await prepareAndServe(target, values.profiles, env);
  } finally {
    // A warm agent that failed before its room must not be held open by the launcher's channel.
    if (warm && process.connected) process.disconnect();
  }
}

/** Checks the settings and profiles, takes the room from the launcher when there is none yet, and serves it. */
async function prepareAndServe(given: RoomTarget | undefined, profilesFlag: string | undefined, env: NodeJS.ProcessEnv): Promise<number> {
  let target = given;
  const { agentSettingsFromEnv } = await import('../agent/settings.ts');
  const { DEFAULT_PROFILES_PATH, SpeechResourceError } = await import('../profiles/index.ts');
  let settings;
  try {
    settings = agentSettingsFromEnv(env);
  } catch (error) {
    if (!(error instanceof SpeechResourceError)) throw error;
    console.error(`interpreter agent: ${error.message}`);
    return 1;
  }
  const profilesPath = profilesFlag ?? env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
  if (!target) {
    // Everything a room needs is loaded and checked before the launcher may hand this process one:
    // broken profiles or a missing package end it now, and the launcher starts that room cold.
    const profiles = await loadProfiles(profilesPath);
    if (profiles === undefined) return 1;
    await loadRoomModules(env);
    const { checkAzureSettings } = await import('../agent/run.ts');
    const { AgentStartError } = await import('../agent/room-check.ts');
    const { createLogger } = await import('../orchestrator/log.ts');
    const [first] = profiles;
    try {
      // Any profile will do: what is checked here (key, region or endpoint, tier) is the same for every room.
      if (first) checkAzureSettings({ room: '', profile: first, ...settings, logger: createLogger({ name: 'interpreter-agent' }) });
    } catch (error) {
      if (!(error instanceof AgentStartError)) throw error;
      console.error(`interpreter agent: ${error.message}`);
      return 1;
    }
    const request = await awaitLaunch();
    if (!request) return 0;
    target = { room: request.room, roomSid: request.roomSid, profileName: request.profile };
  }
  return serveRoom(target, { ...settings, profilesPath }, env);
}

interface RoomTarget {
  room: string;
  roomSid?: string;
  profileName: string;
}

type PreparedSettings = ReturnType<typeof import('../agent/settings.ts').agentSettingsFromEnv> & { profilesPath: string };

async function serveRoom(target: RoomTarget, prepared: PreparedSettings, env: NodeJS.ProcessEnv): Promise<number> {
  const { room, roomSid, profileName } = target;
  const { profilesPath, ...settings } = prepared;
  const { createLogger } = await import('../orchestrator/log.ts');
  const { findProfile } = await import('../profiles/index.ts');
  const logger = createLogger({ name: 'interpreter-agent' }).child({ room, ...(roomSid ? { sid: roomSid } : {}) });
  // Read now, also by a warm agent: a profile edited since it started applies to this room.
  const profiles = await loadProfiles(profilesPath);
  if (!profiles) return 1;
  const profile = findProfile(profiles, profileName);
  if (!profile) {
    console.error(`interpreter agent: no profile named '${profileName}' in ${profilesPath} (have: ${profiles.map((p) => p.name).join(', ')})`);
    return 1;
  }

  const { AgentStartError, agentToken, roomExists } = await import('../agent/room-check.ts');
  const config = { room, ...(roomSid ? { roomSid } : {}), profile, ...settings, logger };
  // From here the agent's event loop beats for `interpreter health` (when the image asks for it).
  const { startHeartbeatFromEnv } = await import('../agent/heartbeat.ts');
  let heartbeat;
  try {
    heartbeat = startHeartbeatFromEnv(env);
  } catch (error) {
    console.error(`interpreter agent: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    if (!(await roomExists(config))) {
      logger.info(`room ${room}${roomSid ? ` (sid ${roomSid})` : ''} no longer exists; nothing to interpret`);
      return 0;
    }
    // The plugin (Speech SDK, agents framework) loads only for a room that is really there.
    await loadRoomModules(env);
    const { checkAzureSettings, interpretRoom } = await import('../agent/run.ts');
    checkAzureSettings(config);
    const token = await agentToken(config);
    const { RtcRoomIO } = await import('../agent/rtc-room.ts');
    let connected;
    try {
      connected = await RtcRoomIO.connect(config.livekit.url, token, room);
    } catch (error) {
      throw new AgentStartError(`could not join room ${room} at ${config.livekit.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const stop = new AbortController();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
    // The launcher's word that this sid's room has ended (a room of the same name has a new sid).
    process.once(ROOM_ENDED_SIGNAL, () => stop.abort(ROOM_ENDED));
    // The sid to hold the room to: the one launched for, or (a manual start) the one joined.
    const sid = config.roomSid ?? (await connected.sid());
    const stillOurRoom = () => roomExists({ ...config, roomSid: sid });
    const { code } = await interpretRoom(connected, config, stop.signal, stillOurRoom);
    return code;
  } catch (error) {
    if (error instanceof AgentStartError) {
      console.error(`interpreter agent: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    heartbeat?.stop();
  }
}

/** The profiles at `path`, or undefined after saying what is wrong with them. */
async function loadProfiles(path: string): Promise<readonly import('../profiles/index.ts').Profile[] | undefined> {
  const { loadProfilesOrThrow, ProfileError } = await import('../profiles/index.ts');
  try {
    return await loadProfilesOrThrow(path);
  } catch (error) {
    if (error instanceof ProfileError) {
      console.error(`interpreter agent: the profiles in ${path} have errors:\n${error.message}`);
      return undefined;
    }
    throw error;
  }
}

let roomModules: Promise<void> | undefined;

/** The heavy modules a room needs (the plugin, rtc-node), and the framework's logger, once per process. */
function loadRoomModules(env: NodeJS.ProcessEnv): Promise<void> {
  roomModules ??= (async () => {
    const [{ initializeLogger }, { logFormat }] = await Promise.all([import('@livekit/agents'), import('../orchestrator/log.ts'), import('../agent/run.ts'), import('../agent/rtc-room.ts')]);
    // The framework's realtime sessions log through its logger, which must exist first.
    // On a terminal its own pretty form (pino-pretty in this process); JSON everywhere else.
    initializeLogger({ pretty: logFormat(env) === 'pretty', level: env.LOG_LEVEL ?? 'info' });
  })();
  return roomModules;
}

/**
 * Says `ready` to the launcher and waits for the one room it hands over; undefined when the
 * launcher goes away first (its IPC channel closes: a warm agent never outlives its launcher).
 */
function awaitLaunch(): Promise<LaunchRequest | undefined> {
  return new Promise((resolve) => {
    const finish = (request: LaunchRequest | undefined) => {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      // The channel would keep this process alive after its room; nothing more comes over it.
      if (process.connected) process.disconnect();
      resolve(request);
    };
    const onMessage = (message: unknown) => {
      const request = parseLaunchMessage(message);
      if (request) finish(request);
      else console.error('interpreter agent: ignored a message from the launcher that is not a launch request');
    };
    const onDisconnect = () => finish(undefined);
    process.on('message', onMessage);
    process.on('disconnect', onDisconnect);
    const ready: WarmAgentMessage = { type: 'ready' };
    process.send?.(ready);
  });
}

/**
 * Loads what a real start loads, without a room: an image missing a package (or a bundle that
 * lost one) fails here, loudly, instead of at a meeting. Each line names what was proved.
 */
async function checkImports(): Promise<number> {
  const checks: [string, () => Promise<string>][] = [
    ['pino', async () => {
      const { createLogger } = await import('../orchestrator/log.ts');
      createLogger({ format: 'json', destination: { write: () => undefined } }).info('probe');
      return 'logger created';
    }],
    ['@livekit/agents', async () => {
      // Its import loads sharp's native library too.
      const agents = await import('@livekit/agents');
      if (typeof agents.initializeLogger !== 'function' || typeof agents.AgentServer !== 'function') throw new Error('exports missing');
      return 'framework loaded (with sharp)';
    }],
    ['@livekit/rtc-node', async () => {
      const { AudioResampler } = await import('@livekit/rtc-node');
      // A resampler lives in the native FFI library: creating one proves the library loads and answers.
      const resampler = new AudioResampler(48_000, 24_000, 1);
      resampler.flush();
      return 'native FFI library answered';
    }],
    ['microsoft-cognitiveservices-speech-sdk', async () => {
      // CommonJS: a bundle's dynamic import gives its exports as `default` only (Node names them too).
      type SpeechSdk = typeof import('microsoft-cognitiveservices-speech-sdk');
      const loaded = (await import('microsoft-cognitiveservices-speech-sdk')) as SpeechSdk & { default?: SpeechSdk };
      const sdk = loaded.SpeechTranslationConfig ? loaded : loaded.default;
      if (!sdk) throw new Error('the module has no exports');
      const config = sdk.SpeechTranslationConfig.fromSubscription('check-imports', 'westeurope');
      config.addTargetLanguage('fr');
      config.close();
      return 'translation config created';
    }],
    ['the interpreter', async () => {
      await Promise.all([import('../agent/run.ts'), import('../agent/rtc-room.ts'), import('../agent/room-check.ts'), import('../agent/heartbeat.ts')]);
      return 'agent modules loaded';
    }],
    ['the worker job file', async () => {
      const { existsSync } = await import('node:fs');
      const { pathToFileURL } = await import('node:url');
      const { jobFile } = await import('../agent/worker.ts');
      const file = jobFile();
      if (!existsSync(file)) throw new Error(`${file} does not exist: @livekit/agents job processes could not import it`);
      const job = (await import(pathToFileURL(file).href)) as { default?: { entry?: unknown } };
      if (typeof job.default?.entry !== 'function') throw new Error(`${file} exports no agent`);
      return file;
    }],
  ];
  let failed = 0;
  for (const [name, check] of checks) {
    try {
      console.log(`ok    ${name}: ${await check()}`);
    } catch (error) {
      failed += 1;
      console.error(`FAIL  ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed > 0) console.error(`interpreter agent --check-imports: ${failed} of ${checks.length} failed; the image or install is missing what they name`);
  return failed > 0 ? 1 : 0;
}
