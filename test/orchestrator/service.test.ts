/**
 * What `startWebhookService` wires together (bind address and its warning, `/healthz` fields,
 * the options it passes on, the reconcile timer, `close()`), and what `createLauncher` builds for
 * each launcher kind.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_API_KEY, DEV_API_SECRET } from '../../src/common/dev-credentials.ts';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { listen } from '../../src/orchestrator/http-server.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { LocalProcessLauncher } from '../../src/orchestrator/local-launcher.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import type { ListedRoom } from '../../src/orchestrator/reconcile.ts';
import { createLauncher, startWebhookService, type LauncherSettings, type WebhookService, type WebhookServiceOptions } from '../../src/orchestrator/service.ts';
import { API_KEY, API_SECRET, capturingLogger, signedEvent, silentLogger, testProfile } from './helpers.ts';
import { startTwirpServer, type TwirpServer } from './livekit-twirp.ts';

const profiles = [testProfile('board-meeting', ['board-*'])];
const credentials = { url: 'ws://127.0.0.1:1', apiKey: API_KEY, apiSecret: API_SECRET };

const services: WebhookService[] = [];
const held: Server[] = [];
const twirps: TwirpServer[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
  await Promise.all(held.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(twirps.splice(0).map((t) => t.close()));
});

async function start(options: Partial<WebhookServiceOptions> = {}) {
  const { logger, lines } = capturingLogger();
  const launcher = new DryRunLauncher();
  const service = await startWebhookService({ credentials, profiles, launcher, logger, listRooms: async () => [], ...options });
  services.push(service);
  return { service, launcher: options.launcher ?? launcher, lines };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  return response.json();
}

async function post(service: WebhookService, body: string, authorization: string) {
  const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/webhook+json', authorization }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('startWebhookService', () => {
  it('listens on 127.0.0.1 by default and says so in its url, with no warning', async () => {
    const { service, lines } = await start();
    expect(service.url).toBe(`http://127.0.0.1:${service.port}/webhook`);
    expect(service.port).toBeGreaterThan(0);
    expect(lines).toEqual([]);
  });

  it('brackets an IPv6 host in its url', async () => {
    const { service } = await start({ host: '::1' });
    expect(service.url).toBe(`http://[::1]:${service.port}/webhook`);
    expect(await getJson(service.url.replace('/webhook', '/healthz'))).toMatchObject({ ok: true });
  });

  it('refuses a public bind with the dev secret, and warns once when it is a throwaway setup', async () => {
    const dev = { url: 'ws://127.0.0.1:1', apiKey: DEV_API_KEY, apiSecret: DEV_API_SECRET };
    await expect(start({ credentials: dev, host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 with the public dev API secret/);
    const { service, lines } = await start({ credentials: dev, host: '0.0.0.0', throwaway: true });
    expect(service.url).toBe(`http://0.0.0.0:${service.port}/webhook`);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, host: '0.0.0.0', msg: expect.stringMatching(/^interpreter serve listens on 0\.0\.0\.0 with the public dev API secret 'secret' \(--throwaway\)/) as unknown }),
    ]);
  });

  it('listens on the port it is given', async () => {
    const holder = createServer();
    held.push(holder);
    const port = await listen(holder, 0);
    await expect(start({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('/healthz reports the launcher, its agents, the profiles, the webhook activity and the extra fields', async () => {
    const launcher = new DryRunLauncher();
    await launcher.launch({ room: 'board-1', roomSid: 'RM_1', profile: 'board-meeting' });
    const { service } = await start({ launcher, health: () => ({ version: 'test' }) });
    const bad = await post(service, '{}', 'not-a-jwt');
    expect(bad.status).toBe(401);
    expect(await getJson(`http://127.0.0.1:${service.port}/healthz`)).toEqual({
      ok: true,
      launcher: 'dry-run',
      agents: 1,
      profiles: 1,
      webhooks: { accepted: 0, rejected: 1, lastRejection: bad.body.error, checkRooms: [] },
      version: 'test',
    });
  });

  it('serves the routes it is given beside the webhook', async () => {
    const { service } = await start({
      routes: (request, response) => {
        if (request.url !== '/app') return false;
        response.writeHead(200, { 'content-type': 'text/plain' }).end('listener app');
        return true;
      },
    });
    const response = await fetch(`http://127.0.0.1:${service.port}/app`);
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: 'listener app' });
  });

  it('passes the server limits on', async () => {
    const { service } = await start({ limits: { maxBodyBytes: 8 } });
    const { body, authorization } = await signedEvent({ event: 'room_started', room: 'board-1' });
    expect(await post(service, body, authorization)).toEqual({ status: 413, body: { error: `body of ${Buffer.byteLength(body)} bytes is over 8` } });
  });

  it('passes maxEventAgeSeconds on to the webhook handler', async () => {
    const { service, launcher } = await start({ maxEventAgeSeconds: 5 });
    const { body, authorization } = await signedEvent({ event: 'room_started', room: 'board-1', createdAt: Math.floor(Date.now() / 1000) - 60 });
    const answer = await post(service, body, authorization);
    expect(answer).toEqual({ status: 200, body: { action: 'stale', event: 'room_started', room: 'board-1', reason: expect.stringMatching(/^event is 6\d s old \(limit 5 s\)$/) as unknown } });
    expect((launcher as DryRunLauncher).calls).toEqual([]);
  });

  it('passes relaunchAfterMs on: reconcile relaunches a freshly claimed room that has no agent', async () => {
    const ledger = new MemoryLedger();
    await ledger.claimLaunch({ room: 'board-1', roomSid: 'RM_1', profile: 'board-meeting' });
    const listRooms = async (): Promise<ListedRoom[]> => [{ name: 'board-1', sid: 'RM_1' }];
    const eager = await start({ ledger, listRooms, relaunchAfterMs: 0 });
    expect((await eager.service.reconcileNow()).launched).toEqual(['board-1']);
  });

  it('by default reconcile leaves a freshly claimed room to the launch under way', async () => {
    const ledger = new MemoryLedger();
    await ledger.claimLaunch({ room: 'board-1', roomSid: 'RM_1', profile: 'board-meeting' });
    const { service } = await start({ ledger, listRooms: async () => [{ name: 'board-1', sid: 'RM_1' }] });
    expect(await service.reconcileNow()).toEqual({ rooms: 1, launched: [], stopped: [], failed: [], deferred: [] });
  });

  it('reconcileNow lists the rooms with the listRooms it is given', async () => {
    const { service, launcher } = await start({ listRooms: async () => [{ name: 'board-2', sid: 'RM_2' }, { name: 'lobby', sid: 'RM_3' }] });
    expect(await service.reconcileNow()).toEqual({ rooms: 2, launched: ['board-2'], stopped: [], failed: [], deferred: [] });
    expect((launcher as DryRunLauncher).launches()).toEqual([{ room: 'board-2', roomSid: 'RM_2', profile: 'board-meeting', launchId: 'RM_2-g1' }]);
  });

  it('without listRooms, reconcile asks the LiveKit RoomService at the credentials URL', async () => {
    const twirp = await startTwirpServer(API_KEY, API_SECRET, [{ name: 'board-9', sid: 'RM_9', metadata: '' }]);
    twirps.push(twirp);
    const { logger } = capturingLogger();
    const launcher = new DryRunLauncher();
    const service = await startWebhookService({ credentials: { ...credentials, url: twirp.url.replace(/^http/, 'ws') }, profiles, launcher, logger });
    services.push(service);
    expect(await service.reconcileNow()).toEqual({ rooms: 1, launched: ['board-9'], stopped: [], failed: [], deferred: [] });
    expect(launcher.launches()).toEqual([{ room: 'board-9', roomSid: 'RM_9', profile: 'board-meeting', launchId: 'RM_9-g1' }]);
  });
});

describe('the reconcile timer', () => {
  function countingRooms() {
    const state = { calls: 0 };
    return { state, listRooms: async (): Promise<ListedRoom[]> => { state.calls++; return []; } };
  }

  it('starts with the service when an interval is set: a first pass at once', async () => {
    const { state, listRooms } = countingRooms();
    const { service } = await start({ listRooms, reconcileIntervalMs: 60_000 });
    expect(state.calls).toBe(1);
    service.startReconcile();
    expect(state.calls).toBe(1);
  });

  it('with deferReconcile waits for startReconcile, which starts it once', async () => {
    const { state, listRooms } = countingRooms();
    const { service } = await start({ listRooms, reconcileIntervalMs: 60_000, deferReconcile: true });
    expect(state.calls).toBe(0);
    service.startReconcile();
    expect(state.calls).toBe(1);
    service.startReconcile();
    expect(state.calls).toBe(1);
  });

  it('does not run without an interval', async () => {
    const { state, listRooms } = countingRooms();
    const { service } = await start({ listRooms });
    service.startReconcile();
    expect(state.calls).toBe(0);
  });
});

describe('close', () => {
  it('stops listening, then closes the launcher', async () => {
    const order: string[] = [];
    const launcher = new DryRunLauncher();
    const { logger } = capturingLogger();
    const service = await startWebhookService({ credentials, profiles, launcher, logger, listRooms: async () => [] });
    const url = `http://127.0.0.1:${service.port}/healthz`;
    launcher.close = async () => {
      order.push(await fetch(url).then(() => 'launcher closed while listening', () => 'launcher closed after the server'));
    };
    await service.close();
    expect(order).toEqual(['launcher closed after the server']);
  });
});

describe('createLauncher', () => {
  const settings: LauncherSettings = { logger: capturingLogger().logger, maxAgents: 1, agentEnv: {}, env: {}, livekit: credentials };

  it('dry-run: a DryRunLauncher holding to maxAgents', async () => {
    const launcher = createLauncher('dry-run', settings);
    expect(launcher).toBeInstanceOf(DryRunLauncher);
    await launcher.launch({ room: 'board-1', roomSid: 'RM_1', profile: 'board-meeting' });
    await expect(launcher.launch({ room: 'board-2', roomSid: 'RM_2', profile: 'board-meeting' })).rejects.toEqual(
      new LaunchError('dry-run launcher is at its limit of 1 agents; room board-2 must wait', 503),
    );
  });

  it('dispatch: a DispatchLauncher for the agent name given, else the default', () => {
    const named = createLauncher('dispatch', { ...settings, agentName: 'interp-eu' });
    expect(named).toBeInstanceOf(DispatchLauncher);
    expect((named as DispatchLauncher).agentName).toBe('interp-eu');
    const unnamed = createLauncher('dispatch', settings) as DispatchLauncher;
    expect(unnamed.agentName).toBe(new DispatchLauncher({ livekit: credentials, logger: silentLogger() }).agentName);
  });

  it('local: a LocalProcessLauncher that keeps the warm agents asked for', async () => {
    const cold = createLauncher('local', settings);
    expect(cold).toBeInstanceOf(LocalProcessLauncher);
    expect((cold as LocalProcessLauncher).warmAgentsNow()).toEqual([]);
    await cold.close();
    const warm = createLauncher('local', { ...settings, warmAgents: 1 }) as LocalProcessLauncher;
    try {
      expect(warm.warmAgentsNow()).toHaveLength(1);
    } finally {
      await warm.close();
    }
  });

  it('task: needs the ECS settings from the environment', () => {
    expect(() => createLauncher('task', settings)).toThrow(
      'the ECS launcher needs INTERPRETER_CLUSTER, INTERPRETER_TASK_DEFINITION, INTERPRETER_CONTAINER, INTERPRETER_SUBNETS (the CDK stack sets them)',
    );
    const env = { INTERPRETER_CLUSTER: 'c', INTERPRETER_TASK_DEFINITION: 't', INTERPRETER_CONTAINER: 'agent', INTERPRETER_SUBNETS: 'subnet-1', AWS_REGION: 'eu-west-1' };
    const launcher = createLauncher('task', { ...settings, env });
    expect(launcher).toBeInstanceOf(EcsLauncher);
    expect(launcher.kind).toBe('task');
  });
});
