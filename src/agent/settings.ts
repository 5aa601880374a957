/**
 * What an agent reads from its environment besides its room: LiveKit's address and key, the
 * Azure Speech settings, the session budget. One reader for `interpreter agent` (a process per
 * room) and the worker's jobs, so both run with the same settings. Light: loads no plugin.
 */
import { AgentEnv } from '../common/launch-contract.ts';
import { speechResourceFromEnv, type SpeechResource } from '../profiles/index.ts';
import { agentBudgetFromEnv } from './budget.ts';

/** Named as the plugin's options are, so they can be handed to it as they are. */
export interface AzureSettings {
  speechKey?: string;
  speechRegion?: string;
  speechEndpoint?: string;
  /** What the resource is (kind, tier, region): from AZURE_SPEECH_RESOURCE_KIND / _TIER / _REGION. */
  resource?: SpeechResource;
}

export interface AgentSettings {
  livekit: { url: string; apiKey: string; apiSecret: string };
  azure: AzureSettings;
  maxAzureSessions?: number;
  /** This agent's share of the deployment's Azure session budget (`budget.ts`). */
  sessionBudget?: number;
}

/** @throws SpeechResourceError when the resource settings contradict each other; BudgetSettingError on a bad budget. */
export function agentSettingsFromEnv(env: NodeJS.ProcessEnv): AgentSettings {
  const sessionBudget = agentBudgetFromEnv(env);
  const endpoint = env[AgentEnv.azureSpeechEndpoint];
  const resource = speechResourceFromEnv(env, endpoint && URL.canParse(endpoint) ? new URL(endpoint) : undefined);
  return {
    livekit: {
      url: env[AgentEnv.livekitUrl] ?? 'ws://localhost:7880',
      apiKey: env[AgentEnv.livekitApiKey] ?? 'devkey',
      apiSecret: env[AgentEnv.livekitApiSecret] ?? 'secret',
    },
    azure: {
      ...(env[AgentEnv.azureSpeechKey] ? { speechKey: env[AgentEnv.azureSpeechKey] } : {}),
      ...(env[AgentEnv.azureSpeechRegion] ? { speechRegion: env[AgentEnv.azureSpeechRegion] } : {}),
      ...(endpoint ? { speechEndpoint: endpoint } : {}),
      resource,
    },
    ...(env.AZURE_SPEECH_MAX_SESSIONS ? { maxAzureSessions: Number(env.AZURE_SPEECH_MAX_SESSIONS) } : {}),
    ...(sessionBudget !== undefined ? { sessionBudget } : {}),
  };
}
