import { describe, expect, it } from 'vitest';
import { AccessToken } from 'livekit-server-sdk';
import { createHash } from 'node:crypto';
import { createWebhookHandler } from '../../src/orchestrator/webhook.ts';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { LaunchError, type Launcher } from '../../src/orchestrator/launcher.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { API_KEY, API_SECRET, capturingLogger, delegate, signedEvent, silentLogger, testProfile } from './helpers.ts';

const profiles = [testProfile('board-meeting', ['board-*']), testProfile('all-hands', ['all-hands-*'])];

function setup(launcher: Launcher = new DryRunLauncher()) {
  const { logger, lines } = capturingLogger();
  const handle = createWebhookHandler({ apiKey: API_KEY, apiSecret: API_SECRET, profiles, launcher, logger });
  return { handle, launcher, lines };
}

const warnings = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === 40);

describe('webhook verification', () => {
  it('launches for a correctly signed room_started and says which profile', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    const response = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_board' }));
    expect(response).toEqual({ status: 200, body: expect.objectContaining({ action: 'launched', room: 'board-q3', profile: 'board-meeting' }) });
    expect(launcher.launches()).toEqual([expect.objectContaining({ room: 'board-q3', roomSid: 'RM_board', profile: 'board-meeting', launchId: 'RM_board-g1' })]);
  });

  it.each([
    ['missing header', async () => undefined],
    ['a signature made with another secret', async (body: string) => signWebhookBody(body, API_KEY, 'another-secret-another-secret-xx')],
    ['another API key', async (body: string) => signWebhookBody(body, 'APIother', API_SECRET)],
    ['an expired token', async (body: string) => expiredToken(body)],
    ['a Bearer prefix', async (body: string) => `Bearer ${await signWebhookBody(body, API_KEY, API_SECRET)}`],
    ['garbage', async () => 'not-a-jwt'],
  ])('rejects %s with 401, one warn line, and launches nothing', async (_name, authorize) => {
    const launcher = new DryRunLauncher();
    const { handle, lines } = setup(launcher);
    const body = roomEventBody({ event: 'room_started', room: 'board-q3' });
    const response = await handle({ body, authorization: await authorize(body) });
    expect(response.status).toBe(401);
    expect(launcher.calls).toEqual([]);
    expect(warnings(lines)).toHaveLength(1);
    expect(warnings(lines)[0]).toMatchObject({ status: 401, reason: expect.any(String) });
  });

  it('rejects a body that is not the one signed (401)', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3' });
    const tampered = signed.body.replace('board-q3', 'board-q4');
    expect((await handle({ body: tampered, authorization: signed.authorization })).status).toBe(401);
    expect(launcher.calls).toEqual([]);
  });

  it.each([
    ['non-JSON', 'this is not json'],
    ['a JSON array', '[1,2,3]'],
    ['a wrong-typed field', '{"event":"room_started","room":{"name":42}}'],
    ['an event without a name', '{"id":"EV_1"}'],
    ['room_started without a room', `{"event":"room_started","id":"EV_2","createdAt":"${Math.floor(Date.now() / 1000)}"}`],
  ])('answers 400 for %s (signed correctly), with one warn line', async (_name, body) => {
    const launcher = new DryRunLauncher();
    const { handle, lines } = setup(launcher);
    const response = await handle({ body, authorization: await signWebhookBody(body, API_KEY, API_SECRET) });
    expect(response.status).toBe(400);
    expect(response.body).toHaveProperty('error');
    expect(launcher.calls).toEqual([]);
    expect(warnings(lines)).toEqual([expect.objectContaining({ status: 400 })]);
  });
});

describe('stale and replayed events', () => {
  it.each([
    ['older than the window', -600, /\d+ s old \(limit 120 s\)/],
    ['from the future', 600, /in the future/],
  ])('answers an event %s as stale, launches nothing and logs why', async (_name, offsetSeconds, reason) => {
    const launcher = new DryRunLauncher();
    const { handle, lines } = setup(launcher);
    const response = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', createdAt: Math.floor(Date.now() / 1000) + offsetSeconds }));
    expect(response).toEqual({ status: 200, body: expect.objectContaining({ action: 'stale', reason: expect.stringMatching(reason) }) });
    expect(launcher.calls).toEqual([]);
    expect(warnings(lines)).toHaveLength(1);
  });

  it('answers a room_started for a finished room sid as a duplicate, even with a new event id', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_done', id: 'EV_1' }));
    await handle(await signedEvent({ event: 'room_finished', room: 'board-q3', sid: 'RM_done', id: 'EV_2' }));
    const late = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_done', id: 'EV_3' }));
    expect(late.body).toMatchObject({ action: 'duplicate', reason: 'room RM_done has finished' });
    expect(launcher.launches()).toHaveLength(1);
  });

  it('two handlers sharing one ledger (two Lambda instances) launch a room once', async () => {
    const ledger = new MemoryLedger();
    const launchers = [new DryRunLauncher(), new DryRunLauncher()];
    const handlers = launchers.map((launcher) => createWebhookHandler({ apiKey: API_KEY, apiSecret: API_SECRET, profiles, launcher, ledger, logger: silentLogger() }));
    const delivery = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_shared', id: 'EV_shared' });
    const retry = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_shared', id: 'EV_other' });
    const responses = await Promise.all([handlers[0]!(delivery), handlers[1]!(delivery), handlers[1]!(retry), handlers[0]!(retry)]);
    expect(responses.filter((r) => 'action' in r.body && r.body.action === 'launched')).toHaveLength(1);
    expect(launchers[0]!.launches().length + launchers[1]!.launches().length).toBe(1);
  });
});

