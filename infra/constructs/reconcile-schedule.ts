/**
 * Webhooks are delivered best-effort: a lost `room_started` would leave a room without its
 * interpreter, a lost `room_finished` would leave a task running. Every minute this runs the
 * orchestrator's `reconcileHandler`, which compares LiveKit's rooms with the running tasks and
 * repairs both cases.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OrchestratorFunction, type OrchestratorFunctionProps } from './orchestrator-function.ts';

export type ReconcileScheduleProps = Omit<OrchestratorFunctionProps, 'handler' | 'description' | 'timeout'> & {
  /** How often to reconcile; default every minute. */
  every?: Duration;
};

export class ReconcileSchedule extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly rule: Rule;

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
  }
}
