import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictException, DescribeTasksCommand, ECSClient, ECSServiceException, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { LaunchError } from '../../src/orchestrator/launcher.ts';
import { silentLogger } from './helpers.ts';

const ecs = mockClient(ECSClient);
const settings = {
  cluster: 'interpreter-cluster',
  taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/interpreter:3',
  containerName: 'agent',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
  assignPublicIp: true,
};
const request = { room: 'board-q3', roomSid: 'RM_abc123', profile: 'board-meeting', eventId: 'EV_xyz' };

function launcher() {
  return new EcsLauncher({ ...settings, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger(), retryBaseDelayMs: 1 });
}

beforeEach(() => {
  ecs.reset();
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
});

describe('EcsLauncher', () => {
  it('runs one Fargate task with the launch contract, startedBy = room sid and the event id as clientToken', async () => {
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
      clientToken: 'EV_xyz',
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

  it('retries throttling and capacity shortfalls with backoff, then succeeds', async () => {
    ecs
      .on(RunTaskCommand)
      .rejectsOnce(new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] })
      .resolves({ tasks: [{ taskArn: 'arn:task/2' }], failures: [] });
    expect((await launcher().launch(request)).status).toBe('launched');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(3);
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
