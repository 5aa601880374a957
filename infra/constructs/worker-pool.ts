/**
 * The warm pool (`launch: dispatch`): an ECS Service of `interpreter worker` tasks registered
 * with LiveKit under the agent name `interpreter`. The webhook handler dispatches rooms to them
 * and sizes the service (UpdateService); nothing here autoscales on metrics, because the one
 * sizing rule (src/orchestrator/pool-sizing.ts) needs the room count, which only LiveKit has.
 *
 * The template sets no desired count: CloudFormation then leaves the count the handlers set alone
 * on every later deploy (a new service starts with 1, and reconcile brings it to `minWorkers`
 * within a minute). A task with a meeting protects itself from scale-in and deployments through
 * the ECS agent endpoint; the agent makes that call with the task role, which may do exactly that.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { FargateService, type FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import { Effect, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OrchestratorEnv } from '../../src/common/launch-contract.ts';
import { PoolEnv } from '../../src/orchestrator/pool-sizing.ts';
import type { PoolSettings } from '../settings.ts';
import type { AgentNetwork } from './agent-network.ts';
import type { InterpreterTask } from './interpreter-task.ts';

export interface WorkerPoolProps {
  network: AgentNetwork;
  /** The worker task definition and its cluster (`role: 'worker'`). */
  task: InterpreterTask;
  pool: PoolSettings;
}

export class WorkerPool extends Construct {
  readonly service: FargateService;
  private readonly props: WorkerPoolProps;

  constructor(scope: Construct, id: string, props: WorkerPoolProps) {
    super(scope, id);
    this.props = props;
    const { network, task } = props;
    this.service = new FargateService(this, 'Service', {
      cluster: task.cluster,
      taskDefinition: task.taskDefinition as FargateTaskDefinition,
      securityGroups: [network.securityGroup],
      vpcSubnets: network.subnets,
      assignPublicIp: network.assignPublicIp,
      // A deployment starts new workers before it stops old ones, and a protected old worker
      // (one with a meeting) is stopped only when its meetings end or its protection expires.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      enableExecuteCommand: false,
    });
    // CDK writes DesiredCount only when given one; none is given (see above).

    // The ECS agent endpoint calls UpdateTaskProtection with the task role's credentials
    // (amazon-ecs-agent, ecs-agent/tmds/handlers/taskprotection/v1/handlers).
    task.taskDefinition.taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:UpdateTaskProtection'],
        resources: [this.tasksOfCluster()],
      }),
    );
  }

  /** `arn:…:task/<cluster>/*`: task ids are assigned when the service starts a task. */
  tasksOfCluster(): string {
    return Stack.of(this).formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.props.task.cluster.clusterName}/*` });
  }

  /** The settings the handlers read in dispatch mode. */
  launchEnvironment(): Record<string, string> {
    const { pool } = this.props;
    return {
      [OrchestratorEnv.launcher]: 'dispatch',
      [PoolEnv.cluster]: this.props.task.cluster.clusterName,
      [PoolEnv.service]: this.service.serviceArn,
      [PoolEnv.minTasks]: String(pool.minWorkers),
      [PoolEnv.maxTasks]: String(pool.maxWorkers),
      [PoolEnv.roomsPerTask]: String(pool.roomsPerWorker),
      [PoolEnv.bufferRooms]: String(pool.bufferRooms),
      [PoolEnv.scaleInIdleMinutes]: String(pool.scaleInIdleMinutes),
    };
  }

  /**
   * An alarm when the pool could not be resized (the handlers log it and go on: the rooms keep
   * their dispatches, but a pool that cannot grow drops the next rooms' jobs). It has no action;
   * attach one (an SNS topic) to be told.
   */
  alarmOnScalingFailures(logGroups: readonly ILogGroup[]): Alarm {
    const metric = { metricNamespace: 'LkInterpreter', metricName: 'PoolScalingFailures', metricValue: '1', defaultValue: 0 };
    logGroups.forEach((logGroup, index) => {
      new MetricFilter(this, `ScalingFailures${index}`, {
        logGroup,
        ...metric,
        // Both handlers' messages start so (src/orchestrator/lambda.ts); pino's JSON lines carry
        // it in `msg`, and JSON filter patterns accept a trailing `*` (CloudWatch Logs, "Using
        // filter patterns to match terms in JSON log events").
        filterPattern: FilterPattern.stringValue('$.msg', '=', 'worker pool could not be *'),
      });
    });
    return new Alarm(this, 'ScalingFailuresAlarm', {
      metric: new Metric({ namespace: metric.metricNamespace, metricName: metric.metricName, statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The interpreter worker pool could not be resized (UpdateService/DescribeServices failed); see the webhook and reconcile logs',
    });
  }

  /** What a handler may do to the pool: read and resize this one service. */
  grantScaling(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [this.service.serviceArn] }),
    );
  }
}