describe('webhook routing', () => {
  it('answers at once (202 launching) and launches afterwards', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new DryRunLauncher();
    const slow: Launcher = { ...delegate(inner), launch: async (request) => (await gate, inner.launch(request)) };
    const { handle } = setup(slow);
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_slow' });
    const authorized = handle.authorize(signed.authorization);
    if (!authorized.ok) throw new Error('not authorized');
    const result = await handle.accept(signed.body, authorized.token);
    expect(result.response).toEqual({ status: 202, body: expect.objectContaining({ action: 'launching', profile: 'board-meeting' }) });
    expect(inner.launches()).toEqual([]);
    release();
    expect(await result.work).toMatchObject({ status: 200, body: { action: 'launched' } });
    expect(inner.launches()).toHaveLength(1);
  });

  it('acknowledges and ignores events it does not use', async () => {
    const { handle, launcher } = setup();
    const response = await handle(await signedEvent({ event: 'participant_joined', room: 'board-q3' }));
    expect(response).toEqual({ status: 200, body: expect.objectContaining({ action: 'ignored', event: 'participant_joined' }) });
    expect((launcher as DryRunLauncher).calls).toEqual([]);
  });

  it('answers 200 no-profile for a room no profile matches', async () => {
    const { handle, launcher } = setup();
    const response = await handle(await signedEvent({ event: 'room_started', room: 'random-chat' }));
    expect(response).toEqual({ status: 200, body: expect.objectContaining({ action: 'no-profile', room: 'random-chat', reason: expect.any(String) }) });
    expect((launcher as DryRunLauncher).calls).toEqual([]);
  });

  it('refuses with 422 (no LiveKit retry) a room the launcher can never run', async () => {
    const { handle, launcher, lines } = setup();
    const response = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_\u0000x' }));
    expect(response).toEqual({ status: 422, body: expect.objectContaining({ error: expect.stringContaining('contains a NUL') }) });
    expect((launcher as DryRunLauncher).launches()).toEqual([]);
    expect(warnings(lines)).toHaveLength(1);
  });

  it('stops the agent on room_finished, and a room_finished without room_started is harmless', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    expect((await handle(await signedEvent({ event: 'room_finished', room: 'board-early', sid: 'RM_e' }))).body).toMatchObject({ action: 'stopped', reason: 'no agent was running' });
    await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }));
    expect(await launcher.running()).toHaveLength(1);
    const finished = await handle(await signedEvent({ event: 'room_finished', room: 'board-q3', sid: 'RM_1' }));
    expect(finished.body).toMatchObject({ action: 'stopped', reason: 'stopped 1 agent(s)' });
    expect(await launcher.running()).toHaveLength(0);
  });

  it('collapses 20 concurrent deliveries of one event into one launch', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    const delivery = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_dup', id: 'EV_same' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => handle(delivery)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.filter((r) => 'action' in r.body && r.body.action === 'launched')).toHaveLength(1);
    expect(launcher.launches()).toHaveLength(1);
    // A late redelivery of the same event is still a duplicate.
    expect((await handle(delivery)).body).toMatchObject({ action: 'duplicate' });
  });

  it('collapses 20 concurrent room_started of one room sid with distinct event ids into one launch', async () => {
    const launcher = new DryRunLauncher();
    const { handle } = setup(launcher);
    const deliveries = await Promise.all(Array.from({ length: 20 }, (_, i) => signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_many', id: `EV_${i}` })));
    const responses = await Promise.all(deliveries.map((d) => handle(d)));
    expect(responses.filter((r) => 'action' in r.body && r.body.action === 'launched')).toHaveLength(1);
    expect(launcher.launches()).toHaveLength(1);
  });

  it('answers 5xx when the launch fails, logs it, and launches on the retry of the same event', async () => {
    const inner = new DryRunLauncher();
    let failures = 1;
    const flaky: Launcher = {
      ...delegate(inner),
      launch: async (request) => {
        if (failures-- > 0) throw new LaunchError('ECS is having a moment', 503);
        return inner.launch(request);
      },
    };
    const { logger, lines } = capturingLogger();
    const handle = createWebhookHandler({ apiKey: API_KEY, apiSecret: API_SECRET, profiles, launcher: flaky, logger });
    const delivery = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_r', id: 'EV_retry' });
    const first = await handle(delivery);
    expect(first.status).toBe(503);
    expect(lines.some((l) => l.level === 50 && l.room === 'board-q3')).toBe(true);
    const retry = await handle(delivery);
    expect(retry.body).toMatchObject({ action: 'launched' });
  });
});

/** A token whose expiry lies two minutes in the past, beyond the one minute of clock skew allowed. */
async function expiredToken(body: string): Promise<string> {
  const token = new AccessToken(API_KEY, API_SECRET, { ttl: '-2m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}
