/**
 * What the webhook answers and logs for each outcome, word for word where an operator or LiveKit
 * reads it: the error of each refusal, the reason of each action, the line each one logs, and the
 * answers when the ledger or the launcher fails. webhook.test.ts checks which outcome each request
 * gets; the mutation run (docs/testing.md) found what it says left unchecked.
 */
import { describe, expect, it } from 'vitest';
import { createWebhookHandler, type WebhookHandlerOptions } from '../../src/orchestrator/webhook.ts';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { LaunchError, type Launcher } from '../../src/orchestrator/launcher.ts';
import { MemoryLedger, type LaunchLedger } from '../../src/orchestrator/ledger.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { API_KEY, API_SECRET, capturingLogger, delegate, ledgerWith, signedEvent, testProfile } from './helpers.ts';

const profiles = [testProfile('board-meeting', ['board-*'])];

function setup(options: { launcher?: Launcher; ledger?: LaunchLedger; now?: () => number } = {}) {
  const { logger, lines } = capturingLogger();
  const launcher = options.launcher ?? new DryRunLauncher();
  const handlerOptions: WebhookHandlerOptions = { apiKey: API_KEY, apiSecret: API_SECRET, profiles, launcher, logger, ...(options.ledger ? { ledger: options.ledger } : {}), ...(options.now ? { now: options.now } : {}) };
  return { handle: createWebhookHandler(handlerOptions), launcher, lines };
}

const byLevel = (lines: Record<string, unknown>[], level: number) => lines.filter((l) => l.level === level);
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** A body signed as LiveKit signs it, for JSON no `roomEventBody` makes. */
const signedJson = async (value: unknown) => {
  const body = JSON.stringify(value);
  return { body, authorization: await signWebhookBody(body, API_KEY, API_SECRET) };
};

describe('what a refusal says', () => {
  it('a 401 says unauthorized and why, and logs it once with the same reason', async () => {
    const { handle, lines } = setup();
    const response = await handle({ body: roomEventBody({ event: 'room_started', room: 'board-q3' }) });
    expect(response).toEqual({ status: 401, body: { error: 'unauthorized: no Authorization header' } });
    expect(byLevel(lines, 40)).toEqual([expect.objectContaining({ status: 401, reason: 'no Authorization header', msg: 'webhook refused: no Authorization header' })]);
  });

  it('a body other than the one signed is refused as such', async () => {
    const { handle } = setup();
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3' });
    const response = await handle({ body: signed.body.replace('board-q3', 'board-q4'), authorization: signed.authorization });
    expect(response).toEqual({ status: 401, body: { error: 'unauthorized: the body is not the one the JWT was signed for (sha256 differs)' } });
  });

  it('checks the token against the handler clock', async () => {
    const { handle } = setup({ now: () => Date.now() + 10 * 60_000 });
    const response = await handle(await signedEvent({ event: 'room_started', room: 'board-q3' }));
    expect(response).toEqual({ status: 401, body: { error: expect.stringMatching(/^unauthorized: JWT expired \d+ s ago$/) } });
  });

  it('a 400 says what is wrong with the body, without the unauthorized prefix', async () => {
    const { handle } = setup();
    const bad = await signedJson('not an event');
    expect((await handle(bad)).body).toEqual({ error: expect.stringMatching(/^malformed webhook body: .+/) });
    expect((await handle(await signedJson({ id: 'EV_1' }))).body).toEqual({ error: 'webhook body has no event name' });
    expect((await handle(await signedJson({ event: 'room_finished', id: 'EV_2', createdAt: String(nowSeconds()) }))).body).toEqual({ error: 'room_finished without room name and sid' });
  });

  it('a 422 names the room (cut to 200 characters) and says why the launcher cannot run it', async () => {
    const { handle, lines } = setup();
    const room = `board-${'x'.repeat(300)}`;
    const response = await handle(await signedEvent({ event: 'room_started', room, sid: 'RM_\u0000x' }));
    expect(response).toEqual({ status: 422, body: { error: 'cannot launch an agent for this room: room sid or profile contains a NUL', room: room.slice(0, 200) } });
    expect(byLevel(lines, 40)).toEqual([expect.objectContaining({ status: 422, room: room.slice(0, 200), sid: 'RM_\u0000x' })]);
  });
});

