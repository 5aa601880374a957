/**
 * What an agent reads from its environment: LiveKit's address and key (with the local
 * development defaults), the Azure Speech settings it hands to the plugin as they are, the
 * resource they describe, the session cap and this agent's share of the budget.
 */
import { describe, expect, it } from 'vitest';
import { agentSettingsFromEnv } from '../../src/agent/settings.ts';
import { BudgetSettingError } from '../../src/agent/budget.ts';
import { SpeechResourceError } from '../../src/common/azure-resource.ts';

describe('agentSettingsFromEnv', () => {
  it('with nothing set: the local LiveKit server with its development key, no Azure settings, the default resource', () => {
    expect(agentSettingsFromEnv({})).toStrictEqual({
      livekit: { url: 'ws://localhost:7880', apiKey: 'devkey', apiSecret: 'secret' },
      azure: { resource: { kind: 'speech', tier: 'S0' } },
    });
  });

  it('takes every setting it is given', () => {
    const settings = agentSettingsFromEnv({
      LIVEKIT_URL: 'wss://lk.example.com',
      LIVEKIT_API_KEY: 'key-1',
      LIVEKIT_API_SECRET: 'secret-1',
      AZURE_SPEECH_KEY: 'azure-key',
      AZURE_SPEECH_REGION: 'WestEurope',
      AZURE_SPEECH_ENDPOINT: 'wss://eastus.stt.speech.microsoft.com/speech/universal/v2',
      AZURE_SPEECH_TIER: 'F0',
      AZURE_SPEECH_MAX_SESSIONS: '40',
      AZURE_SPEECH_SESSION_BUDGET: '90',
      AZURE_SPEECH_BUDGET_AGENTS: '4',
    });
    expect(settings).toStrictEqual({
      livekit: { url: 'wss://lk.example.com', apiKey: 'key-1', apiSecret: 'secret-1' },
      azure: {
        speechKey: 'azure-key',
        speechRegion: 'WestEurope',
        speechEndpoint: 'wss://eastus.stt.speech.microsoft.com/speech/universal/v2',
        // The region set wins over the endpoint's.
        resource: { kind: 'speech', tier: 'F0', region: 'westeurope' },
      },
      maxAzureSessions: 40,
      sessionBudget: 22,
    });
  });

  it("takes the resource's region from the endpoint when no region is set", () => {
    const settings = agentSettingsFromEnv({ AZURE_SPEECH_ENDPOINT: 'wss://eastus.stt.speech.microsoft.com/speech/universal/v2' });
    expect(settings.azure).toStrictEqual({ speechEndpoint: 'wss://eastus.stt.speech.microsoft.com/speech/universal/v2', resource: { kind: 'speech', tier: 'S0', region: 'eastus' } });
  });

  it('keeps an endpoint that is not a URL as it is, with no region from it', () => {
    const settings = agentSettingsFromEnv({ AZURE_SPEECH_ENDPOINT: 'not a url' });
    expect(settings.azure).toStrictEqual({ speechEndpoint: 'not a url', resource: { kind: 'speech', tier: 'S0' } });
  });

  it('leaves out empty Azure settings and an empty session cap', () => {
    const settings = agentSettingsFromEnv({ AZURE_SPEECH_KEY: '', AZURE_SPEECH_REGION: '', AZURE_SPEECH_ENDPOINT: '', AZURE_SPEECH_MAX_SESSIONS: '' });
    expect(settings).toStrictEqual({
      livekit: { url: 'ws://localhost:7880', apiKey: 'devkey', apiSecret: 'secret' },
      azure: { resource: { kind: 'speech', tier: 'S0' } },
    });
  });

  it('keeps a share of 0 (a total smaller than the agents): no session for this agent is not no budget', () => {
    const settings = agentSettingsFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '3', INTERPRETER_MAX_AGENTS: '4' });
    expect(settings.sessionBudget).toBe(0);
    expect('sessionBudget' in settings).toBe(true);
  });

  it('refuses a bad budget and contradicting resource settings with their errors', () => {
    expect(() => agentSettingsFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '10' })).toThrow(BudgetSettingError);
    expect(() => agentSettingsFromEnv({ AZURE_SPEECH_TIER: 'gold' })).toThrow(SpeechResourceError);
  });
});
