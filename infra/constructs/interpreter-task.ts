/**
 * The interpreter as a Fargate task: an ECS cluster and a task definition whose image is built
 * from the repository's `Dockerfile`, with the validated profile bundle baked in. Two roles:
 *
 * - `agent` (`launch: task`): the handler launches one task per room with RunTask; nothing runs
 *   (or costs) while no room is open. The task role has no policy: the agent calls no AWS API.
 * - `worker` (`launch: dispatch`): `interpreter worker`, run by the pool's ECS Service
 *   (worker-pool.ts), taking explicitly dispatched rooms. Its task role may only set its own
 *   scale-in protection (granted there).
 *
 * The execution role (used by ECS, not by the program) pulls the image, writes logs and reads
 * exactly the two secrets the container references.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  CpuArchitecture,
  FargateTaskDefinition,
  LogDriver,
  OperatingSystemFamily,
  Secret as EcsSecret,
  type ContainerDefinition,
} from 'aws-cdk-lib/aws-ecs';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import type { CpuArchitectureName } from '../settings.ts';
import type { AgentNetwork } from './agent-network.ts';
import { AzureSecretField, LiveKitSecretField, type InterpreterSecrets } from './secrets.ts';
import type { StagedProfileBundle } from '../profile-bundle.ts';

export interface InterpreterTaskProps {
  network: AgentNetwork;
  secrets: InterpreterSecrets;
  /** LiveKit server URL (a token: may be a CloudFormation parameter). */
  livekitUrl: string;
  /** Folder holding `Dockerfile` (the Docker build context). */
  projectRoot: string;
  profileBundle: StagedProfileBundle;
  cpu: number;
  memoryMiB: number;
  cpuArchitecture: CpuArchitectureName;
  logRetention: RetentionDays;
  /** `agent` (one room, RunTask) or `worker` (dispatched rooms, an ECS Service); default agent. */
  role?: 'agent' | 'worker';
  /** For a worker: rooms it interprets at once (`--max-rooms`). */
  maxRooms?: number;
  /**
   * What the Azure Speech resource is, for the agents' session planning: `AZURE_SPEECH_RESOURCE_KIND`
   * (speech: two targets per recognizer; foundry) and `AZURE_SPEECH_TIER` (S0, or F0: one session,
   * no personal voice). Absent: the agents' defaults (speech, S0).
   */
  speechResource?: { kind?: 'speech' | 'foundry'; tier?: 'S0' | 'F0' };
}

/** The container's name, as RunTask overrides address it. */
export const AGENT_CONTAINER_NAME = 'agent';
export const WORKER_CONTAINER_NAME = 'worker';
/**
 * The framework's health and worker-info port, chosen explicitly (its default 8081 collides when
 * two run on one host); `GET /` answers 200 while the worker is registered with LiveKit.
 */
export const WORKER_HEALTH_PORT = 8081;
/** Where the image keeps the validated profiles (see Dockerfile). */
export const IMAGE_PROFILES_PATH = '/app/profiles.json';
/** Fargate's maximum: an agent draining on SIGTERM gets this long before SIGKILL. */
const DRAIN_SECONDS = 120;
/** A draining worker's rooms are asked to leave after this, well before the SIGKILL. */
export const WORKER_DRAIN_SECONDS = 90;

export class InterpreterTask extends Construct {
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly container: ContainerDefinition;
  readonly logGroup: LogGroup;
  readonly role: 'agent' | 'worker';
  private readonly network: AgentNetwork;

