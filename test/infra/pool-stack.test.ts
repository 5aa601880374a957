/**
 * The stack with `launch: dispatch` (the default in cdk.json): an ECS Service of interpreter
 * workers with no desired count in the template (the handlers own it), the handlers allowed to
 * read and resize exactly that service and nothing of RunTask, task protection on the worker's
 * task role only, the pool settings passed through, cdk-nag clean.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import { PoolEnv } from '../../src/orchestrator/pool-sizing.ts';
import { RELAUNCHED_MESSAGE } from '../../src/orchestrator/reconcile.ts';
import { cdkJsonContext, getAtt, projectRoot, ref, synthesize, type Synthesized } from './synth.ts';

type Json = Record<string, unknown>;

let pool: Synthesized;
beforeAll(() => {
  // No context beyond cdk.json: what `npx cdk deploy` builds from a fresh clone.
  pool = synthesize({ roomsPerWorker: 3, maxWorkers: 8 });
}, 180_000);
afterAll(() => pool?.cleanup());

const resourcesOf = (type: string) => pool.template.findResources(type) as Record<string, Json>;
const properties = (resource: Json | undefined) => (resource?.Properties ?? {}) as Json;
function statementsOfRole(roleLogicalId: string): unknown[] {
  return Object.values(resourcesOf('AWS::IAM::Policy'))
    .filter((policy) => (properties(policy).Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((policy) => (properties(policy).PolicyDocument as { Statement: unknown[] }).Statement);
}

describe('cdk.json', () => {
  it('chooses the warm pool and states its settings', () => {
    expect(cdkJsonContext()).toMatchObject({ launch: 'dispatch', minWorkers: 1, maxWorkers: 10, roomsPerWorker: 3, bufferRooms: 3, scaleInIdleMinutes: 15 });
  });
});

describe('the worker pool', () => {
  it('is one Fargate service of the worker task, rolling new workers in before old ones go, with no desired count', () => {
    const { stack, template } = pool;
    template.resourceCountIs('AWS::ECS::Service', 1);
    const service = properties(Object.values(resourcesOf('AWS::ECS::Service'))[0]);
    expect(service).toMatchObject({
      Cluster: ref(stack, stack.task.cluster),
      TaskDefinition: ref(stack, stack.task.taskDefinition),
      LaunchType: 'FARGATE',
      DeploymentConfiguration: { MinimumHealthyPercent: 100, MaximumPercent: 200, DeploymentCircuitBreaker: { Enable: true, Rollback: true } },
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED', SecurityGroups: [getAtt(stack, stack.network.securityGroup, 'GroupId')] } },
    });
    // Absent, CloudFormation keeps the count the handlers set across deploys.
    expect(service.DesiredCount).toBeUndefined();
    template.hasOutput('WorkerServiceName', { Value: getAtt(stack, stack.pool!.service, 'Name') });
  });

  it('runs `interpreter worker` with the framework health port and the rooms per worker, health-checked on that port', () => {
    pool.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'worker',
          EntryPoint: ['node', 'bin/interpreter.js', 'worker'],
          Command: ['--health-port', '8081', '--max-rooms', '3', '--drain-seconds', '90'],
          StopTimeout: 120,
          HealthCheck: Match.objectLike({ Command: ['CMD', 'node', '-e', Match.stringLikeRegexp("fetch\\('http://127\\.0\\.0\\.1:8081/'\\)")], StartPeriod: 60 }),
          Environment: [
            { Name: AgentEnv.livekitUrl, Value: { Ref: 'LiveKitUrl' } },
            { Name: AgentEnv.profilesPath, Value: '/app/profiles.json' },
          ],
          LogConfiguration: Match.objectLike({ Options: Match.objectLike({ 'awslogs-stream-prefix': 'worker' }) }),
        }),
      ],
    });
  });

  it('has a health check that passes only while the framework answers 200 on its port', async () => {
    const definition = properties(Object.values(resourcesOf('AWS::ECS::TaskDefinition'))[0]);
    const check = ((definition.ContainerDefinitions as Json[])[0]!.HealthCheck as { Command: string[] }).Command;
    expect(check.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    let status = 200;
    // As the agents framework's HTTP server: on 0.0.0.0, `/` answers 200 while registered, 503 otherwise.
    const server = createServer((req, res) => res.writeHead(req.url === '/' ? status : 404).end(status === 200 ? 'OK' : 'worker is not connected'));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as AddressInfo).port;
    // Same script, on this test's free port instead of 8081 (run asynchronously: the server is in this process).
    const run = () =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', check[3]!.replace(':8081/', `:${port}/`)], { stdio: 'ignore' });
        child.on('error', reject);
        child.on('exit', (code) => resolve(code));
      });
    try {
      expect(check[3]).toContain(':8081/');
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // Nothing listening (the worker has not started its server, or died).
    expect(await run()).toBe(1);
  });

  it('lets the worker task set its own scale-in protection and nothing else', () => {
    const { stack } = pool;
    const taskRole = stack.task.taskDefinition.taskRole;
    expect(statementsOfRole(ref(stack, taskRole).Ref)).toEqual([
      {
        Action: 'ecs:UpdateTaskProtection',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/', ref(stack, stack.task.cluster), '/*']] },
      },
    ]);
    // No one else may change task protection.
    const others = Object.values(resourcesOf('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy).includes('TaskProtection'));
    expect(others).toHaveLength(1);
  });
});

describe('the handlers in dispatch mode', () => {
  it('get the pool settings and the dispatch launcher, not the RunTask settings', () => {
    const { stack } = pool;
    const functions = resourcesOf('AWS::Lambda::Function');
    for (const fn of [stack.webhook.function, stack.reconcile.function]) {
      const variables = (properties(functions[ref(stack, fn).Ref]).Environment as { Variables: Json }).Variables;
      expect(variables).toMatchObject({
        [OrchestratorEnv.launcher]: 'dispatch',
        [PoolEnv.cluster]: ref(stack, stack.task.cluster),
        [PoolEnv.service]: ref(stack, stack.pool!.service),
        [PoolEnv.minTasks]: '1',
        [PoolEnv.maxTasks]: '8',
        [PoolEnv.roomsPerTask]: '3',
        [PoolEnv.bufferRooms]: '3',
        [PoolEnv.scaleInIdleMinutes]: '15',
        [OrchestratorEnv.ledgerTable]: ref(stack, stack.ledger.table),
      });
      for (const name of [OrchestratorEnv.taskDefinition, OrchestratorEnv.subnets, OrchestratorEnv.containerName]) expect(variables).not.toHaveProperty(name);
    }
  });

  it('may read and resize exactly the worker service, and may not run, stop or list tasks', () => {
    const { stack } = pool;
    for (const fn of [stack.webhook.function, stack.reconcile.function]) {
      const statements = statementsOfRole(ref(stack, fn.role!).Ref);
      expect(statements).toContainEqual({ Action: ['ecs:DescribeServices', 'ecs:UpdateService'], Effect: 'Allow', Resource: ref(stack, stack.pool!.service) });
      const actions = statements.flatMap((s) => [(s as { Action: string | string[] }).Action].flat());
      for (const action of ['ecs:RunTask', 'ecs:StopTask', 'ecs:ListTasks', 'iam:PassRole', 'ecs:UpdateTaskProtection']) expect(actions).not.toContain(action);
      expect(actions.filter((a) => a.startsWith('ecs:')).sort()).toEqual(['ecs:DescribeServices', 'ecs:UpdateService']);
    }
  });
});

describe('the scaling alarm', () => {
  it('counts the handlers’ "worker pool could not be …" lines in both log groups and alarms on one in 5 minutes', () => {
    const { stack, template } = pool;
    const filters = Object.values(resourcesOf('AWS::Logs::MetricFilter')).map(properties).filter((f) => JSON.stringify(f).includes('PoolScalingFailures'));
    expect(filters.map((f) => f.LogGroupName)).toEqual([ref(stack, stack.webhook.logGroup), ref(stack, stack.reconcile.logGroup)]);
    for (const filter of filters) {
      expect(filter).toMatchObject({
        FilterPattern: '{ $.msg = "worker pool could not be *" }',
        MetricTransformations: [{ MetricNamespace: 'LkInterpreter', MetricName: 'PoolScalingFailures', MetricValue: '1', DefaultValue: 0 }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LkInterpreter',
      MetricName: 'PoolScalingFailures',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasOutput('PoolScalingAlarmName', { Value: ref(stack, stack.poolAlarm!) });
  });

  it('matches the messages the handlers log', () => {
    const source = readFileSync(join(projectRoot, 'src/orchestrator/lambda.ts'), 'utf8');
    const messages = [...source.matchAll(/'(worker pool could not be [^']+)'/g)].map((m) => m[1]);
    expect(messages).toHaveLength(2);
  });
});

describe('the relaunch alarm', () => {
  it('counts reconcile\'s one line per relaunched room, by its exact message, and alarms on one in 5 minutes', () => {
    const { stack, template } = pool;
    const filters = Object.values(resourcesOf('AWS::Logs::MetricFilter')).map(properties).filter((f) => JSON.stringify(f).includes('RelaunchedRooms'));
    expect(filters).toEqual([
      expect.objectContaining({
        LogGroupName: ref(stack, stack.reconcile.logGroup),
        FilterPattern: `{ $.msg = "${RELAUNCHED_MESSAGE}" }`,
        MetricTransformations: [{ MetricNamespace: 'LkInterpreter', MetricName: 'RelaunchedRooms', MetricValue: '1', DefaultValue: 0 }],
      }),
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'LkInterpreter',
      MetricName: 'RelaunchedRooms',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasOutput('RelaunchAlarmName', { Value: ref(stack, stack.reconcile.relaunchAlarm) });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(pool.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('with launch: task', () => {
  it('has no service and no task-protection permission (the per-room stack of stack.test.ts)', () => {
    const task = synthesize({ launch: 'task' });
    try {
      task.template.resourceCountIs('AWS::ECS::Service', 0);
      expect(JSON.stringify(task.template.toJSON())).not.toContain('TaskProtection');
      // Only reconcile's relaunch alarm: no pool, so no scaling alarm.
      task.template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
      task.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'RelaunchedRooms' });
      expect(task.stack.pool).toBeUndefined();
    } finally {
      task.cleanup();
    }
  }, 180_000);
});
