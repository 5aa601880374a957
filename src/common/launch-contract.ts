/**
 * The launch contract: how a launcher tells an agent which room and profile it serves, and the
 * names of the settings the webhook handler reads. Defined once; used by the launchers, the agent
 * entrypoint and the CDK stack, so a rename cannot drift between them.
 */

/**
 * The signal a local launcher sends an agent whose room has ended while it ran (a room of the same
 * name now has another sid): leave at once, with nothing to drain. SIGTERM still means "drain, then
 * leave". SIGUSR1 is Node's inspector signal; SIGUSR2 is free.
 */
export const ROOM_ENDED_SIGNAL = 'SIGUSR2';

/** Environment the agent process (or container) receives. */
export const AgentEnv = {
  room: 'INTERPRETER_ROOM',
  /** The room name as base64 of its UTF-8 bytes, instead of `room`, when an environment cannot hold it (a NUL). */
  roomBase64: 'INTERPRETER_ROOM_B64',
  roomSid: 'INTERPRETER_ROOM_SID',
  profile: 'INTERPRETER_PROFILE',
  /** Folder of YAML profiles, or a JSON file of validated profiles (what the image ships). */
  profilesPath: 'INTERPRETER_PROFILES',
  livekitUrl: 'LIVEKIT_URL',
  livekitApiKey: 'LIVEKIT_API_KEY',
  livekitApiSecret: 'LIVEKIT_API_SECRET',
  azureSpeechKey: 'AZURE_SPEECH_KEY',
  azureSpeechRegion: 'AZURE_SPEECH_REGION',
  azureSpeechEndpoint: 'AZURE_SPEECH_ENDPOINT',
  logLevel: 'LOG_LEVEL',
} as const;

/** Settings of the webhook handler and its ECS launcher. */
export const OrchestratorEnv = {
  launcher: 'INTERPRETER_LAUNCHER',
  cluster: 'INTERPRETER_CLUSTER',
  taskDefinition: 'INTERPRETER_TASK_DEFINITION',
  containerName: 'INTERPRETER_CONTAINER',
  subnets: 'INTERPRETER_SUBNETS',
  securityGroups: 'INTERPRETER_SECURITY_GROUPS',
  assignPublicIp: 'INTERPRETER_ASSIGN_PUBLIC_IP',
  /** Most agents running at once, counted before each launch (default 20). */
  maxAgents: 'INTERPRETER_MAX_AGENTS',
  /** DynamoDB table of handled event ids and launched room sids (the CDK stack sets it). */
  ledgerTable: 'INTERPRETER_LEDGER_TABLE',
  /** Webhooks whose `createdAt` is older than this many seconds are answered as stale (default 120). */
  webhookMaxAgeSeconds: 'INTERPRETER_WEBHOOK_MAX_AGE_SECONDS',
  /** Secrets Manager ARNs: the handler fetches the values once per container. */
  livekitSecretArn: 'LIVEKIT_SECRET_ARN',
  azureSecretArn: 'AZURE_SPEECH_SECRET_ARN',
} as const;

export type AgentEnvName = (typeof AgentEnv)[keyof typeof AgentEnv];
export type OrchestratorEnvName = (typeof OrchestratorEnv)[keyof typeof OrchestratorEnv];

/** What a launcher needs to start one agent. */
export interface LaunchRequest {
  room: string;
  roomSid: string;
  profile: string;
  /**
   * Idempotency key of this launch: the room sid and the ledger's generation of it
   * (`RM_x-g1`). Two calls with one key are one launch (ECS: RunTask's clientToken).
   */
  launchId?: string;
}

/**
 * The env a launcher passes to the agent for one launch. Room data travels only here, never as
 * argv: a room name is any string LiveKit allows (one starting with `-`, spaces, newlines), and
 * argv parsing would read some of them as flags. A process environment cannot hold a NUL, so a
 * name with one travels as base64 in `INTERPRETER_ROOM_B64` (the other name is then absent).
 */
