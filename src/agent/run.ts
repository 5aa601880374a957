/**
 * The agent process for one room: make sure the room still exists, join it with a token for that
 * room only, interpret until the room ends, exit. Joining a finished room would create it again
 * and set off a new `room_started`: a launch loop; hence the existence check first.
 */
import type { Logger } from 'pino';
import { AccessToken, RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { AGENT_IDENTITY } from '../common/launch-contract.ts';
import { LiveInterpreterModel, type LiveInterpreterSession } from '../azure/index.ts';
import type { Profile } from '../profiles/index.ts';
import { RoomInterpreter } from './interpreter.ts';
import { exitCode, superviseRoom, type ExitReason } from './lifecycle.ts';
import type { RoomIO } from './room-io.ts';
import type { SessionSpec } from './speaker-pipeline.ts';

export interface AzureSettings {
  key?: string;
  region?: string;
  endpoint?: string;
}

export interface AgentConfig {
  room: string;
  profile: Profile;
  livekit: { url: string; apiKey: string; apiSecret: string };
  azure: AzureSettings;
  maxAzureSessions?: number;
  logger: Logger;
}

/** A reason the agent cannot start, worded for the operator. */
export class AgentStartError extends Error {
  override name = 'AgentStartError';
}

/** RoomService speaks HTTP on the signalling host. */
export function roomServiceUrl(livekitUrl: string): string {
  return livekitUrl.replace(/^ws(s?):\/\//, 'http$1://');
}

/** True when LiveKit lists the room; a clear `AgentStartError` when LiveKit is unreachable or refuses. */
export async function roomExists(config: Pick<AgentConfig, 'room' | 'livekit'>): Promise<boolean> {
  const { url, apiKey, apiSecret } = config.livekit;
  const client = new RoomServiceClient(roomServiceUrl(url), apiKey, apiSecret, { requestTimeout: 10 });
  try {
    const rooms = await client.listRooms([config.room]);
    return rooms.some((r) => r.name === config.room);
  } catch (error) {
    if (error instanceof ServerError && (error.status === 401 || error.status === 403)) {
      throw new AgentStartError(`LiveKit at ${url} rejected the API key '${apiKey}' (HTTP ${error.status}); check LIVEKIT_API_KEY and LIVEKIT_API_SECRET`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new AgentStartError(`cannot reach LiveKit at ${url}: ${cause}; check LIVEKIT_URL and that the server is running`);
  }
}

/** A token for this room only: identity `interpreter`, kind agent, publish + subscribe + data. */
export async function agentToken(config: Pick<AgentConfig, 'room' | 'livekit'>): Promise<string> {
  const token = new AccessToken(config.livekit.apiKey, config.livekit.apiSecret, { identity: AGENT_IDENTITY, name: 'Interpreter', ttl: '12h' });
  token.kind = 'agent';
  token.addGrant({ room: config.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, agent: true });
  return token.toJwt();
}

/** Opens plugin sessions with this agent's credentials and the profile's audio settings. */
export function sessionOpener(profile: Profile, azure: AzureSettings): (spec: SessionSpec) => LiveInterpreterSession {
  return (spec) =>
    new LiveInterpreterModel({
      ...(azure.key ? { key: azure.key } : {}),
      ...(azure.region ? { region: azure.region } : {}),
      ...(azure.endpoint ? { endpoint: azure.endpoint } : {}),
      targetLanguages: spec.targetLanguages,
      sourceLanguages: spec.sourceLanguages,
      spokenLanguage: spec.spokenLanguage,
      ...(spec.voice ? { voice: spec.voice } : {}),
      sampleRate: profile.audio.sampleRate,
      profanity: profile.profanity,
    }).session();
}

/** Interprets a joined room until it ends; returns the process exit code. */
export async function interpretRoom(room: RoomIO, config: AgentConfig, stopSignal: AbortSignal): Promise<{ code: number; reason: ExitReason }> {
  const interpreter = new RoomInterpreter({
    room,
    profile: config.profile,
    openSession: sessionOpener(config.profile, config.azure),
    logger: config.logger,
    ...(config.maxAzureSessions ? { maxAzureSessions: config.maxAzureSessions } : {}),
  });
  await interpreter.start();
  const reason = await superviseRoom({ room, interpreter, logger: config.logger, stopSignal });
  return { code: exitCode(reason), reason };
}

/** Checks Azure settings before anything joins, so a misconfigured task fails at once. */
export function checkAzureSettings(config: AgentConfig): void {
  const target = config.profile.languages.targets[0];
  if (!target) throw new AgentStartError(`profile ${config.profile.name} has no target languages`);
  try {
    new LiveInterpreterModel({
      ...config.azure,
      targetLanguages: [target.language],
      spokenLanguage: null,
    });
  } catch (error) {
    throw new AgentStartError(error instanceof Error ? error.message : String(error));
  }
}
