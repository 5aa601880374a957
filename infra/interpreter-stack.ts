/**
 * The whole system in one stack, read top to bottom like the architecture diagram:
 * secrets -> network -> agent task (and, with `launch: dispatch`, the worker pool running it)
 * -> launch ledger -> webhook endpoint -> reconcile schedule -> outputs.
 * `launch: task` is the per-room stack: no service, RunTask per room.
 * Environment-agnostic unless a VPC lookup needs an account and region.
 */
import { CfnOutput, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { AgentNetwork } from './constructs/agent-network.ts';
import { InterpreterSecrets } from './constructs/secrets.ts';
import { InterpreterTask } from './constructs/interpreter-task.ts';
import { LaunchLedger } from './constructs/launch-ledger.ts';
import { ReconcileSchedule } from './constructs/reconcile-schedule.ts';
import { WebhookEndpoint } from './constructs/webhook-endpoint.ts';
import { WorkerPool } from './constructs/worker-pool.ts';
import { acknowledgeAcceptedFindings } from './nag-suppressions.ts';
import type { StagedProfileBundle } from './profile-bundle.ts';
import type { InfraSettings } from './settings.ts';

export interface InterpreterStackProps extends StackProps {
  settings: InfraSettings;
  /** The validated profiles, staged where the Docker build and the Lambda bundling find them. */
  profileBundle: StagedProfileBundle;
  /** Folder with `Dockerfile`, `package-lock.json` and `src/`. */
  projectRoot: string;
}

export class InterpreterStack extends Stack {
  readonly secrets: InterpreterSecrets;
  readonly network: AgentNetwork;
  readonly task: InterpreterTask;
  /** Only with `launch: dispatch`. */
  readonly pool?: WorkerPool;
  readonly poolAlarm?: Alarm;
  readonly ledger: LaunchLedger;
  readonly webhook: WebhookEndpoint;
  readonly reconcile: ReconcileSchedule;

  constructor(scope: Construct, id: string, props: InterpreterStackProps) {
    super(scope, id, props);
    const { settings, profileBundle, projectRoot } = props;

    // A parameter, so that `cdk synth` works from a fresh clone and `cdk deploy` asks for it.
    const livekitUrl = new CfnParameter(this, 'LiveKitUrl', {
      type: 'String',
      description: 'LiveKit server URL the agents join, e.g. wss://my-project.livekit.cloud',
      allowedPattern: '^wss?://\\S+$',
      constraintDescription: 'must be a ws:// or wss:// URL',
      ...(settings.livekitUrl ? { default: settings.livekitUrl } : {}),
    }).valueAsString;

    this.secrets = new InterpreterSecrets(this, 'Secrets', {
      ...(settings.azureSecretArn ? { azureSecretArn: settings.azureSecretArn } : {}),
      ...(settings.livekitSecretArn ? { livekitSecretArn: settings.livekitSecretArn } : {}),
    });
    this.network = new AgentNetwork(this, 'Network', {
      ...(settings.vpcId ? { vpcId: settings.vpcId } : {}),
      privateSubnets: settings.privateSubnets,
    });
    this.task = new InterpreterTask(this, 'Agent', {
      network: this.network,
      secrets: this.secrets,
      livekitUrl,
      projectRoot,
      profileBundle,
      cpu: settings.taskCpu,
      memoryMiB: settings.taskMemoryMiB,
      cpuArchitecture: settings.cpuArchitecture,
      logRetention: settings.logRetention,
      ...(settings.speechResource ? { speechResource: settings.speechResource } : {}),
      ...(settings.launch === 'dispatch' ? { role: 'worker' as const, maxRooms: settings.pool.roomsPerWorker } : {}),
    });
    if (settings.launch === 'dispatch') this.pool = new WorkerPool(this, 'Pool', { network: this.network, task: this.task, pool: settings.pool });
    this.ledger = new LaunchLedger(this, 'Ledger');
    const orchestrator = {
      projectRoot,
      profileBundle,
      livekitUrl,
      secrets: this.secrets,
      task: this.task,
      ...(this.pool ? { pool: this.pool } : {}),
      ledger: this.ledger,
      maxAgents: settings.maxAgents,
      logRetention: settings.logRetention,
    };
    this.webhook = new WebhookEndpoint(this, 'Webhook', { ...orchestrator, reservedConcurrency: settings.webhookConcurrency });
    this.reconcile = new ReconcileSchedule(this, 'Reconcile', { ...orchestrator, reservedConcurrency: settings.webhookConcurrency > 0 ? 1 : 0 });

    this.poolAlarm = this.pool?.alarmOnScalingFailures([this.webhook.logGroup, this.reconcile.logGroup]);

    new CfnOutput(this, 'WebhookUrl', {
      value: this.webhook.url.url,
      description: 'Paste into LiveKit as the webhook URL (Cloud: Settings > Webhooks; self-hosted: webhook.urls)',
    });
    new CfnOutput(this, 'ClusterName', { value: this.task.cluster.clusterName });
    new CfnOutput(this, 'TaskDefinitionArn', { value: this.task.taskDefinition.taskDefinitionArn });
    new CfnOutput(this, 'TaskDefinitionFamily', { value: this.task.taskDefinition.family });
    if (this.pool) {
      new CfnOutput(this, 'WorkerServiceName', { value: this.pool.service.serviceName, description: 'The ECS Service of interpreter workers (the warm pool)' });
      if (this.poolAlarm) new CfnOutput(this, 'PoolScalingAlarmName', { value: this.poolAlarm.alarmName, description: 'Alarm when the worker pool cannot be resized (attach an action to be told)' });
    }
    new CfnOutput(this, 'RelaunchAlarmName', { value: this.reconcile.relaunchAlarm.alarmName, description: 'Alarm when reconcile had to relaunch a room (attach an action to be told)' });
    new CfnOutput(this, 'AzureSpeechSecretArn', { value: this.secrets.azureSpeech.secretArn });
    new CfnOutput(this, 'LiveKitSecretArn', { value: this.secrets.livekit.secretArn });

    acknowledgeAcceptedFindings({
      secrets: this.secrets,
      network: this.network,
      task: this.task,
      ...(this.pool ? { pool: this.pool } : {}),
      ledger: this.ledger,
      launcherRoles: [this.webhook.function.role, this.reconcile.function.role].filter((role) => role !== undefined),
    });
  }
}
