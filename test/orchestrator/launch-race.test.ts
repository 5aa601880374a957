/**
 * Issue 24's race: one room launched at once through distinct webhook events and through
 * reconcile. Every path goes through `RoomLaunches` (one queue per sid, one ledger claim), and
 * the local launcher registers an agent in the same step as it checks for one: one process, and
 * none left alive after `close()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { EcsLauncher } from '../../src/orchestrator/ecs-launcher.ts';
import { fileURLToPath } from 'node:url';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { LocalProcessLauncher } from '../../src/orchestrator/local-launcher.ts';
import { RoomLaunches } from '../../src/orchestrator/launches.ts';
import { MemoryLedger } from '../../src/orchestrator/ledger.ts';
import { reconcile } from '../../src/orchestrator/reconcile.ts';
import { createWebhookHandler } from '../../src/orchestrator/webhook.ts';
import { API_KEY, API_SECRET, isAlive, signedEvent, silentLogger, testProfile } from './helpers.ts';

const fakeAgent = fileURLToPath(new URL('../fixtures/orchestrator/fake-agent.mjs', import.meta.url));
const profiles = [testProfile('board-meeting', ['board-*'])];
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

describe('launching one room through every path at once', () => {
  it('ten distinct room_started events and three reconcile passes make one process, and close() leaves none', async () => {
    const launcher = new LocalProcessLauncher({ logger: silentLogger(), command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run' } });
    const pids = new Set<number>();
    launcher.onExit((exit) => pids.add(Number(exit.agent.id)));
    // No relaunch delay: reconcile would relaunch at once if it did not see the webhook's launch.
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger(), relaunchAfterMs: 0 });
    cleanup.push(() => launcher.close());
    const handle = createWebhookHandler({ apiKey: API_KEY, apiSecret: API_SECRET, profiles, launches, logger: silentLogger() });
    const listRooms = async () => [{ name: 'board-race', sid: 'RM_race' }];

    const deliveries = await Promise.all(Array.from({ length: 10 }, (_, i) => signedEvent({ event: 'room_started', room: 'board-race', sid: 'RM_race', id: `EV_race_${i}` })));
    const passes = Array.from({ length: 3 }, () => reconcile({ profiles, launches, logger: silentLogger(), listRooms }));
    const responses = await Promise.all(deliveries.map((d) => handle(d)));
    const reports = await Promise.all(passes);
    await launches.settled();

    for (const pid of launcher.pids()) pids.add(pid);
    expect(launcher.pids()).toHaveLength(1);
    expect(pids.size).toBe(1);
    const launched = responses.filter((r) => 'action' in r.body && r.body.action === 'launched').length + reports.reduce((n, r) => n + r.launched.length, 0);
    expect(launched).toBe(1);

    await launcher.close();
    for (const pid of pids) expect(isAlive(pid), `agent ${pid} outlived close()`).toBe(false);
  });

  it('without the per-sid path, two direct launches of one sid still make one process', async () => {
    const launcher = new LocalProcessLauncher({ logger: silentLogger(), command: [process.execPath, fakeAgent], env: { FAKE_AGENT_MODE: 'run' } });
    cleanup.push(() => launcher.close());
    const [a, b] = await Promise.all([launcher.launch({ room: 'board-x', roomSid: 'RM_x', profile: 'p' }), launcher.launch({ room: 'board-x', roomSid: 'RM_x', profile: 'p' })]);
    expect([a.status, b.status].sort()).toEqual(['already-running', 'launched']);
    expect(launcher.pids()).toHaveLength(1);
    const [pid] = launcher.pids();
    await launcher.close();
    expect(isAlive(pid!)).toBe(false);
  });

  it('the dry-run launcher checks and registers in one step: concurrent launches of one sid make one agent', async () => {
    const launcher = new DryRunLauncher();
    const results = await Promise.all(Array.from({ length: 5 }, () => launcher.launch({ room: 'board-y', roomSid: 'RM_y', profile: 'p' })));
    expect(results.filter((r) => r.status === 'launched')).toHaveLength(1);
    expect(await launcher.running()).toHaveLength(1);
  });

  it('a room that finishes while its ECS task is being started gets that task stopped (the stop waits in the sid queue)', async () => {
    const ecs = mockClient(ECSClient);
    cleanup.push(async () => void ecs.restore());
    // ECS lists a task only once RunTask has returned it, as the real service does for a task it has not created yet.
    let taskRunning = false;
    let releaseRunTask: () => void = () => undefined;
    const runTaskHeld = new Promise<void>((resolve) => (releaseRunTask = resolve));
    ecs.on(ListTasksCommand).callsFake(async () => ({ taskArns: taskRunning ? ['arn:task/race'] : [] }));
    ecs.on(RunTaskCommand).callsFake(async () => {
      await runTaskHeld;
      taskRunning = true;
      return { tasks: [{ taskArn: 'arn:task/race' }], failures: [] };
    });
    ecs.on(StopTaskCommand).callsFake(async () => {
      taskRunning = false;
      return {};
    });
    const launcher = new EcsLauncher({ cluster: 'c', taskDefinition: 'td', containerName: 'agent', subnets: ['s'], securityGroups: ['g'], assignPublicIp: false, client: new ECSClient({ region: 'eu-west-1' }), logger: silentLogger() });
    const launches = new RoomLaunches({ launcher, ledger: new MemoryLedger(), logger: silentLogger() });
    const started = await launches.start({ room: 'board-ecs', roomSid: 'RM_ecs_race', profile: 'board-meeting' });
    expect(started.status).toBe('claimed');
    while (ecs.commandCalls(RunTaskCommand).length === 0) await new Promise((r) => setImmediate(r));
    const finishing = launches.finish({ name: 'board-ecs', sid: 'RM_ecs_race' });
    // Let a stop that did not wait run its ListTasks now, while RunTask is still out.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    releaseRunTask();
    await finishing;
    await launches.settled();
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual(['arn:task/race']);
    expect(taskRunning).toBe(false);
  });
});
