/**
 * `interpreter agent --room NAME --profile NAME`: the container's entrypoint and what the local
 * launcher spawns. Flags or the launch contract's env say which room and profile. Heavy modules
 * (rtc-node, the Speech SDK) load only after `--help` and the settings are checked.
 */
import { parseArgs } from 'node:util';
import { AgentEnv, roomFromEnv } from '../common/launch-contract.ts';

const HELP = `Usage: interpreter agent --room NAME --profile NAME [--profiles PATH]

Joins one LiveKit room as identity "interpreter" and interprets every speaker into the profile's
languages: one audio track "interpretation-<lang>" per spoken language and lk.transcription captions.
Exits when the room empties or ends, on SIGTERM (after draining), or at the profile's time limit.

  --room NAME       room to interpret (env ${AgentEnv.room}, or ${AgentEnv.roomBase64}: base64 of its UTF-8;
                    launchers use the environment only: any room name arrives intact)
  --profile NAME    profile to apply (env ${AgentEnv.profile})
  --profiles PATH   folder of YAML profiles or a JSON bundle (env ${AgentEnv.profilesPath}, default configs)

Environment: ${AgentEnv.livekitUrl}, ${AgentEnv.livekitApiKey}, ${AgentEnv.livekitApiSecret};
${AgentEnv.azureSpeechKey} with ${AgentEnv.azureSpeechRegion} or ${AgentEnv.azureSpeechEndpoint};
AZURE_SPEECH_RESOURCE_KIND (speech: two target languages per session, or foundry), AZURE_SPEECH_TIER
(S0 or F0), AZURE_SPEECH_MAX_SESSIONS (Azure concurrency quota, default: the tier's, 100 or 1); LOG_LEVEL;
LOG_FORMAT (json or pretty; default: pretty on a terminal, JSON otherwise).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { room: { type: 'string' }, profile: { type: 'string' }, profiles: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const env = process.env;
  const room = values.room ?? roomFromEnv(env);
  // Launchers pass the sid: the agent then joins only that room, not a later one of the same name.
  const roomSid = values.room === undefined ? env[AgentEnv.roomSid] || undefined : undefined;
  const profileName = values.profile ?? env[AgentEnv.profile];
  if (!room || !profileName) {
    console.error(`interpreter agent: ${!room ? `--room (or ${AgentEnv.room})` : `--profile (or ${AgentEnv.profile})`} is required\n\n${HELP}`);
    return 2;
  }

  const { createLogger, logFormat } = await import('../orchestrator/log.ts');
  const { DEFAULT_PROFILES_PATH, findProfile, loadProfilesOrThrow, ProfileError, SpeechResourceError } = await import('../profiles/index.ts');
  const { agentSettingsFromEnv } = await import('../agent/settings.ts');
  let settings;
  try {
    settings = agentSettingsFromEnv(env);
  } catch (error) {
    if (!(error instanceof SpeechResourceError)) throw error;
    console.error(`interpreter agent: ${error.message}`);
    return 1;
  }
  const logger = createLogger({ name: 'interpreter-agent' }).child({ room, ...(roomSid ? { sid: roomSid } : {}) });
  const profilesPath = values.profiles ?? env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
  let profiles;
  try {
    profiles = await loadProfilesOrThrow(profilesPath);
  } catch (error) {
    if (error instanceof ProfileError) {
      console.error(`interpreter agent: the profiles in ${profilesPath} have errors:\n${error.message}`);
      return 1;
    }
    throw error;
  }
  const profile = findProfile(profiles, profileName);
  if (!profile) {
    console.error(`interpreter agent: no profile named '${profileName}' in ${profilesPath} (have: ${profiles.map((p) => p.name).join(', ')})`);
    return 1;
  }

  const { AgentStartError, agentToken, roomExists } = await import('../agent/room-check.ts');
  const config = { room, ...(roomSid ? { roomSid } : {}), profile, ...settings, logger };
  try {
    if (!(await roomExists(config))) {
      logger.info(`room ${room}${roomSid ? ` (sid ${roomSid})` : ''} no longer exists; nothing to interpret`);
      return 0;
    }
    // The plugin (Speech SDK, agents framework) loads only for a room that is really there.
    const { checkAzureSettings, interpretRoom } = await import('../agent/run.ts');
    const { initializeLogger } = await import('@livekit/agents');
    // The framework's realtime sessions log through its logger, which must exist first.
    // On a terminal its own pretty form (pino-pretty in this process); JSON everywhere else.
    initializeLogger({ pretty: logFormat(env) === 'pretty', level: env.LOG_LEVEL ?? 'info' });
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
  }
}
