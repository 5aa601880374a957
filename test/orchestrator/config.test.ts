/**
 * The orchestrator's settings from the environment, as `serve` and the Lambda read them: numbers
 * with their defaults and limits, the launcher names, the ECS settings the stack sets, LiveKit's
 * credentials (Secrets Manager, mocked at its SDK client, fetched once per container), and
 * the dev key pair kept on loopback.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DEV_LIVEKIT, assertBindAllowed, ecsSettings, httpUrl, launcherKind, liveKitCredentials, resetSecretCache, webhookSettings } from '../../src/orchestrator/config.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:livekit';

describe('webhookSettings', () => {
  it('has defaults, reads an empty variable as unset, and names the ledger table only when set', () => {
    expect(webhookSettings({})).toEqual({ maxAgents: 20, maxEventAgeSeconds: 120 });
    expect(webhookSettings({ INTERPRETER_MAX_AGENTS: '', INTERPRETER_LEDGER_TABLE: '' })).toEqual({ maxAgents: 20, maxEventAgeSeconds: 120 });
    expect(webhookSettings({ INTERPRETER_MAX_AGENTS: '1', INTERPRETER_WEBHOOK_MAX_AGE_SECONDS: '300', INTERPRETER_LEDGER_TABLE: 'ledger' })).toEqual({ maxAgents: 1, maxEventAgeSeconds: 300, ledgerTable: 'ledger' });
  });

  it('refuses what is not a whole number of at least 1, naming the variable', () => {
    for (const text of ['0', '-3', '2.5', 'ten']) {
      expect(() => webhookSettings({ INTERPRETER_MAX_AGENTS: text })).toThrow(new ConfigError(`INTERPRETER_MAX_AGENTS=${text} is not a whole number of at least 1`));
    }
    expect(() => webhookSettings({ INTERPRETER_WEBHOOK_MAX_AGE_SECONDS: '0' })).toThrow(ConfigError);
  });
});

describe('launcherKind', () => {
  it('reads the four launchers, the old name ecs as task, and falls back when unset', () => {
    for (const kind of ['dispatch', 'task', 'local', 'dry-run'] as const) expect(launcherKind({ INTERPRETER_LAUNCHER: kind }, 'dispatch')).toBe(kind);
    expect(launcherKind({ INTERPRETER_LAUNCHER: 'ecs' }, 'dispatch')).toBe('task');
    expect(launcherKind({}, 'local')).toBe('local');
  });

  it('refuses any other name, listing the ones it knows', () => {
    expect(() => launcherKind({ INTERPRETER_LAUNCHER: 'fargate' }, 'dispatch')).toThrow(new ConfigError('INTERPRETER_LAUNCHER=fargate is not a launcher; use dispatch, task, local or dry-run'));
  });
});

describe('ecsSettings', () => {
  const env = { INTERPRETER_CLUSTER: 'interp', INTERPRETER_TASK_DEFINITION: 'interp-agent:3', INTERPRETER_CONTAINER: 'agent', INTERPRETER_SUBNETS: 'subnet-a, subnet-b,,' };

  it('reads the lists (trimmed, empty items dropped) and a public IP only when ENABLED', () => {
    expect(ecsSettings(env)).toEqual({ cluster: 'interp', taskDefinition: 'interp-agent:3', containerName: 'agent', subnets: ['subnet-a', 'subnet-b'], securityGroups: [], assignPublicIp: false });
    expect(ecsSettings({ ...env, INTERPRETER_SECURITY_GROUPS: 'sg-1', INTERPRETER_ASSIGN_PUBLIC_IP: 'enabled' })).toMatchObject({ securityGroups: ['sg-1'], assignPublicIp: true });
    expect(ecsSettings({ ...env, INTERPRETER_ASSIGN_PUBLIC_IP: 'DISABLED' })).toMatchObject({ assignPublicIp: false });
  });

  it('names every missing setting', () => {
    expect(() => ecsSettings({ INTERPRETER_CLUSTER: 'interp', INTERPRETER_SUBNETS: '' })).toThrow(
      new ConfigError('the ECS launcher needs INTERPRETER_TASK_DEFINITION, INTERPRETER_CONTAINER, INTERPRETER_SUBNETS (the CDK stack sets them)'),
    );
  });
});

describe('liveKitCredentials', () => {
  const secrets = mockClient(SecretsManagerClient);
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
  beforeEach(() => {
    secrets.reset();
    resetSecretCache();
  });
  afterEach(() => resetSecretCache());

  it('uses the dev server and its key pair when nothing is set, with the URL when one is', async () => {
    expect(await liveKitCredentials({})).toEqual(DEV_LIVEKIT);
    expect(await liveKitCredentials({ LIVEKIT_URL: 'wss://lk.example.com' })).toEqual({ ...DEV_LIVEKIT, url: 'wss://lk.example.com' });
  });

  it('takes a key pair from the environment, both or neither', async () => {
    expect(await liveKitCredentials({ LIVEKIT_URL: 'wss://lk.example.com', LIVEKIT_API_KEY: 'APIk', LIVEKIT_API_SECRET: 's3cret' })).toEqual({ url: 'wss://lk.example.com', apiKey: 'APIk', apiSecret: 's3cret' });
    for (const half of [{ LIVEKIT_API_KEY: 'APIk' }, { LIVEKIT_API_SECRET: 's3cret' }]) {
      await expect(liveKitCredentials(half)).rejects.toThrow(new ConfigError("set both LIVEKIT_API_KEY and LIVEKIT_API_SECRET, or neither for the dev server's"));
    }
  });

  it('fetches the secret once per container, in preference to the environment, and again after a failure', async () => {
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: JSON.stringify({ apiKey: 'APIsm', apiSecret: 'from-secrets-manager' }) });
    const env = { LIVEKIT_SECRET_ARN: ARN, LIVEKIT_URL: 'wss://lk.example.com', LIVEKIT_API_KEY: 'APIenv', LIVEKIT_API_SECRET: 'from-env' };
    await expect(liveKitCredentials(env, client())).rejects.toThrow('throttled');
    expect(await liveKitCredentials(env, client())).toEqual({ url: 'wss://lk.example.com', apiKey: 'APIsm', apiSecret: 'from-secrets-manager' });
    expect(await liveKitCredentials(env, client())).toEqual({ url: 'wss://lk.example.com', apiKey: 'APIsm', apiSecret: 'from-secrets-manager' });
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: ARN }, { SecretId: ARN }]);
  });

  it('says how the secret must look when it is not JSON or lacks a key', async () => {
    const shape = 'store {"apiKey": "...", "apiSecret": "..."}';
    for (const [SecretString, problem] of [
      ['apiKey=x', 'is not JSON'],
      [undefined, 'is not JSON'],
      ['null', 'lacks apiKey/apiSecret'],
      ['{"apiKey":"APIsm"}', 'lacks apiKey/apiSecret'],
      ['{"apiKey":"","apiSecret":"s"}', 'lacks apiKey/apiSecret'],
      ['{"apiKey":"APIsm","apiSecret":42}', 'lacks apiKey/apiSecret'],
      ['{"apiKey":42,"apiSecret":"s"}', 'lacks apiKey/apiSecret'],
    ] as const) {
      resetSecretCache();
      secrets.on(GetSecretValueCommand).resolves(SecretString === undefined ? {} : { SecretString });
      await expect(liveKitCredentials({ LIVEKIT_SECRET_ARN: ARN }, client()), String(SecretString)).rejects.toThrow(new ConfigError(`secret ${ARN} ${problem}; ${shape}`));
    }
  });
});

describe('assertBindAllowed and httpUrl', () => {
  it('refuses the dev secret off loopback unless throwaway, which returns the warning to log', () => {
    expect(assertBindAllowed('127.0.0.1', DEV_LIVEKIT)).toBeUndefined();
    expect(() => assertBindAllowed('0.0.0.0', DEV_LIVEKIT)).toThrow(ConfigError);
    expect(assertBindAllowed('0.0.0.0', DEV_LIVEKIT, true)).toMatch(/^interpreter serve listens on 0\.0\.0\.0 with the public dev API secret/);
    expect(assertBindAllowed('0.0.0.0', DEV_LIVEKIT, true, 'the local LiveKit server')).toMatch(/^the local LiveKit server listens on 0\.0\.0\.0/);
    expect(assertBindAllowed('0.0.0.0', { apiKey: 'APIk', apiSecret: 'a-real-secret' })).toBeUndefined();
  });

  it('speaks HTTP(S) to the signalling host', () => {
    expect(httpUrl('ws://localhost:7880')).toBe('http://localhost:7880');
    expect(httpUrl('wss://lk.example.com')).toBe('https://lk.example.com');
    expect(httpUrl('https://lk.example.com/ws://x')).toBe('https://lk.example.com/ws://x');
  });
});
