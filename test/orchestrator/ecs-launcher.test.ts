import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictException, DescribeTasksCommand, ECSClient, ECSServiceException, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { createServer } from 'node:http';
import { EcsLauncher, createEcsClient } from '../../src/orchestrator/ecs-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { capturingLogger, silentLogger } from './helpers.ts';

const ecs = mockClient(ECSClient);
const settings = {
  cluster: 'interpreter-cluster',
  taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/interpreter:3',
  containerName: 'agent',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
  assignPublicIp: true,
};
const request = { room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', launchId: 'RM_abc123-g1' };

function launcher(options: Partial<ConstructorParameters<typeof EcsLauncher>[0]> = {}) {
  return new EcsLauncher({ ...settings, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger(), retryBaseDelayMs: 1, ...options });
}

beforeEach(() => {
  ecs.reset();
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
});

describe('EcsLauncher', () => {
  it('runs one Fargate task with the launch contract, startedBy = room sid and the launch id as clientToken', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] });
    const result = await launcher().launch(request);
    expect(result).toMatchObject({ status: 'launched', agent: { id: 'arn:task/1', room: 'board-q3' } });
    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({ cluster: 'interpreter-cluster', startedBy: 'RM_abc123', desiredStatus: 'RUNNING' });
    expect(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input).toEqual({
      cluster: 'interpreter-cluster',
      taskDefinition: settings.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'RM_abc123',
      clientToken: 'RM_abc123-g1',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'], assignPublicIp: 'ENABLED' } },
      overrides: {
        containerOverrides: [
          {
            name: 'agent',
            environment: [
              { name: 'INTERPRETER_ROOM', value: 'board-q3' },
              { name: 'INTERPRETER_ROOM_SID', value: 'RM_abc123' },
              { name: 'INTERPRETER_PROFILE', value: 'board-meeting' },
            ],
          },
        ],
      },
      tags: [
        { key: 'livekit:room', value: 'board-q3' },
        { key: 'livekit:room-sid', value: 'RM_abc123' },
        { key: 'interpreter:profile', value: 'board-meeting' },
      ],
      enableECSManagedTags: true,
    });
  });

  it('does not run a second task when one already runs for the room sid', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/running'] });
    const result = await launcher().launch(request);
    expect(result.status).toBe('already-running');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('runs one task for concurrent launches of one sid, though ListTasks shows none until RunTask returns', async () => {
    // No launch id, so no clientToken: only the launcher's own check-and-register can keep it to one.
    ecs.on(RunTaskCommand).callsFake(async () => ({ tasks: [{ taskArn: `arn:task/${ecs.commandCalls(RunTaskCommand).length}` }], failures: [] }));
    const ecsLauncher = launcher();
    const { launchId: _unused, ...withoutId } = request;
    const results = await Promise.all(Array.from({ length: 5 }, () => ecsLauncher.launch(withoutId)));
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(results.map((r) => r.status).sort()).toEqual(['already-running', 'already-running', 'already-running', 'already-running', 'launched']);
    expect(new Set(results.map((r) => r.agent?.id))).toEqual(new Set(['arn:task/1']));
    // Once the first has settled, a later launch checks ECS again (here: still no task listed, so it runs one).
    await ecsLauncher.launch(withoutId);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(2);
  });

  it('treats ConflictException (clientToken already used) as already launched', async () => {
    ecs.on(RunTaskCommand).rejects(new ConflictException({ message: 'clientToken in use', $metadata: {}, resourceIds: ['arn:task/1'] }));
    expect((await launcher().launch(request)).status).toBe('already-running');
  });

  it('fails with 503 when RunTask reports failures[] even though the call succeeded', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING', detail: 'task definition inactive' }] });
    const error = await launcher().launch(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect(error).toMatchObject({ status: 503, message: expect.stringContaining('task definition inactive') });
  });

  it('retries throttling with the same clientToken and a capacity shortfall with a fresh one, then succeeds', async () => {
    ecs
      .on(RunTaskCommand)
      .rejectsOnce(new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] })
      .resolves({ tasks: [{ taskArn: 'arn:task/2' }], failures: [] });
    expect((await launcher().launch(request)).status).toBe('launched');
    // The throttled request may have started a task: same token. The capacity failure started none: a new one.
    expect(ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken)).toEqual(['RM_abc123-g1', 'RM_abc123-g1', 'RM_abc123-g1-c1']);
  });

  it('starts no retry after its time budget', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:CPU' }] });
    await expect(launcher({ launchBudgetMs: 0, maxAttempts: 10 }).launch(request)).rejects.toMatchObject({ status: 503 });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('counts the running agent tasks before RunTask and refuses past the cap with a clear log', async () => {
    ecs.on(ListTasksCommand).callsFake((input: { startedBy?: string }) => ({ taskArns: input.startedBy ? [] : ['arn:task/a', 'arn:task/b'] }));
    const { logger, lines } = capturingLogger();
    await expect(launcher({ maxAgents: 2, logger }).launch(request)).rejects.toMatchObject({ name: 'LaunchError', status: 503, message: expect.stringContaining('cap of 2') });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(lines.some((l) => l.level === 50 && String(l.msg).startsWith('agent cap reached: 2 agent tasks run'))).toBe(true);
  });

  it.each([
    ['a sid with characters startedBy refuses', { ...request, roomSid: 'RM_a b/c' }, /cannot be an ECS startedBy/],
    ['a sid over 36 characters', { ...request, roomSid: `RM_${'a'.repeat(40)}` }, /cannot be an ECS startedBy/],
    ['a 10 KB room name (overrides over 8192 bytes)', { ...request, room: 'x'.repeat(10_000) }, /overrides \d+ bytes; ECS allows 8192/],
  ])('refuses %s before calling ECS', async (_name, refused, message) => {
    const ecsLauncher = launcher();
    expect(ecsLauncher.refuses(refused)).toMatch(message);
    await expect(ecsLauncher.launch(refused)).rejects.toMatchObject({ status: 422 });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('passes a room name with a NUL intact (base64 in the environment) and keeps tag values within ECS rules', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/odd' }], failures: [] });
    const room = `board\u0000${'é'.repeat(300)}#!`;
    await launcher().launch({ ...request, room });
    const input = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input;
    const environment = input.overrides?.containerOverrides?.[0]?.environment ?? [];
    expect(environment).toContainEqual({ name: 'INTERPRETER_ROOM_B64', value: Buffer.from(room).toString('base64') });
    expect(environment.map((e) => e.name)).not.toContain('INTERPRETER_ROOM');
    const tag = input.tags?.find((t) => t.key === 'livekit:room')?.value ?? '';
    expect(Array.from(tag)).toHaveLength(256);
    expect(tag).toMatch(/^[\p{L}\p{N} _.:/=+\-@]*$/u);
  });

  it('is the only retry layer: the ECS client it builds makes one HTTP request per attempt', async () => {
    // A stand-in for the ECS endpoint: ListTasks finds nothing, RunTask is always throttled.
    let runTasks = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (String(req.headers['x-amz-target']).endsWith('.ListTasks')) {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ taskArns: [] }));
          return;
        }
        runTasks++;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    ecs.restore();
    try {
      const client = createEcsClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });
      const real = new EcsLauncher({ ...settings, client, logger: silentLogger(), retryBaseDelayMs: 1, maxAttempts: 4 });
      await expect(real.launch(request)).rejects.toMatchObject({ name: 'LaunchError', status: 503 });
      // Four attempts of the launcher, one request each (the SDK's default would make it 12).
      expect(runTasks).toBe(4);
    } finally {
      server.close();
      ecs.restore();
    }
  });

  it('turns a non-retryable ECS error into a 502 LaunchError that names the room', async () => {
    ecs.on(RunTaskCommand).rejects(new Error('AccessDeniedException: not authorized to perform ecs:RunTask'));
    await expect(launcher().launch(request)).rejects.toMatchObject({ name: 'LaunchError', status: 502, message: expect.stringContaining('board-q3') });
  });

  it('stops the room task by sid, and lists running agents from task tags', async () => {
    ecs.on(ListTasksCommand, { cluster: 'interpreter-cluster', startedBy: 'RM_abc123', desiredStatus: 'RUNNING' }).resolves({ taskArns: ['arn:task/1'] });
    ecs.on(StopTaskCommand).resolves({});
    expect(await launcher().stop({ name: 'board-q3', sid: 'RM_abc123' })).toBe(1);
    expect(ecs.commandCalls(StopTaskCommand)[0]?.args[0].input).toMatchObject({ cluster: 'interpreter-cluster', task: 'arn:task/1' });

    ecs.on(ListTasksCommand, { cluster: 'interpreter-cluster', desiredStatus: 'RUNNING' }).resolves({ taskArns: ['arn:task/1'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [{ taskArn: 'arn:task/1', tags: [{ key: 'livekit:room', value: 'board-q3' }, { key: 'livekit:room-sid', value: 'RM_abc123' }, { key: 'interpreter:profile', value: 'board-meeting' }] }],
    });
    expect(await launcher().running()).toEqual([expect.objectContaining({ room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', id: 'arn:task/1' })]);
  });
});