  constructor(scope: Construct, id: string, props: InterpreterTaskProps) {
    super(scope, id);
    this.network = props.network;
    this.role = props.role ?? 'agent';
    const worker = this.role === 'worker';
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.network.vpc,
      enableFargateCapacityProviders: true,
    });

    const arm = props.cpuArchitecture === 'arm64';
    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: arm ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });

    const bundle = props.profileBundle;
    this.container = this.taskDefinition.addContainer(worker ? 'Worker' : 'Agent', {
      containerName: worker ? WORKER_CONTAINER_NAME : AGENT_CONTAINER_NAME,
      // The image's entrypoint runs `interpreter agent`; a worker replaces it.
      ...(worker
        ? {
            entryPoint: ['node', 'bin/interpreter.js', 'worker'],
            // SIGTERM reaches only an unprotected (idle) worker, but one that took a room in that
            // moment must leave it cleanly before Fargate's SIGKILL at `stopTimeout`.
            command: ['--health-port', String(WORKER_HEALTH_PORT), '--max-rooms', String(props.maxRooms ?? 1), '--drain-seconds', String(WORKER_DRAIN_SECONDS)],
          }
        : {}),
      image: ContainerImage.fromAsset(props.projectRoot, {
        file: 'Dockerfile',
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
        buildArgs: { PROFILE_BUNDLE: bundle.contextPath },
        // Other syntheses may have staged other bundles beside this one; ship only ours.
        exclude: [`${bundle.contextDir}/*`, `!${bundle.contextPath}`],
      }),
      logging: LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: worker ? 'worker' : 'room' }),
      environment: {
        [AgentEnv.livekitUrl]: props.livekitUrl,
        [AgentEnv.profilesPath]: IMAGE_PROFILES_PATH,
        ...(props.speechResource?.kind ? { AZURE_SPEECH_RESOURCE_KIND: props.speechResource.kind } : {}),
        ...(props.speechResource?.tier ? { AZURE_SPEECH_TIER: props.speechResource.tier } : {}),
      },
      secrets: {
        [AgentEnv.livekitApiKey]: EcsSecret.fromSecretsManager(props.secrets.livekit, LiveKitSecretField.apiKey),
        [AgentEnv.livekitApiSecret]: EcsSecret.fromSecretsManager(props.secrets.livekit, LiveKitSecretField.apiSecret),
        [AgentEnv.azureSpeechKey]: EcsSecret.fromSecretsManager(props.secrets.azureSpeech, AzureSecretField.key),
        [AgentEnv.azureSpeechRegion]: EcsSecret.fromSecretsManager(props.secrets.azureSpeech, AzureSecretField.region),
      },
      stopTimeout: Duration.seconds(DRAIN_SECONDS),
      // A per-room agent keeps a heartbeat file from its event loop (`interpreter health` fails when
      // it is stale: a wedged agent, not merely a live process); RunTask tasks are not replaced when
      // unhealthy, but ECS marks them and reconcile's orphan pass sees the room unserved. The
      // service replaces a worker that is not registered with LiveKit (the framework's `/`, served
      // on 0.0.0.0 by default: IPv4, hence 127.0.0.1 rather than localhost).
      healthCheck: {
        command: worker
          ? ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${WORKER_HEALTH_PORT}/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`]
          : ['CMD', 'node', '/app/bin/interpreter.js', 'health', '--max-age-seconds', '30'],
        interval: Duration.seconds(worker ? 30 : 15),
        timeout: Duration.seconds(worker ? 5 : 10),
        retries: 3,
        // A worker prewarms its job processes (profiles, Speech SDK) before it registers.
        startPeriod: Duration.seconds(worker ? 60 : 30),
      },
    });
  }

  /** The launcher settings the webhook handler reads (launch contract names). */
  launchEnvironment(): Record<string, string> {
    return {
      [OrchestratorEnv.launcher]: 'task',
      [OrchestratorEnv.cluster]: this.cluster.clusterName,
      [OrchestratorEnv.taskDefinition]: this.taskDefinition.taskDefinitionArn,
      [OrchestratorEnv.containerName]: AGENT_CONTAINER_NAME,
      [OrchestratorEnv.subnets]: this.network.subnetIds().join(','),
      [OrchestratorEnv.securityGroups]: this.network.securityGroup.securityGroupId,
      [OrchestratorEnv.assignPublicIp]: this.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
    };
  }

  /**
   * What a launcher may do: run this task definition (and pass its two roles), tag the tasks it
   * starts, and list, describe and stop tasks of this cluster only.
   */
  grantLaunch(grantee: IGrantable): void {
    this.taskDefinition.grantRun(grantee);
    const clusterCondition = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    const tasksOfCluster = Stack.of(this).formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${this.cluster.clusterName}/*`,
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:StopTask', 'ecs:DescribeTasks'],
        resources: [tasksOfCluster],
        conditions: clusterCondition,
      }),
    );
    // ListTasks has no resource type: the cluster condition is what scopes it.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['ecs:ListTasks'], resources: ['*'], conditions: clusterCondition }),
    );
    // RunTask with `tags` needs ecs:TagResource on the new task, allowed only as part of RunTask.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:TagResource'],
        resources: [tasksOfCluster],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    );
  }
}
