/**
 * EcsLauncher.stop and .running at the ECS client: which tasks they find (by sid, by room tag,
 * page by page, 100 per DescribeTasks), what they stop, and how a task reads as a running agent.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand, type DescribeTasksCommandInput, type ListTasksCommandInput } from '@aws-sdk/client-ecs';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { silentLogger } from './helpers.ts';

const ecs = mockClient(ECSClient);
const NOW = 1_700_000_000_000;
const launcher = () =>
  new EcsLauncher({ cluster: 'c1', taskDefinition: 'td:1', containerName: 'agent', subnets: ['s1'], securityGroups: [], assignPublicIp: false, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger() });
const tagged = (arn: string, room: string, sid: string) => ({ taskArn: arn, tags: [{ key: 'livekit:room', value: room }, { key: 'livekit:room-sid', value: sid }] });

beforeEach(() => {
  ecs.reset();
  ecs.on(StopTaskCommand).resolves({});
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EcsLauncher.stop', () => {
  it('stops the tasks of a sid with a reason naming the room, cut to 200 characters of its tag form', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/1', 'arn:task/2'] });
    const name = `board #${'x'.repeat(300)}`;
    expect(await launcher().stop({ name, sid: 'RM_1' })).toBe(2);
    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'c1', startedBy: 'RM_1', desiredStatus: 'RUNNING' }]);
    const reason = `LiveKit room board _${'x'.repeat(193)} finished`;
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'c1', task: 'arn:task/1', reason },
      { cluster: 'c1', task: 'arn:task/2', reason },
    ]);
  });

  it('stops nothing for a sid ECS cannot hold as startedBy, without asking ECS', async () => {
    expect(await launcher().stop({ name: 'board', sid: 'RM bad' })).toBe(0);
    expect(ecs.calls()).toHaveLength(0);
  });

  it('stops nothing when ListTasks returns no taskArns', async () => {
    ecs.on(ListTasksCommand).resolves({});
    expect(await launcher().stop({ name: 'board', sid: 'RM_1' })).toBe(0);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it('without a sid, stops only the agent tasks whose room tag is the tag form of the name', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/1', 'arn:task/2'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [tagged('arn:task/1', 'board _1', 'RM_1'), tagged('arn:task/2', 'other', 'RM_2')] });
    expect(await launcher().stop({ name: 'board #1' })).toBe(1);
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'c1', task: 'arn:task/1', reason: 'LiveKit room board _1 finished' }]);
  });
});

describe('EcsLauncher.running', () => {
  it('describes the listed tasks 100 at a time, page after page, with their tags', async () => {
    const first = Array.from({ length: 150 }, (_, i) => `arn:task/${i}`);
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => (input.nextToken === 'p2' ? { taskArns: ['arn:task/last'] } : { taskArns: first, nextToken: 'p2' }));
    ecs.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => ({ tasks: (input.tasks ?? []).map((arn) => tagged(arn, 'r', 'RM_x')) }));
    const agents = await launcher().running();
    expect(agents.map((a) => a.id)).toEqual([...first, 'arn:task/last']);
    expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'c1', desiredStatus: 'RUNNING', nextToken: undefined },
      { cluster: 'c1', desiredStatus: 'RUNNING', nextToken: 'p2' },
    ]);
    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'c1', tasks: first.slice(0, 100), include: ['TAGS'] },
      { cluster: 'c1', tasks: first.slice(100), include: ['TAGS'] },
      { cluster: 'c1', tasks: ['arn:task/last'], include: ['TAGS'] },
    ]);
  });

  it.each([
    ['an empty list', { taskArns: [] }],
    ['no taskArns at all', {}],
  ])('describes nothing for %s', async (_name, listed) => {
    ecs.on(ListTasksCommand).resolves(listed);
    expect(await launcher().running()).toEqual([]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it('keeps only tasks with a room-sid tag (the agents), whether they have other tags or none', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['a', 'b', 'c'] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: 'a' }, { taskArn: 'b', tags: [{ key: 'livekit:room', value: 'r' }] }, tagged('c', 'r', 'RM_c')] });
    expect((await launcher().running()).map((a) => a.id)).toEqual(['c']);
  });

  it('reads room and profile from the task environment first, then its tags, and the creation time', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['a'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'a',
          createdAt: new Date(NOW - 60_000),
          tags: [{ key: 'livekit:room', value: 'board tag' }, { key: 'livekit:room-sid', value: 'RM_a' }, { key: 'interpreter:profile', value: 'tag-profile' }],
          overrides: { containerOverrides: [{ name: 'agent', environment: [{ name: 'INTERPRETER_ROOM', value: 'board #env' }, { name: 'INTERPRETER_PROFILE', value: 'env-profile' }] }] },
        },
      ],
    });
    expect(await launcher().running()).toEqual([{ room: 'board #env', roomSid: 'RM_a', profile: 'env-profile', id: 'a', startedAt: NOW - 60_000 }]);
  });

  it('reads a task with only its sid tag, and empty or missing overrides, with empty defaults', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['a', 'b', 'c'] });
    const sidOnly = { tags: [{ key: 'livekit:room-sid', value: 'RM_a' }] };
    ecs.on(DescribeTasksCommand).resolves({ tasks: [sidOnly, { ...sidOnly, overrides: {} }, { ...sidOnly, overrides: { containerOverrides: [] } }] });
    const agent = { room: '', roomSid: 'RM_a', profile: '', id: 'unknown-task', startedAt: NOW };
    expect(await launcher().running()).toEqual([agent, agent, agent]);
  });
});