describe('what an accepted event says', () => {
  it('handles a body with fields a newer LiveKit added', async () => {
    const { handle, launcher } = setup();
    const signed = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_new' });
    const body = JSON.stringify({ ...(JSON.parse(signed.body) as Record<string, unknown>), someFutureField: { nested: true } });
    const response = await handle({ body, authorization: await signWebhookBody(body, API_KEY, API_SECRET) });
    expect(response.body).toMatchObject({ action: 'launched', room: 'board-q3' });
    expect((launcher as DryRunLauncher).launches()).toHaveLength(1);
  });

  it('acknowledges an event it does not use, with or without a room', async () => {
    const { handle } = setup();
    expect((await handle(await signedEvent({ event: 'participant_joined', room: 'board-q3' }))).body).toEqual({ action: 'ignored', event: 'participant_joined', room: 'board-q3', reason: 'event not used by the interpreter' });
    expect((await handle(await signedJson({ event: 'egress_started', id: 'EV_e', createdAt: String(nowSeconds()) }))).body).toEqual({ action: 'ignored', event: 'egress_started', reason: 'event not used by the interpreter' });
  });

  it('answers a launch with the reason its profile matched, and logs the agent', async () => {
    const { handle, lines } = setup();
    const response = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }));
    expect(response).toEqual({ status: 200, body: { action: 'launched', event: 'room_started', room: 'board-q3', profile: 'board-meeting', reason: 'profile "board-meeting" (priority 0): room name "board-q3" matches board-*' } });
    expect(byLevel(lines, 30)).toEqual([expect.objectContaining({ event: 'room_started', room: 'board-q3', profile: 'board-meeting', sid: 'RM_1', action: 'launched', agent: 'dry-run-1', msg: 'agent launched' })]);
  });

  it('answers a room no profile matches, and logs it', async () => {
    const { handle, lines } = setup();
    expect((await handle(await signedEvent({ event: 'room_started', room: 'coffee' }))).body).toEqual({ action: 'no-profile', event: 'room_started', room: 'coffee', reason: 'no profile matches this room' });
    expect(byLevel(lines, 30)).toEqual([expect.objectContaining({ event: 'room_started', room: 'coffee', msg: 'no profile matches room; no agent' })]);
  });

  it('answers a redelivered event id and a second event for a launched sid as duplicates, each saying why', async () => {
    const { handle, lines } = setup();
    const delivery = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1', id: 'EV_1' });
    await handle(delivery);
    expect((await handle(delivery)).body).toEqual({ action: 'duplicate', event: 'room_started', room: 'board-q3', reason: 'event EV_1 was already handled' });
    const other = await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1', id: 'EV_2' }));
    expect(other.body).toEqual({ action: 'duplicate', event: 'room_started', room: 'board-q3', profile: 'board-meeting', reason: 'an agent was already launched for room RM_1' });
    expect(lines.filter((l) => l.msg === 'agent duplicate')).toEqual([expect.objectContaining({ room: 'board-q3', sid: 'RM_1', reason: 'an agent was already launched for room RM_1' })]);
    const finished = await signedEvent({ event: 'room_finished', room: 'board-q3', sid: 'RM_1', id: 'EV_3' });
    await handle(finished);
    expect((await handle(finished)).body).toEqual({ action: 'duplicate', event: 'room_finished', room: 'board-q3', reason: 'event EV_3 was already handled' });
  });

  it('answers a duplicate when the ledger lost the claim without the winner\'s record (DynamoDB can)', async () => {
    const { handle } = setup({ ledger: ledgerWith({ claimLaunch: async () => ({ claimed: false, existing: undefined }) }) });
    expect((await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }))).body).toMatchObject({ action: 'duplicate', reason: 'an agent was already launched for room RM_1' });
  });

  it('answers a duplicate when the launcher already runs the room\'s agent, with or without naming it', async () => {
    const inner = new DryRunLauncher();
    await inner.launch({ room: 'board-q3', roomSid: 'RM_1', profile: 'board-meeting' });
    const named = setup({ launcher: inner });
    const answer = { status: 200, body: { action: 'duplicate', event: 'room_started', room: 'board-q3', profile: 'board-meeting', reason: 'an agent already runs for this room' } };
    expect(await named.handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }))).toEqual(answer);
    expect(byLevel(named.lines, 30)).toEqual([expect.objectContaining({ action: 'duplicate', agent: 'dry-run-1', msg: 'agent duplicate' })]);
    // The dispatch launcher knows an agent is in the room, not which.
    const anonymous = setup({ launcher: { ...delegate(inner), launch: async () => ({ status: 'already-running' }) } });
    expect(await anonymous.handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }))).toEqual(answer);
  });

  it('answers room_finished at once (202 stopping), then with what it stopped, and logs it', async () => {
    const launcher = new DryRunLauncher();
    await launcher.launch({ room: 'board-q3', roomSid: 'RM_1', profile: 'board-meeting' });
    const { handle, lines } = setup({ launcher });
    const signed = await signedEvent({ event: 'room_finished', room: 'board-q3', sid: 'RM_1' });
    const authorized = handle.authorize(signed.authorization);
    if (!authorized.ok) throw new Error('not authorized');
    const result = await handle.accept(signed.body, authorized.token);
    expect(result.response).toEqual({ status: 202, body: { action: 'stopping', event: 'room_finished', room: 'board-q3' } });
    expect(await result.work).toEqual({ status: 200, body: { action: 'stopped', event: 'room_finished', room: 'board-q3', reason: 'stopped 1 agent(s)' } });
    expect(byLevel(lines, 30)).toEqual([expect.objectContaining({ event: 'room_finished', room: 'board-q3', sid: 'RM_1', stopped: 1, msg: 'room finished' })]);
  });
});

