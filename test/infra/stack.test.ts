/**
 * The per-room stack (`launch: task`): resources, the exact IAM policies, secrets never in plain
 * env, cdk-nag clean, and the template's shape, the same snapshot as before the worker pool
 * existed (so `launch: task` is today's stack). One synth and one variant (private subnets,
 * imported secrets) shared by the whole file. The pool's stack: pool-stack.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import { getAtt, ref, synthesize, type Synthesized } from './synth.ts';

type Json = Record<string, unknown>;

let deployed: Synthesized;
beforeAll(() => {
  deployed = synthesize({ launch: 'task' });
  // Synth bundles two functions with esbuild: slow on a loaded 2-core machine.
}, 180_000);
afterAll(() => deployed?.cleanup());

function resourcesOf(type: string, synth = deployed): Record<string, Json> {
  return synth.template.findResources(type) as Record<string, Json>;
}

function properties(resource: Json | undefined): Json {
  return (resource?.Properties ?? {}) as Json;
}

function policyStatementsOfRole(roleLogicalId: string, synth = deployed): unknown[] {
  const policies = Object.values(resourcesOf('AWS::IAM::Policy', synth)).filter((policy) =>
    (properties(policy).Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
  );
  return policies.flatMap((policy) => (properties(policy).PolicyDocument as { Statement: unknown[] }).Statement);
}

function launcherStatements(synth: Synthesized): unknown[] {
  const { stack } = synth;
  const task = stack.task;
  const clusterArn = getAtt(stack, task.cluster, 'Arn');
  const tasksOfCluster = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':task/', ref(stack, task.cluster), '/*']],
  };
  return [
    { Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Effect: 'Allow', Resource: getAtt(stack, stack.ledger.table, 'Arn') },
    { Action: 'iam:PassRole', Condition: { StringLike: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } }, Effect: 'Allow', Resource: [getAtt(stack, task.taskDefinition.executionRole!, 'Arn'), getAtt(stack, task.taskDefinition.taskRole, 'Arn')] },
    { Action: 'ecs:RunTask', Effect: 'Allow', Resource: ref(stack, task.taskDefinition) },
    { Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Condition: { ArnEquals: { 'ecs:cluster': clusterArn } }, Effect: 'Allow', Resource: tasksOfCluster },
    { Action: 'ecs:ListTasks', Condition: { ArnEquals: { 'ecs:cluster': clusterArn } }, Effect: 'Allow', Resource: '*' },
    { Action: 'ecs:TagResource', Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } }, Effect: 'Allow', Resource: tasksOfCluster },
  ];
}

describe('the webhook endpoint and the reconcile schedule', () => {
  it('run the orchestrator entry on Node 24, ARM64, with reserved concurrency and the launch contract env', () => {
    const { stack } = deployed;
    const functions = resourcesOf('AWS::Lambda::Function');
    const webhook = properties(functions[ref(stack, deployed.stack.webhook.function).Ref]);
    const reconcile = properties(functions[ref(stack, deployed.stack.reconcile.function).Ref]);
    for (const fn of [webhook, reconcile]) {
      expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
    expect(webhook.Handler).toBe('index.handler');
    expect(webhook.ReservedConcurrentExecutions).toBe(5);
    expect(reconcile.Handler).toBe('index.reconcileHandler');
    expect(reconcile.ReservedConcurrentExecutions).toBe(1);

    const task = stack.task;
    const publicSubnets = stack.network.vpc.publicSubnets;
    expect(publicSubnets).toHaveLength(2);
    const expectedEnv = {
      [AgentEnv.livekitUrl]: { Ref: 'LiveKitUrl' },
      [OrchestratorEnv.livekitSecretArn]: ref(stack, stack.secrets.livekit),
      [AgentEnv.profilesPath]: '/var/task/profiles.json',
      [OrchestratorEnv.launcher]: 'task',
      [OrchestratorEnv.cluster]: ref(stack, task.cluster),
      [OrchestratorEnv.taskDefinition]: ref(stack, task.taskDefinition),
      [OrchestratorEnv.containerName]: 'agent',
      [OrchestratorEnv.subnets]: { 'Fn::Join': ['', [ref(stack, publicSubnets[0]!), ',', ref(stack, publicSubnets[1]!)]] },
      [OrchestratorEnv.securityGroups]: getAtt(stack, stack.network.securityGroup, 'GroupId'),
      [OrchestratorEnv.assignPublicIp]: 'ENABLED',
      [OrchestratorEnv.ledgerTable]: ref(stack, stack.ledger.table),
      [OrchestratorEnv.maxAgents]: '20',
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(webhook.Environment).toEqual({ Variables: expectedEnv });
    expect(reconcile.Environment).toEqual({ Variables: expectedEnv });
  });

  it('is reachable at a Function URL without AWS auth (LiveKit signs its webhooks), and is the stack output', () => {
    const { stack, template } = deployed;
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: getAtt(stack, stack.webhook.function, 'Arn') });
    template.hasOutput('WebhookUrl', { Value: getAtt(stack, stack.webhook.url, 'FunctionUrl') });
    template.hasOutput('ClusterName', { Value: ref(stack, stack.task.cluster) });
    template.hasOutput('TaskDefinitionArn', { Value: ref(stack, stack.task.taskDefinition) });
    template.hasOutput('TaskDefinitionFamily', { Value: Match.anyValue() });
  });

  it('reconciles every minute', () => {
    const { stack, template } = deployed;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: getAtt(stack, stack.reconcile.function, 'Arn') })],
    });
  });

  it('may run only this task definition, stop/list only this cluster\'s tasks, pass only its two roles, read only the LiveKit secret', () => {
    const { stack } = deployed;
    for (const fn of [stack.webhook.function, stack.reconcile.function]) {
      const logGroup = fn.node.scope!.node.findChild('Logs');
      expect(policyStatementsOfRole(ref(stack, fn.role!).Ref)).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(stack, logGroup, 'Arn') },
        { Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Effect: 'Allow', Resource: ref(stack, stack.secrets.livekit) },
        ...launcherStatements(deployed),
      ]);
      // No managed policy (such as AWSLambdaBasicExecutionRole) widens that.
      expect(properties(resourcesOf('AWS::IAM::Role')[ref(stack, fn.role!).Ref]).ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('the launch ledger', () => {
  it('is an on-demand DynamoDB table keyed by pk whose items expire by TTL, readable and writable only item by item', () => {
    const { stack, template } = deployed;
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Only the two orchestrator functions may touch it, and the agent task not at all.
    const grants = Object.values(resourcesOf('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(properties(policy).PolicyDocument).includes(logicalIdOf(stack)))
      .map((policy) => (properties(policy).Roles as { Ref: string }[]).map((r) => r.Ref))
      .flat()
      .sort();
    expect(grants).toEqual([ref(stack, stack.reconcile.function.role!).Ref, ref(stack, stack.webhook.function.role!).Ref].sort());
  });
});

function logicalIdOf(stack: Synthesized['stack']): string {
  return ref(stack, stack.ledger.table).Ref;
}

describe('the agent task', () => {
  it('is a Fargate task from the Dockerfile with secrets as ECS secrets, a drain timeout, health check and logs', () => {
    const { stack, template } = deployed;
    const secretField = (secret: CfnElement | object, field: string) => ({ 'Fn::Join': ['', [ref(stack, secret as never), `:${field}::`]] });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'agent',
          Environment: [
            { Name: AgentEnv.livekitUrl, Value: { Ref: 'LiveKitUrl' } },
            { Name: AgentEnv.profilesPath, Value: '/app/profiles.json' },
          ],
          Secrets: [
            { Name: AgentEnv.livekitApiKey, ValueFrom: secretField(stack.secrets.livekit, 'apiKey') },
            { Name: AgentEnv.livekitApiSecret, ValueFrom: secretField(stack.secrets.livekit, 'apiSecret') },
            { Name: AgentEnv.azureSpeechKey, ValueFrom: secretField(stack.secrets.azureSpeech, 'key') },
            { Name: AgentEnv.azureSpeechRegion, ValueFrom: secretField(stack.secrets.azureSpeech, 'region') },
          ],
          StopTimeout: 120,
          HealthCheck: Match.objectLike({ Command: ['CMD', 'node', '/app/bin/interpreter.js', 'health', '--max-age-seconds', '30'] }),
          LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-group': ref(stack, stack.task.logGroup) }) },
        }),
      ],
    });
  });

  it('gives the agent no AWS permissions and lets ECS read only its two secrets', () => {
    const { stack } = deployed;
    const taskRole = stack.task.taskDefinition.taskRole;
    expect(policyStatementsOfRole(ref(stack, taskRole).Ref)).toEqual([]);
    expect(properties(resourcesOf('AWS::IAM::Role')[ref(stack, taskRole).Ref]).ManagedPolicyArns).toBeUndefined();

    const executionRole = stack.task.taskDefinition.executionRole!;
    const statements = policyStatementsOfRole(ref(stack, executionRole).Ref);
    expect(statements).toContainEqual({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Effect: 'Allow',
      Resource: [ref(stack, stack.secrets.azureSpeech), ref(stack, stack.secrets.livekit)],
    });
    expect(statements).toContainEqual({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: getAtt(stack, stack.task.logGroup, 'Arn') });
    expect(statements).toContainEqual({ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' });
    expect(statements).toHaveLength(4); // + the pull from CDK's asset repository
  });

  it('runs in public subnets without NAT by default, reachable from nowhere', () => {
    const { template } = deployed;
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    const groups = Object.values(resourcesOf('AWS::EC2::SecurityGroup')).map(properties);
    const agentGroup = groups.find((g) => String(g.GroupDescription).startsWith('Interpreter agent'));
    expect(agentGroup?.SecurityGroupIngress).toBeUndefined();
  });
});

describe('secrets', () => {
  it('are created with generated placeholders in the documented JSON shape', () => {
    const secrets = Object.values(resourcesOf('AWS::SecretsManager::Secret')).map(properties);
    expect(secrets.map((s) => s.GenerateSecretString)).toEqual(
      expect.arrayContaining([
        { GenerateStringKey: 'key', SecretStringTemplate: '{"region":"REPLACE_ME"}' },
        { GenerateStringKey: 'apiSecret', SecretStringTemplate: '{"apiKey":"REPLACE_ME"}' },
      ]),
    );
    expect(secrets).toHaveLength(2);
  });

  it('never appear as plain environment values', () => {
    const functions = Object.values(resourcesOf('AWS::Lambda::Function')).map(properties);
    const envNames = functions.flatMap((f) => Object.keys((f.Environment as { Variables?: Json } | undefined)?.Variables ?? {}));
    for (const name of [AgentEnv.livekitApiKey, AgentEnv.livekitApiSecret, AgentEnv.azureSpeechKey]) expect(envNames).not.toContain(name);
    const container = (properties(Object.values(resourcesOf('AWS::ECS::TaskDefinition'))[0]).ContainerDefinitions as Json[])[0]!;
    expect((container.Environment as { Name: string }[]).map((e) => e.Name)).toEqual([AgentEnv.livekitUrl, AgentEnv.profilesPath]);
  });
});

describe('the validated profiles', () => {
  it('ship in the handler bundle and, alone, in the image build context', () => {
    const { stack, outdir, bundle } = deployed;
    const code = properties(resourcesOf('AWS::Lambda::Function')[ref(stack, stack.webhook.function).Ref]).Code as { S3Key: string };
    const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
    expect(readFileSync(join(assetDir, 'profiles.json'), 'utf8')).toBe(readFileSync(bundle.file, 'utf8'));

    const manifest = JSON.parse(readFileSync(join(outdir, 'Interpreter.assets.json'), 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerBuildArgs: Record<string, string> } }>;
    };
    const image = Object.values(manifest.dockerImages)[0]!;
    expect(image.source.dockerBuildArgs).toEqual({ PROFILE_BUNDLE: bundle.contextPath });
    const context = join(outdir, image.source.directory);
    expect(readdirSync(join(context, '.interpreter'))).toEqual([bundle.contextPath.split('/')[1]]);
    expect(existsSync(join(context, 'Dockerfile'))).toBe(true);
    expect(existsSync(join(context, 'node_modules'))).toBe(false);
    expect(existsSync(join(context, 'test'))).toBe(false);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(deployed.stack);
    const unacknowledged = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath ?? r.resourceLogicalId).join(', ')}`,
    );
    expect(unacknowledged).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('the template', () => {
  it('keeps its shape (asset hashes normalized)', () => {
    const json = deployed.template.toJSON() as { Resources: Record<string, { Type: string }>; Outputs: Json; Parameters: Json };
    const shape = {
      resources: Object.fromEntries(Object.entries(json.Resources).map(([id, r]) => [id, r.Type]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
      outputs: Object.keys(json.Outputs).sort(),
      parameters: Object.keys(json.Parameters).filter((p) => !p.startsWith('BootstrapVersion')).sort(),
    };
    expect(JSON.parse(JSON.stringify(shape).replace(/[0-9a-f]{64}/g, '<hash>'))).toMatchSnapshot();
  });
});

describe('with private subnets, imported secrets and a named Speech resource', () => {
  const azureArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:interpreter/azure-AbCdEf';
  const livekitArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:interpreter/livekit-GhIjKl';
  let variant: Synthesized;
  beforeAll(() => {
    variant = synthesize({ launch: 'task', privateSubnets: 'true', azureSecretArn: azureArn, livekitSecretArn: livekitArn, livekitUrl: 'wss://example.livekit.cloud', webhookConcurrency: '0', speechResourceKind: 'foundry', speechTier: 'F0' });
  }, 180_000);
  afterAll(() => variant?.cleanup());

  it('puts tasks behind one NAT gateway without public IPs', () => {
    const { template, stack } = variant;
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const env = properties(resourcesOf('AWS::Lambda::Function', variant)[ref(stack, stack.webhook.function).Ref]).Environment as { Variables: Json };
    expect(env.Variables[OrchestratorEnv.assignPublicIp]).toBe('DISABLED');
    expect(JSON.stringify(env.Variables[OrchestratorEnv.subnets])).toContain('agentsSubnet');
    expect(properties(resourcesOf('AWS::Lambda::Function', variant)[ref(stack, stack.webhook.function).Ref]).ReservedConcurrentExecutions).toBeUndefined();
    template.hasParameter('LiveKitUrl', { Default: 'wss://example.livekit.cloud' });
  });

  it('tells the agents what the Speech resource is (their session plan depends on it)', () => {
    const container = (properties(Object.values(resourcesOf('AWS::ECS::TaskDefinition', variant))[0]).ContainerDefinitions as Json[])[0]!;
    expect(container.Environment).toEqual(expect.arrayContaining([{ Name: 'AZURE_SPEECH_RESOURCE_KIND', Value: 'foundry' }, { Name: 'AZURE_SPEECH_TIER', Value: 'F0' }]));
  });

  it('reads the imported secrets by ARN and creates none', () => {
    const { template, stack } = variant;
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(policyStatementsOfRole(ref(stack, stack.webhook.function.role!).Ref, variant)).toContainEqual({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Effect: 'Allow',
      Resource: livekitArn,
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: Match.arrayWith([{ Name: AgentEnv.azureSpeechKey, ValueFrom: `${azureArn}:key::` }]) })],
    });
  });

  it('is still cdk-nag clean', () => {
    expect(new AwsSolutionsChecks().validateScope(variant.stack).violations).toEqual([]);
  });
});