export function agentLaunchEnv(request: LaunchRequest): Record<string, string> {
  const env: Record<string, string> = {};
  if (request.room.includes('\0')) env[AgentEnv.roomBase64] = Buffer.from(request.room, 'utf8').toString('base64');
  else env[AgentEnv.room] = request.room;
  env[AgentEnv.roomSid] = request.roomSid;
  env[AgentEnv.profile] = request.profile;
  return env;
}

/** The room name a launcher passed (`agentLaunchEnv`), or undefined when none was. */
export function roomFromEnv(env: Record<string, string | undefined>): string | undefined {
  const encoded = env[AgentEnv.roomBase64];
  if (encoded) return Buffer.from(encoded, 'base64').toString('utf8');
  return env[AgentEnv.room] || undefined;
}

/**
 * Why a launch request cannot reach an agent intact, or undefined. UTF-8 (what environments,
 * task overrides and LiveKit's protocol carry) cannot encode a lone UTF-16 surrogate; LiveKit's
 * protobuf strings are valid UTF-8, so such a name is not a room of a real server.
 */
export function launchRequestProblem(request: LaunchRequest): string | undefined {
  for (const [field, value] of [['room name', request.room], ['room sid', request.roomSid], ['profile', request.profile]] as const) {
    if (value.length === 0) return `${field} is empty`;
    if (/[\uD800-\uDFFF]/u.test(value)) return `${field} is not valid Unicode (a lone surrogate)`;
  }
  if (request.roomSid.includes('\0') || request.profile.includes('\0')) return 'room sid or profile contains a NUL';
  return undefined;
}

/**
 * A warm agent (`interpreter agent --await-room`, what the local launcher keeps started ahead) loads
 * everything, says `ready` on its IPC channel and waits for one `launch`: the request travels as a
 * message, never as argv or env the process already has.
 */
export const WARM_AGENT_FLAG = '--await-room';

export type WarmAgentMessage = { type: 'ready' };
export type LaunchMessage = { type: 'launch'; request: LaunchRequest };

/** The launch request in a message from the launcher, or undefined when the message is not one. */
export function parseLaunchMessage(message: unknown): LaunchRequest | undefined {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'launch') return undefined;
  const request = (message as { request?: unknown }).request;
  if (typeof request !== 'object' || request === null) return undefined;
  const { room, roomSid, profile } = request as Record<string, unknown>;
  if (typeof room !== 'string' || typeof roomSid !== 'string' || typeof profile !== 'string') return undefined;
  const parsed: LaunchRequest = { room, roomSid, profile };
  return launchRequestProblem(parsed) ? undefined : parsed;
}

/** Identity the agent joins rooms with; the orchestrator uses it to tell agents from people. */
export { INTERPRETER_IDENTITY as AGENT_IDENTITY } from './listener-protocol.ts';

/** The agent name interpreter workers register under (`interpreter worker --agent-name`). */
export const DEFAULT_AGENT_NAME = 'interpreter';

/** What a dispatch carries to a worker, as JSON in the dispatch's metadata. */
export interface DispatchMetadata {
  profile: string;
  /** The room instance the dispatch was made for: a job in a room with another sid is declined. */
  roomSid: string;
  /** The launch (ledger generation) that made it, so a redelivered webhook does not dispatch twice. */
  launchId?: string;
}

/** The dispatch metadata, or undefined when it is not ours (absent, not JSON, fields missing). */
export function parseDispatchMetadata(metadata: string | undefined): DispatchMetadata | undefined {
  if (!metadata) return undefined;
  try {
    const parsed = JSON.parse(metadata) as Partial<DispatchMetadata>;
    if (typeof parsed.profile !== 'string' || typeof parsed.roomSid !== 'string') return undefined;
    return { profile: parsed.profile, roomSid: parsed.roomSid, ...(typeof parsed.launchId === 'string' ? { launchId: parsed.launchId } : {}) };
  } catch {
    return undefined;
  }
}