describe('event age', () => {
  // The handler's clock stands still on a whole second (the token is checked on it too), and each
  // event's createdAt is set so many seconds before (or after) it.
  const frozen = () => {
    const nowMs = nowSeconds() * 1000;
    return { now: () => nowMs, createdAt: (ageSeconds: number) => nowMs / 1000 - ageSeconds };
  };

  it('handles an event exactly at the age limit and exactly at the clock skew ahead, not beyond', async () => {
    const clock = frozen();
    for (const [age, action] of [
      [120, 'launched'],
      [-60, 'launched'],
      [121, 'stale'],
      [-61, 'stale'],
    ] as const) {
      const { handle } = setup({ now: clock.now });
      expect((await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1', createdAt: clock.createdAt(age) }))).body, `${age} s old`).toMatchObject({ action });
    }
  });

  it('says how old or how far ahead a stale event is, and logs it once', async () => {
    const clock = frozen();
    const old = setup({ now: clock.now });
    expect((await old.handle(await signedEvent({ event: 'room_started', room: 'board-q3', createdAt: clock.createdAt(600) }))).body).toEqual({ action: 'stale', event: 'room_started', room: 'board-q3', reason: 'event is 600 s old (limit 120 s)' });
    expect(byLevel(old.lines, 40)).toEqual([expect.objectContaining({ status: 200, event: 'room_started', room: 'board-q3', reason: 'event is 600 s old (limit 120 s)', msg: 'webhook refused: stale: event is 600 s old (limit 120 s)' })]);
    const ahead = setup({ now: clock.now });
    expect((await ahead.handle(await signedEvent({ event: 'room_started', room: 'board-q3', createdAt: clock.createdAt(-600) }))).body).toMatchObject({ reason: 'event createdAt lies 600 s in the future' });
  });

  it('answers an event without createdAt, or a stale one without a room, as stale', async () => {
    const { handle } = setup();
    expect((await handle(await signedJson({ event: 'room_started', id: 'EV_1', room: { name: 'board-q3', sid: 'RM_1' } }))).body).toEqual({ action: 'stale', event: 'room_started', room: 'board-q3', reason: 'event has no createdAt' });
    expect((await handle(await signedJson({ event: 'room_finished', id: 'EV_2', createdAt: String(nowSeconds() - 600) }))).body).toMatchObject({ action: 'stale', reason: expect.stringMatching(/ s old/) });
  });
});

describe('when the ledger or the launcher fails', () => {
  it('answers 503 when the ledger cannot be reached, logs it, and handles LiveKit\'s retry of the event', async () => {
    let failures = 1;
    const ledger = ledgerWith({
      claimLaunch: async (input) => {
        if (failures-- > 0) throw new Error('DynamoDB: ProvisionedThroughputExceeded');
        return new MemoryLedger().claimLaunch(input);
      },
    });
    const { handle, lines } = setup({ ledger });
    const delivery = await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1', id: 'EV_1' });
    expect(await handle(delivery)).toEqual({ status: 503, body: { error: 'DynamoDB: ProvisionedThroughputExceeded', room: 'board-q3' } });
    expect(byLevel(lines, 50)).toEqual([expect.objectContaining({ event: 'room_started', room: 'board-q3', err: 'DynamoDB: ProvisionedThroughputExceeded', msg: 'webhook handling failed; LiveKit will retry' })]);
    expect((await handle(delivery)).body).toMatchObject({ action: 'launched' });
  });

  it('answers a failed launch with the launcher status and error, and logs it', async () => {
    const { handle, lines } = setup({ launcher: { ...delegate(new DryRunLauncher()), launch: async () => Promise.reject(new LaunchError('RunTask: no capacity', 503)) } });
    expect(await handle(await signedEvent({ event: 'room_started', room: 'board-q3', sid: 'RM_1' }))).toEqual({ status: 503, body: { error: 'RunTask: no capacity', room: 'board-q3' } });
    expect(byLevel(lines, 50)).toEqual([expect.objectContaining({ room: 'board-q3', sid: 'RM_1', err: 'RunTask: no capacity', msg: expect.stringMatching(/^agent launch failed/) })]);
  });

  it('answers 502 when stopping fails, logs it, and handles LiveKit\'s retry of the event', async () => {
    const inner = new DryRunLauncher();
    let failures = 1;
    const launcher: Launcher = {
      ...delegate(inner),
      stop: async (room) => {
        if (failures-- > 0) throw new Error('StopTask throttled');
        return inner.stop(room);
      },
    };
    const { handle, lines } = setup({ launcher });
    const delivery = await signedEvent({ event: 'room_finished', room: 'board-q3', sid: 'RM_1', id: 'EV_1' });
    expect(await handle(delivery)).toEqual({ status: 502, body: { error: 'StopTask throttled', room: 'board-q3' } });
    expect(byLevel(lines, 50)).toEqual([expect.objectContaining({ event: 'room_finished', room: 'board-q3', sid: 'RM_1', err: 'StopTask throttled', msg: 'stopping the agent failed; reconcile stops it' })]);
    expect((await handle(delivery)).body).toMatchObject({ action: 'stopped' });
  });
});
