/**
 * The launch contract: how a launcher tells an agent which room and profile it serves, and the
 * names of the settings the webhook handler reads. Defined once; used by the launchers, the agent
 * entrypoint and the CDK stack, so a rename cannot drift between them.
 */

/** Environment the agent process (or container) receives. */
export const AgentEnv = {
  room: 'INTERPRETER_ROOM',
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
  /** LiveKit's webhook event id: the idempotency key for this launch. */
  eventId?: string;
}

/** The env a launcher passes to the agent for one launch. */
export function agentLaunchEnv(request: LaunchRequest): Record<string, string> {
  return {
    [AgentEnv.room]: request.room,
    [AgentEnv.roomSid]: request.roomSid,
    [AgentEnv.profile]: request.profile,
  };
}

/** Identity the agent joins rooms with; the orchestrator uses it to tell agents from people. */
export const AGENT_IDENTITY = 'interpreter';
