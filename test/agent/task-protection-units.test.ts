/**
 * Task protection, unit by unit. `putTaskProtection` is checked against a loopback HTTP server that
 * plays the ECS agent endpoint and answers exactly what a test scripts (the exact request it got,
 * every kind of refusal). `TaskProtection`'s timers (renewal, retry, close) run on fake timers with
 * `fetch` replaced by a scripted agent, so a clock advance decides what is sent and when.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PROTECTION_MINUTES, TaskProtection, TaskProtectionError, TASK_PROTECTION_PATH, putTaskProtection } from '../../src/agent/task-protection.ts';
import { holdClosedPort } from '../closed-port.ts';
import { capturingLogger, silentLogger } from '../orchestrator/helpers.ts';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/interp/0123456789abcdef';
const EXPIRES = '2026-12-03T18:00:00.000Z';

/** Rejects with the error a promise fails with, or fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`not an Error: ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

describe('putTaskProtection against a scripted ECS agent endpoint', () => {
  interface Received {
    method: string | undefined;
    url: string | undefined;
    headers: IncomingHttpHeaders;
    body: string;
  }
  let server: Server;
  let base: string;
  let received: Received[];
  let reply: { status: number; body: string };

  beforeEach(async () => {
    received = [];
    reply = { status: 200, body: JSON.stringify({ protection: { ProtectionEnabled: true, ExpirationDate: EXPIRES, TaskArn: TASK_ARN } }) };
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body: raw });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/t1`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('PUTs JSON with exactly ProtectionEnabled and ExpiresInMinutes to <agentUri>/task-protection/v1/state', async () => {
    await putTaskProtection(base, true, 30);
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.url).toBe(`/api/t1${TASK_PROTECTION_PATH}`);
    expect(received[0]?.url).toBe('/api/t1/task-protection/v1/state');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.body).toBe('{"ProtectionEnabled":true,"ExpiresInMinutes":30}');
  });

  it('clearing sends only ProtectionEnabled: false', async () => {
    reply.body = JSON.stringify({ protection: { ProtectionEnabled: false, TaskArn: TASK_ARN } });
    await putTaskProtection(base, false, 30);
    expect(received[0]?.body).toBe('{"ProtectionEnabled":false}');
  });

  it('strips every trailing slash of the agent URI before appending the path', async () => {
    await putTaskProtection(`${base}///`, true, 5);
    expect(received[0]?.url).toBe('/api/t1/task-protection/v1/state');
  });

  it('returns what the agent confirmed: protected, expiry and task ARN', async () => {
    expect(await putTaskProtection(base, true, 30)).toEqual({ protected: true, expiresAt: EXPIRES, taskArn: TASK_ARN });
    reply.body = JSON.stringify({ protection: {} });
    expect(await putTaskProtection(base, true, 30)).toEqual({ protected: false });
  });

  it('an error body without a Code still names the HTTP status and the message', async () => {
    reply = { status: 500, body: JSON.stringify({ error: { Message: 'boom' } }) };
    const error = await failure(putTaskProtection(base, true, 30));
    expect(error).toBeInstanceOf(TaskProtectionError);
    expect(error.message).toBe('ECS refused task protection (HTTP 500 ): boom');
  });

  it('an error body with a Code and no Message reports the whole answer', async () => {
    reply = { status: 403, body: JSON.stringify({ error: { Code: 'AccessDeniedException' } }) };
    expect((await failure(putTaskProtection(base, true, 30))).message).toBe('ECS refused task protection (HTTP 403 AccessDeniedException): {"error":{"Code":"AccessDeniedException"}}');
  });

  it('a failure body without Reason or Detail is reported as a plain "failure"', async () => {
    reply = { status: 200, body: JSON.stringify({ failure: { Arn: TASK_ARN } }) };
    const error = await failure(putTaskProtection(base, true, 30));
    expect(error).toBeInstanceOf(TaskProtectionError);
    expect(error.message).toBe('ECS refused task protection: failure');
  });

  it('a failure body with a Reason and no Detail reports the Reason alone', async () => {
    reply = { status: 200, body: JSON.stringify({ failure: { Reason: 'TASK_NOT_VALID' } }) };
    expect((await failure(putTaskProtection(base, true, 30))).message).toBe('ECS refused task protection: TASK_NOT_VALID');
  });

  it('an HTTP 200 answer without a protection is refused with the answer text', async () => {
    reply = { status: 200, body: '{}' };
    const error = await failure(putTaskProtection(base, true, 30));
    expect(error).toBeInstanceOf(TaskProtectionError);
    expect(error.message).toBe('ECS agent endpoint answered HTTP 200: {}');
  });

  it('a non-OK answer is refused even when it carries a protection', async () => {
    reply = { status: 500, body: JSON.stringify({ protection: { ProtectionEnabled: true } }) };
    const error = await failure(putTaskProtection(base, true, 30));
    expect(error).toBeInstanceOf(TaskProtectionError);
    expect(error.message).toBe('ECS agent endpoint answered HTTP 500: {"protection":{"ProtectionEnabled":true}}');
  });

  it('a non-JSON error answer is quoted up to its first 200 characters', async () => {
    reply = { status: 502, body: `${'x'.repeat(200)}${'y'.repeat(100)}` };
    expect((await failure(putTaskProtection(base, true, 30))).message).toBe(`ECS agent endpoint answered HTTP 502: ${'x'.repeat(200)}`);
  });

  it('an unreachable endpoint is a TaskProtectionError that keeps the network error as its cause', async () => {
    const closed = await holdClosedPort();
    try {
      const error = await failure(putTaskProtection(`http://127.0.0.1:${closed.port}/api/t1`, true, 30));
      expect(error).toBeInstanceOf(TaskProtectionError);
      expect(error.name).toBe('TaskProtectionError');
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).toBe(`ECS agent endpoint unreachable: ${(error.cause as Error).message}`);
    } finally {
      await closed.release();
    }
  });
});

describe('TaskProtection options', () => {
  const uri = 'http://169.254.170.2/api/c0ffee';
  const make = (options: { agentUri?: string; expiresInMinutes?: number; renewEveryMs?: number }) => () => new TaskProtection({ agentUri: uri, logger: silentLogger(), ...options });

  it('accepts protections of 1 to 2880 whole minutes exactly', () => {
    expect(make({ expiresInMinutes: 1 })).not.toThrow();
    expect(make({ expiresInMinutes: 2880 })).not.toThrow();
    expect(make({ expiresInMinutes: 0 })).toThrow(new TaskProtectionError("task protection lasts 1..2880 whole minutes (ECS's limits), got 0"));
    expect(make({ expiresInMinutes: 2881 })).toThrow("task protection lasts 1..2880 whole minutes (ECS's limits), got 2881");
    expect(make({ expiresInMinutes: 1.5 })).toThrow('got 1.5');
  });

  it('refuses a renewal period that is not positive or not shorter than the protection', () => {
    expect(make({ expiresInMinutes: 1, renewEveryMs: 59_999 })).not.toThrow();
    expect(make({ expiresInMinutes: 1, renewEveryMs: 1 })).not.toThrow();
    expect(make({ expiresInMinutes: 1, renewEveryMs: 60_000 })).toThrow('task protection must be renewed before it expires: every 60000 ms is not less than 1 minutes');
    expect(make({ expiresInMinutes: 1, renewEveryMs: 0 })).toThrow('task protection must be renewed before it expires: every 0 ms is not less than 1 minutes');
    expect(make({ expiresInMinutes: 1, renewEveryMs: -1 })).toThrow(TaskProtectionError);
    expect(make({ expiresInMinutes: 1, renewEveryMs: Number.NaN })).toThrow(TaskProtectionError);
  });

  it('needs an http or https agent URI, whole and without spaces', () => {
    expect(make({ agentUri: 'https://169.254.170.2/api/c0ffee' })).not.toThrow();
    expect(make({ agentUri: 'xhttp://169.254.170.2/api/c0ffee' })).toThrow(new TaskProtectionError("ECS_AGENT_URI must be an http URL, got 'xhttp://169.254.170.2/api/c0ffee'"));
    expect(make({ agentUri: 'http://169.254.170.2/api/c0ffee extra' })).toThrow(TaskProtectionError);
    expect(make({ agentUri: 'ftp://169.254.170.2/api/c0ffee' })).toThrow(TaskProtectionError);
  });

  it('has told nobody anything before its first request: unprotected, no error', () => {
    expect(new TaskProtection({ agentUri: uri, logger: silentLogger() }).state).toEqual({ protected: false });
  });
});

describe('TaskProtection timers and requests (fake clock, scripted agent)', () => {
  const uri = 'http://169.254.170.2/api/c0ffee';
  const REFUSAL = 'ECS refused task protection (HTTP 403 AccessDeniedException): no task IAM role credentials available for task';
  type Body = { ProtectionEnabled: boolean; ExpiresInMinutes?: number };
  let sent: Body[];
  let answer: (body: Body) => Response | Promise<Response>;
  let protection: TaskProtection | undefined;

  const confirmed = (body: Body): Response =>
    new Response(JSON.stringify({ protection: { ProtectionEnabled: body.ProtectionEnabled, TaskArn: TASK_ARN, ...(body.ProtectionEnabled ? { ExpirationDate: EXPIRES } : {}) } }), { status: 200 });
  const refused = (): Response => new Response(JSON.stringify({ error: { Code: 'AccessDeniedException', Message: 'no task IAM role credentials available for task' } }), { status: 403 });
  /** The next request waits until `release` is called with the answer to give. */
  const hold = (): { release: (response: Response) => void } => {
    let release: (response: Response) => void = () => undefined;
    answer = () => new Promise<Response>((resolve) => (release = resolve));
    return { release: (response) => release(response) };
  };

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    answer = confirmed;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as Body;
        sent.push(body);
        return answer(body);
      }),
    );
  });
  afterEach(async () => {
    await protection?.close();
    protection = undefined;
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('renews by default every half of the protection period', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger() });
    await protection.onRoomsChanged(1);
    expect(sent).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: DEFAULT_PROTECTION_MINUTES }]);
    await vi.advanceTimersByTimeAsync(60 * 60_000 - 1);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 120 });
  });

  it('renews at renewEveryMs while rooms last, and stops at none', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), expiresInMinutes: 10, renewEveryMs: 1000 });
    await protection.onRoomsChanged(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent).toEqual(Array(4).fill({ ProtectionEnabled: true, ExpiresInMinutes: 10 }));
    await protection.onRoomsChanged(0);
    expect(protection.renewing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(5);
    expect(sent[4]).toEqual({ ProtectionEnabled: false });
  });

  it('starts no renewal timer while there are no rooms', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 1000 });
    await protection.onRoomsChanged(0);
    expect(sent).toEqual([{ ProtectionEnabled: false }]);
    expect(protection.renewing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one renewal timer through more rooms', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 1000 });
    await protection.onRoomsChanged(1);
    await protection.onRoomsChanged(2);
    await protection.onRoomsChanged(3);
    expect(protection.renewing).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
  });

  it('after close, a room starts neither a request nor a renewal timer', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 1000 });
    await protection.close();
    await protection.onRoomsChanged(1);
    expect(protection.renewing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toEqual([]);
  });

  it('close stops the renewal timer', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 1000 });
    await protection.onRoomsChanged(1);
    expect(vi.getTimerCount()).toBe(1);
    await protection.close();
    expect(protection.renewing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
  });

  it('close stops a pending retry', async () => {
    answer = refused;
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60_000, retryAfterMs: 1000 });
    await protection.onRoomsChanged(1);
    expect(vi.getTimerCount()).toBe(2);
    await protection.close();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
  });

  it('close resolves at once when nothing is in flight', async () => {
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger() });
    await expect(protection.close()).resolves.toBeUndefined();
  });

  it('close waits for the request in flight', async () => {
    const held = hold();
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60_000 });
    const rooms = protection.onRoomsChanged(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    let closed = false;
    const closing = protection.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    held.release(confirmed({ ProtectionEnabled: true }));
    await closing;
    await rooms;
    expect(closed).toBe(true);
    expect(protection.state).toEqual({ protected: true, expiresAt: EXPIRES, taskArn: TASK_ARN });
  });

  it('a request that fails after close schedules no retry', async () => {
    const held = hold();
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60_000, retryAfterMs: 1000 });
    void protection.onRoomsChanged(1);
    await vi.advanceTimersByTimeAsync(0);
    const closing = protection.close();
    held.release(refused());
    await closing;
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sent).toHaveLength(1);
  });

  it('retries a failed request after 15 s by default, and keeps the failure in state until then', async () => {
    answer = refused;
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60 * 60_000 });
    await protection.onRoomsChanged(1);
    expect(protection.state).toEqual({ protected: false, error: REFUSAL });
    answer = confirmed;
    await vi.advanceTimersByTimeAsync(14_999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      { ProtectionEnabled: true, ExpiresInMinutes: 120 },
      { ProtectionEnabled: true, ExpiresInMinutes: 120 },
    ]);
    expect(protection.state).toEqual({ protected: true, expiresAt: EXPIRES, taskArn: TASK_ARN });
  });

  it('a second failure while a retry is pending keeps a single retry', async () => {
    answer = refused;
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60_000, retryAfterMs: 1000 });
    await protection.onRoomsChanged(1);
    await protection.onRoomsChanged(2);
    expect(sent).toHaveLength(2);
    // The renewal interval and one retry.
    expect(vi.getTimerCount()).toBe(2);
  });

  it('a retry that comes after the state was confirmed sends nothing', async () => {
    answer = refused;
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), renewEveryMs: 60_000, retryAfterMs: 1000 });
    await protection.onRoomsChanged(1);
    answer = confirmed;
    await protection.onRoomsChanged(2);
    expect(sent).toHaveLength(2);
    expect(protection.state.protected).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toHaveLength(2);
  });

  it('passes requestTimeoutMs on as the request timeout, 3 s by default', async () => {
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger(), requestTimeoutMs: 250 });
    await protection.onRoomsChanged(1);
    expect(timeout).toHaveBeenLastCalledWith(250);
    await protection.close();
    protection = new TaskProtection({ agentUri: uri, logger: silentLogger() });
    await protection.onRoomsChanged(1);
    expect(timeout).toHaveBeenLastCalledWith(3000);
  });

  it('logs each confirmation at debug level with its state and expiry', async () => {
    const { logger, lines } = capturingLogger();
    protection = new TaskProtection({ agentUri: uri, logger, renewEveryMs: 60_000 });
    await protection.onRoomsChanged(1);
    await protection.onRoomsChanged(0);
    const logged = lines.map(({ level, msg, protected: state, expiresAt }) => ({ level, msg, protected: state, expiresAt }));
    expect(logged).toEqual([
      { level: 20, msg: 'task protected from scale-in', protected: true, expiresAt: EXPIRES },
      { level: 20, msg: 'task protection cleared', protected: false, expiresAt: undefined },
    ]);
  });

  it('logs each failure as a warning with the reason and the state it wanted', async () => {
    const { logger, lines } = capturingLogger();
    protection = new TaskProtection({ agentUri: uri, logger, renewEveryMs: 60_000, retryAfterMs: 1000 });
    answer = refused;
    await protection.onRoomsChanged(1);
    answer = confirmed;
    await vi.advanceTimersByTimeAsync(1000);
    answer = refused;
    await protection.onRoomsChanged(0);
    const warnings = lines.filter((line) => line.level === 40).map(({ level, msg, err, protect }) => ({ level, msg, err, protect }));
    expect(warnings).toEqual([
      { level: 40, msg: 'could not protect this task from scale-in; retrying', err: REFUSAL, protect: true },
      { level: 40, msg: 'could not clear task protection; retrying', err: REFUSAL, protect: false },
    ]);
    expect(protection.state).toEqual({ protected: true, expiresAt: EXPIRES, taskArn: TASK_ARN, error: REFUSAL });
  });
});
