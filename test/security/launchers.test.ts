/**
 * Attacks through the launchers, via the real webhook server: many sids for one room name
 * against a cap, room names that break argv or spawn, what ECS restricts. Local agents are real
 * child processes (a stand-in agent program); ECS is mocked at its SDK client.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { LocalProcessLauncher } from '../../src/orchestrator/local-launcher.ts';
import { capturingLogger, isAlive, signedEvent, silentLogger, testProfile } from '../orchestrator/helpers.ts';
import { post, startTarget, stopTargets, until } from './harness.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
afterEach(stopTargets);

describe('the local launcher behind the webhook', () => {
  it('six room_started for one name with new sids under a cap of three: one agent at a time, none left after close()', async () => {
    const { logger, lines } = capturingLogger();
    const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run' }, maxAgents: 3 });
    const target = await startTarget({ launcher });
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const signed = await signedEvent({ event: 'room_started', room: 'board-six', sid: `RM_six${i}` });
      expect((await post(target, signed.body, { authorization: signed.authorization })).status).toBe(202);
      await target.service.launches.settled();
      for (const pid of launcher.pids()) pids.add(pid);
      expect(launcher.pids()).toHaveLength(1);
    }
    expect(pids.size).toBe(6);
    expect((await launcher.running()).map((a) => a.roomSid)).toEqual(['RM_six5']);
    expect(lines.filter((l) => l.level === 50)).toEqual([]);
    await target.service.close();
    for (const pid of pids) expect(isAlive(pid), `agent ${pid} outlived close()`).toBe(false);
  });

  it.each([
    ['a NUL', 'board-\u0000-rm -rf'],
    ['a leading dash', '-board --profile evil'],
    ['a newline', 'board\nINTERPRETER_PROFILE=evil'],
  ])('a room name with %s reaches the agent intact', async (_name, room) => {
    const { logger, lines } = capturingLogger();
    const launcher = new LocalProcessLauncher({ logger, command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run' } });
    // A profile for every room name, newlines and NULs included.
    const target = await startTarget({ launcher, profiles: [testProfile('board-meeting', ['/^[\\s\\S]*$/'])] });
    const signed = await signedEvent({ event: 'room_started', room, sid: 'RM_odd' });
    const response = await post(target, signed.body, { authorization: signed.authorization });
    expect(response.status).toBe(202);
    await until(() => lines.some((l) => String(l.msg).startsWith('fake agent')), 'the agent line');
    expect(lines.find((l) => String(l.msg).startsWith('fake agent'))?.msg).toBe(`fake agent agent room=${JSON.stringify(room)} sid=RM_odd profile=board-meeting`);
  });
});

describe('the ECS launcher behind the webhook', () => {
  const ecs = mockClient(ECSClient);
  beforeEach(() => {
    ecs.reset();
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] });
  });
  const ecsLauncher = () =>
    new EcsLauncher({ cluster: 'c', taskDefinition: 'td', containerName: 'agent', subnets: ['s'], securityGroups: [], assignPublicIp: false, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger() });

  it.each([
    ['a 10 KB room name (overrides over 8192 bytes)', { room: `board-${'x'.repeat(10_000)}`, sid: 'RM_long' }, /overrides \d+ bytes; ECS allows 8192/],
    ['a sid ECS refuses as startedBy', { room: 'board-e', sid: 'RM_with space' }, /cannot be an ECS startedBy/],
  ])('refuses %s with a clear 422 before any ECS call', async (_name, input, message) => {
    const target = await startTarget({ launcher: ecsLauncher() });
    const signed = await signedEvent({ event: 'room_started', ...input });
    const response = await post(target, signed.body, { authorization: signed.authorization });
    expect(response).toEqual({ status: 422, body: expect.objectContaining({ error: expect.stringMatching(message) }) });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('sends a room name that startedBy and tags cannot hold through the task environment', async () => {
    const target = await startTarget({ launcher: ecsLauncher() });
    const room = 'board-#1 «Vorstand» / Q3 ✓';
    const signed = await signedEvent({ event: 'room_started', room, sid: 'RM_tags' });
    expect((await post(target, signed.body, { authorization: signed.authorization })).status).toBe(202);
    await target.service.launches.settled();
    const input = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input.startedBy).toBe('RM_tags');
    expect(input.overrides?.containerOverrides?.[0]?.environment).toContainEqual({ name: 'INTERPRETER_ROOM', value: room });
    expect(input.tags?.find((t) => t.key === 'livekit:room')?.value).toMatch(/^[\p{L}\p{N} _.:/=+\-@]*$/u);
  });
});
