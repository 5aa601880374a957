/**
 * Task protection against a local HTTP server standing in for the ECS agent endpoint. That
 * endpoint is an HTTP API inside the task (`$ECS_AGENT_URI`, e.g. http://169.254.170.2/api/<id>),
 * so a loopback server answering as amazon-ecs-agent does (`ecs-agent/tmds/handlers/
 * taskprotection/v1`: unknown fields refused, ECS refusals as 200 + `failure`, errors with an
 * `error` body) is its honest stand-in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskProtection, TaskProtectionError, putTaskProtection, taskProtectionFromEnv } from '../../src/agent/task-protection.ts';
import { capturingLogger, silentLogger } from '../orchestrator/helpers.ts';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task/interp/0123456789abcdef';
type Mode = 'ok' | 'standalone' | 'no-task-role';

interface Agent {
  uri: string;
  requests: Record<string, unknown>[];
  mode: Mode;
  protectedNow: boolean;
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

async function startAgent(): Promise<Agent> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const agent = { requests: [] as Record<string, unknown>[], mode: 'ok' as Mode, protectedNow: false } as Agent;
  const reply = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      if (req.method !== 'PUT' || req.url !== '/api/c0ffee/task-protection/v1/state') return reply(res, 404, { error: { Code: 'ResourceNotFoundException', Message: 'Failed to find a task for the request' } });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return reply(res, 400, { error: { Code: 'InvalidParameterException', Message: 'UpdateTaskProtection: failed to decode request' } });
      }
      agent.requests.push(body);
      for (const w of waiters.filter((w) => agent.requests.length >= w.count)) w.resolve();
      if (Object.keys(body).some((key) => key !== 'ProtectionEnabled' && key !== 'ExpiresInMinutes')) {
        return reply(res, 400, { error: { Code: 'InvalidParameterException', Message: 'UpdateTaskProtection: failed to decode request' } });
      }
      if (typeof body.ProtectionEnabled !== 'boolean') return reply(res, 400, { error: { Arn: TASK_ARN, Code: 'InvalidParameterException', Message: "Invalid request: does not contain 'ProtectionEnabled' field" } });
      if (agent.mode === 'no-task-role') return reply(res, 403, { error: { Arn: TASK_ARN, Code: 'AccessDeniedException', Message: 'Invalid Request: no task IAM role credentials available for task' } });
      if (agent.mode === 'standalone') return reply(res, 200, { failure: { Arn: TASK_ARN, Reason: 'TASK_NOT_VALID', Detail: 'The task is not part of a service' } });
      agent.protectedNow = body.ProtectionEnabled;
      const minutes = typeof body.ExpiresInMinutes === 'number' ? body.ExpiresInMinutes : 120;
      return reply(res, 200, { protection: { ProtectionEnabled: body.ProtectionEnabled, TaskArn: TASK_ARN, ...(body.ProtectionEnabled ? { ExpirationDate: new Date(Date.now() + minutes * 60_000).toISOString() } : {}) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  agent.uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/c0ffee`;
  agent.received = (count) => (agent.requests.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })));
  agent.close = () => new Promise((resolve) => server.close(() => resolve()));
  return agent;
}

let agent: Agent;
let protection: TaskProtection | undefined;
beforeEach(async () => {
  agent = await startAgent();
});
afterEach(async () => {
  await protection?.close();
  protection = undefined;
  await agent.close();
});

describe('putTaskProtection', () => {
  it('sends exactly the two fields the agent accepts and returns what it confirmed', async () => {
    const state = await putTaskProtection(agent.uri, true, 120);
    expect(agent.requests).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: 120 }]);
    expect(state).toMatchObject({ protected: true, taskArn: TASK_ARN });
    expect(Date.parse(state.expiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(await putTaskProtection(`${agent.uri}/`, false, 120)).toEqual({ protected: false, taskArn: TASK_ARN });
    expect(agent.requests[1]).toEqual({ ProtectionEnabled: false });
  });

  it('turns each refusal into an error with the agent’s reason', async () => {
    agent.mode = 'standalone';
    await expect(putTaskProtection(agent.uri, true, 120)).rejects.toThrow('ECS refused task protection: TASK_NOT_VALID (The task is not part of a service)');
    agent.mode = 'no-task-role';
    await expect(putTaskProtection(agent.uri, true, 120)).rejects.toThrow(/HTTP 403 AccessDeniedException\): Invalid Request: no task IAM role credentials/);
    await expect(putTaskProtection(agent.uri.replace('c0ffee', 'other'), true, 120)).rejects.toThrow(/HTTP 404 ResourceNotFoundException/);
    const closed = await startAgent();
    await closed.close();
    await expect(putTaskProtection(closed.uri, true, 120)).rejects.toBeInstanceOf(TaskProtectionError);
    await expect(putTaskProtection(closed.uri, true, 120)).rejects.toThrow(/ECS agent endpoint unreachable/);
  });
});

describe('TaskProtection (the worker’s onRoomsChanged)', () => {
  it('is protected once the first room’s call settles, stays so for more rooms, and is cleared at none', async () => {
    protection = new TaskProtection({ agentUri: agent.uri, logger: silentLogger() });
    await protection.onRoomsChanged(1);
    // What "before accepting a job" relies on: the agent has confirmed when the promise settles.
    expect(agent.protectedNow).toBe(true);
    expect(protection.state).toMatchObject({ protected: true, taskArn: TASK_ARN });
    expect(protection.renewing).toBe(true);
    await protection.onRoomsChanged(2);
    await protection.onRoomsChanged(1);
    expect(agent.requests).toHaveLength(1);
    await protection.onRoomsChanged(0);
    expect(agent.protectedNow).toBe(false);
    expect(agent.requests).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: 120 }, { ProtectionEnabled: false }]);
    expect(protection.renewing).toBe(false);
  });

  it('renews the protection while rooms last', async () => {
    protection = new TaskProtection({ agentUri: agent.uri, logger: silentLogger(), expiresInMinutes: 5, renewEveryMs: 20 });
    await protection.onRoomsChanged(1);
    await agent.received(4);
    expect(agent.requests.slice(0, 4)).toEqual(Array(4).fill({ ProtectionEnabled: true, ExpiresInMinutes: 5 }));
    await protection.onRoomsChanged(0);
    expect(agent.requests.at(-1)).toEqual({ ProtectionEnabled: false });
    expect(protection.renewing).toBe(false);
  });

  it('collapses quick changes into requests for the newest state', async () => {
    protection = new TaskProtection({ agentUri: agent.uri, logger: silentLogger() });
    const first = protection.onRoomsChanged(1);
    void protection.onRoomsChanged(0);
    const last = protection.onRoomsChanged(1);
    await Promise.all([first, last]);
    expect(agent.protectedNow).toBe(true);
    expect(agent.requests.length).toBeLessThanOrEqual(3);
    expect(agent.requests.at(-1)).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 120 });
  });

  it('never throws to the worker: a refusal is logged, kept in state and retried until it succeeds', async () => {
    agent.mode = 'no-task-role';
    const { logger, lines } = capturingLogger();
    protection = new TaskProtection({ agentUri: agent.uri, logger, retryAfterMs: 10 });
    await expect(protection.onRoomsChanged(1)).resolves.toBeUndefined();
    expect(protection.state.error).toMatch(/no task IAM role credentials/);
    expect(lines.find((line) => line.msg === 'could not protect this task from scale-in; retrying')).toMatchObject({ level: 40, protect: true });
    await agent.received(2);
    expect(agent.protectedNow).toBe(false);
    agent.mode = 'ok';
    await agent.received(agent.requests.length + 1);
    expect(agent.protectedNow).toBe(true);
    // The answer reaches the client just after the agent recorded it.
    await expect.poll(() => protection?.state, { timeout: 10_000 }).toMatchObject({ protected: true });
    expect(protection.state.error).toBeUndefined();
  });

  it('refuses settings ECS cannot honour', () => {
    expect(() => new TaskProtection({ agentUri: agent.uri, logger: silentLogger(), expiresInMinutes: 0 })).toThrow(/1\.\.2880 whole minutes/);
    expect(() => new TaskProtection({ agentUri: agent.uri, logger: silentLogger(), expiresInMinutes: 2881 })).toThrow(/1\.\.2880/);
    expect(() => new TaskProtection({ agentUri: agent.uri, logger: silentLogger(), expiresInMinutes: 1, renewEveryMs: 60_000 })).toThrow(/renewed before it expires/);
    expect(() => new TaskProtection({ agentUri: '169.254.170.2', logger: silentLogger() })).toThrow(/ECS_AGENT_URI must be an http URL/);
  });

  it('exists only inside an ECS task (ECS_AGENT_URI set)', async () => {
    expect(taskProtectionFromEnv({}, silentLogger())).toBeUndefined();
    protection = taskProtectionFromEnv({ ECS_AGENT_URI: agent.uri }, silentLogger());
    expect(protection).toBeInstanceOf(TaskProtection);
    await protection?.onRoomsChanged(1);
    expect(agent.protectedNow).toBe(true);
  });

  it('after close, sends nothing more', async () => {
    protection = new TaskProtection({ agentUri: agent.uri, logger: silentLogger(), expiresInMinutes: 5, renewEveryMs: 10 });
    await protection.onRoomsChanged(1);
    await protection.close();
    expect(protection.renewing).toBe(false);
    const count = agent.requests.length;
    await protection.onRoomsChanged(0);
    expect(agent.requests).toHaveLength(count);
  });
});
