/**
 * EcsLauncher.launch at its ECS client: the exact requests, what it answers for each RunTask
 * outcome, when and how soon it retries (fake clock), and what it logs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictException, ECSClient, ECSServiceException, ListTasksCommand, RunTaskCommand, type ListTasksCommandInput } from '@aws-sdk/client-ecs';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { capturingLogger, silentLogger } from './helpers.ts';

const ecs = mockClient(ECSClient);
const settings = { cluster: 'c1', taskDefinition: 'td:1', containerName: 'agent', subnets: ['s1'], securityGroups: ['g1'], assignPublicIp: false };
const request = { room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', launchId: 'RM_abc123-g1' };
const NOW = 1_700_000_000_000;

function launcher(options: Partial<ConstructorParameters<typeof EcsLauncher>[0]> = {}) {
  return new EcsLauncher({ ...settings, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger(), retryBaseDelayMs: 100, ...options });
}
/** Log lines without the fields that vary by host and time. */
function logged(lines: Record<string, unknown>[]) {
  return lines.map(({ time: _time, pid: _pid, hostname: _hostname, ...rest }) => rest);
}
async function failure(promise: Promise<unknown>): Promise<LaunchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LaunchError)) throw new Error(`expected a LaunchError, got ${String(error)}`);
  return error;
}

beforeEach(() => {
  ecs.reset();
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
  vi.setSystemTime(NOW);
  vi.spyOn(Math, 'random').mockReturnValue(0.25);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('EcsLauncher refusals', () => {
  it('names the launch-contract problem first, in the 422 it throws too', async () => {
    const empty = { ...request, room: '' };
    expect(launcher().refuses(empty)).toBe('room name is empty');
    const error = await failure(launcher().launch(empty));
    expect([error.status, error.message]).toEqual([422, 'cannot launch an agent for this room: room name is empty']);
  });

  it('quotes at most 64 characters of a sid ECS cannot take', () => {
    const sid = `RM_${'a'.repeat(100)}`;
    expect(launcher().refuses({ ...request, roomSid: sid })).toBe(`room sid ${JSON.stringify(sid.slice(0, 64))} cannot be an ECS startedBy (up to 36 letters, digits, - and _)`);
  });

  it('takes overrides of exactly 8192 bytes and refuses one byte more', () => {
    const probe = launcher().refuses({ ...request, room: 'x'.repeat(10_000) }) ?? '';
    const size = Number(/overrides (\d+) bytes/.exec(probe)?.[1]);
    const fits = 'x'.repeat(10_000 - (size - 8192));
    expect(launcher().refuses({ ...request, room: fits })).toBeUndefined();
    expect(launcher().refuses({ ...request, room: `${fits}x` })).toBe('the room name makes the ECS task overrides 8193 bytes; ECS allows 8192');
  });
});

describe('EcsLauncher before RunTask', () => {
  it('joins a task that runs for the sid, without counting the cluster', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/running'] });
    expect(await launcher().launch(request)).toEqual({
      status: 'already-running',
      agent: { room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', id: 'arn:task/running', startedAt: NOW },
    });
    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'c1', startedBy: 'RM_abc123', desiredStatus: 'RUNNING' }]);
  });

  it('counts running tasks page by page, and refuses at the cap with a log line that names the room', async () => {
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => {
      if (input.startedBy) return { taskArns: [] };
      return input.nextToken === 'p2' ? { taskArns: ['arn:task/b'] } : { taskArns: ['arn:task/a'], nextToken: 'p2' };
    });
    const { logger, lines } = capturingLogger();
    const error = await failure(launcher({ maxAgents: 2, logger }).launch(request));
    expect([error.status, error.message]).toEqual([503, 'the agent cap of 2 running tasks is reached; room board-q3 must wait']);
    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'c1', startedBy: 'RM_abc123', desiredStatus: 'RUNNING' },
      { cluster: 'c1', desiredStatus: 'RUNNING', nextToken: undefined },
      { cluster: 'c1', desiredStatus: 'RUNNING', nextToken: 'p2' },
    ]);
    expect(logged(lines)).toEqual([
      { level: 50, room: 'board-q3', sid: 'RM_abc123', running: 2, maxAgents: 2, msg: 'agent cap reached: 2 agent tasks run (maxAgents 2); room board-q3 gets none until one ends' },
    ]);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('stops counting once the cap is reached', async () => {
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => (input.startedBy ? { taskArns: [] } : { taskArns: ['arn:task/a', 'arn:task/b'], nextToken: 'more' }));
    await expect(launcher({ maxAgents: 2 }).launch(request)).rejects.toMatchObject({ status: 503 });
    expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(2);
  });

  it('counts a page without taskArns as none', async () => {
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => (input.startedBy ? { taskArns: [] } : {}));
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
    expect(await launcher({ maxAgents: 1 }).launch(request)).toMatchObject({ status: 'launched' });
  });

  it.each([
    ['a plain error', new Error('boom'), 502, 'boom'],
    ['an error the SDK marks retryable', Object.assign(new Error('reset'), { $retryable: {} }), 503, 'reset'],
    ['HTTP 429', Object.assign(new Error('slow down'), { $metadata: { httpStatusCode: 429 } }), 503, 'slow down'],
    ['HTTP 500', Object.assign(new Error('internal'), { $metadata: { httpStatusCode: 500 } }), 503, 'internal'],
    ['HTTP 400', Object.assign(new Error('bad'), { $metadata: { httpStatusCode: 400 } }), 502, 'bad'],
    ['a thrown string', 'down', 502, 'down'],
    ['a thrown null', null, 502, 'null'],
    ['a thrown undefined', undefined, 502, 'undefined'],
  ])('fails a ListTasks that throws %s with the right status and the cause', async (_name, thrown, status, text) => {
    ecs.on(ListTasksCommand).callsFake(() => Promise.reject(thrown));
    const error = await failure(launcher().launch(request));
    expect([error.status, error.message, error.cause]).toEqual([status, `ECS could not list tasks for room board-q3: ${text}`, thrown]);
  });
});

