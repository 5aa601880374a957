/**
 * Webhooks are delivered best-effort: a lost `room_started` would leave a room without its
 * interpreter, a lost `room_finished` would leave a task running. Every minute this runs the
 * orchestrator's `reconcileHandler`, which compares LiveKit's rooms with the running tasks and
 * repairs both cases.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FilterPattern, MetricFilter, type LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RELAUNCHED_MESSAGE } from '../../src/orchestrator/reconcile.ts';
import { OrchestratorFunction, type OrchestratorFunctionProps } from './orchestrator-function.ts';

export type ReconcileScheduleProps = Omit<OrchestratorFunctionProps, 'handler' | 'description' | 'timeout'> & {
  /** How often to reconcile; default every minute. */
  every?: Duration;
};

export class ReconcileSchedule extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly rule: Rule;
  /** Rooms reconcile had to launch again, counted from its log lines (LkInterpreter/RelaunchedRooms). */
  readonly relaunchedRooms: Metric;
  /** In alarm when reconcile relaunched a room: a lost webhook or a dead agent cost a meeting its interpreter for a while. */
  readonly relaunchAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ReconcileScheduleProps) {
    super(scope, id);
    const { every = Duration.minutes(1), ...functionProps } = props;
    // Two overlapping passes would race each other's launches: one at a time, unless the stack
    // turned reservations off (an account whose concurrency limit is too small for any).
    const reconciler = new OrchestratorFunction(this, 'Handler', {
      ...functionProps,
      reservedConcurrency: props.reservedConcurrency ?? 1,
      handler: 'reconcileHandler',
      description: props.pool ? 'Re-dispatches rooms without an interpreter and scales the worker pool in' : 'Starts missing and stops orphaned interpreter tasks (lost webhooks)',
      timeout: Duration.seconds(50),
    });
    this.function = reconciler.function;
    this.logGroup = reconciler.logGroup;
    this.rule = new Rule(this, 'Every', {
      description: 'Reconcile LiveKit rooms with interpreter tasks',
      schedule: Schedule.rate(every),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    // reconcile.ts logs one line per relaunched room with exactly this message; pino's JSON lines
    // carry it in `msg` (CloudWatch Logs, "Using filter patterns to match terms in JSON log events").
    const metric = { metricNamespace: 'LkInterpreter', metricName: 'RelaunchedRooms' };
    new MetricFilter(this, 'Relaunches', {
      logGroup: this.logGroup,
      ...metric,
      metricValue: '1',
      defaultValue: 0,
      filterPattern: FilterPattern.stringValue('$.msg', '=', RELAUNCHED_MESSAGE),
    });
    this.relaunchedRooms = new Metric({ namespace: metric.metricNamespace, metricName: metric.metricName, statistic: 'Sum', period: Duration.minutes(5) });
    this.relaunchAlarm = new Alarm(this, 'RelaunchAlarm', {
      metric: this.relaunchedRooms,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Reconcile launched an interpreter again for a room that had none (a lost room_started webhook, a dead worker or task); see the reconcile logs for the rooms',
    });
  }
}