describe('EcsLauncher RunTask', () => {
  it('sends DISABLED public IP, safe tag values and a printable clientToken of at most 64 characters', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
    const launchId = `RM_abc123 g1\u00e9${'x'.repeat(80)}`;
    await launcher().launch({ ...request, room: 'board #1', profile: 'p\u00e4!', launchId });
    const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
    expect(input?.networkConfiguration).toEqual({ awsvpcConfiguration: { subnets: ['s1'], securityGroups: ['g1'], assignPublicIp: 'DISABLED' } });
    expect(input?.tags).toEqual([
      { key: 'livekit:room', value: 'board _1' },
      { key: 'livekit:room-sid', value: 'RM_abc123' },
      { key: 'interpreter:profile', value: 'p\u00e4_' },
    ]);
    expect(input?.clientToken).toBe(`RM_abc123_g1_${'x'.repeat(51)}`);
  });

  it('launches when RunTask returns a task and no failures list', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1', createdAt: new Date(NOW - 5) }] });
    expect(await launcher().launch(request)).toEqual({ status: 'launched', agent: { room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', id: 'arn:task/1', startedAt: NOW - 5 } });
  });

  it('fails with 503 "no task returned" when RunTask returns neither tasks nor failures', async () => {
    ecs.on(RunTaskCommand).resolves({});
    const error = await failure(launcher().launch(request));
    expect([error.status, error.message]).toEqual([503, 'ECS could not run the agent for room board-q3: no task returned']);
  });

  it('lists every failure with its detail when there is one, and retries none that is not about capacity', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING', detail: 'task definition inactive' }, { reason: 'ATTRIBUTE' }, {}] });
    const error = await failure(launcher().launch(request));
    expect([error.status, error.message]).toEqual([503, 'ECS could not run the agent for room board-q3: MISSING (task definition inactive); ATTRIBUTE; unknown']);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('retries when any one failure is about capacity, after 75 then 150 ms (base 100, doubling, jitter 0.75), logging each', async () => {
    const times: number[] = [];
    ecs
      .on(RunTaskCommand)
      .callsFake(() => {
        times.push(Date.now() - NOW);
        return times.length < 3 ? { tasks: [], failures: [{ reason: 'MISSING' }, { reason: 'RESOURCE:MEMORY' }] } : { tasks: [{ taskArn: 'arn:task/3' }], failures: [] };
      });
    const { logger, lines } = capturingLogger();
    const launched = launcher({ logger }).launch(request);
    await vi.runAllTimersAsync();
    expect(await launched).toMatchObject({ status: 'launched', agent: { id: 'arn:task/3' } });
    expect(times).toEqual([0, 75, 225]);
    const warning = { level: 40, room: 'board-q3', sid: 'RM_abc123', reasons: 'MISSING; RESOURCE:MEMORY', msg: 'ECS capacity shortfall; retrying with a fresh clientToken' };
    expect(logged(lines)).toEqual([
      { ...warning, attempt: 1 },
      { ...warning, attempt: 2 },
    ]);
  });

  it('starts no retry whose delay would reach the end of its budget', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:CPU' }] });
    await expect(launcher({ launchBudgetMs: 100 }).launch(request)).rejects.toMatchObject({ status: 503 });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('retries throttling with a warning, and answers a used clientToken as already running with an info line', async () => {
    ecs
      .on(RunTaskCommand)
      .rejectsOnce(new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .rejects(new ConflictException({ message: 'clientToken in use', $metadata: {}, resourceIds: [] }));
    const { logger, lines } = capturingLogger();
    const launched = launcher({ logger }).launch(request);
    await vi.runAllTimersAsync();
    expect(await launched).toEqual({ status: 'already-running' });
    expect(logged(lines)).toEqual([
      { level: 40, room: 'board-q3', sid: 'RM_abc123', attempt: 1, err: 'ThrottlingException: Rate exceeded', msg: 'ECS throttled or unavailable; retrying' },
      { level: 30, room: 'board-q3', sid: 'RM_abc123', msg: 'RunTask clientToken already used; agent already launched' },
    ]);
  });

  it('fails a non-retryable RunTask error with 502, its cause, and an error line', async () => {
    const denied = new Error('AccessDenied');
    ecs.on(RunTaskCommand).rejects(denied);
    const { logger, lines } = capturingLogger();
    const error = await failure(launcher({ logger }).launch(request));
    expect([error.status, error.message, error.cause]).toEqual([502, 'RunTask failed for room board-q3: AccessDenied', denied]);
    expect(logged(lines)).toEqual([{ level: 50, room: 'board-q3', sid: 'RM_abc123', err: 'Error: AccessDenied', msg: 'RunTask failed' }]);
  });
});
