/**
 * The URL LiveKit posts its webhooks to: the orchestrator's `handler` behind a Lambda Function URL.
 * The URL's auth type is NONE on purpose: LiveKit cannot sign AWS (SigV4) requests; it signs each
 * webhook with a JWT made from the LiveKit API secret, and the handler rejects (401) any request
 * whose signature or body hash does not verify. Reserved concurrency caps what a flood can cost.
 */
import { Duration } from 'aws-cdk-lib';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { OrchestratorFunction, type OrchestratorFunctionProps } from './orchestrator-function.ts';

export type WebhookEndpointProps = Omit<OrchestratorFunctionProps, 'handler' | 'description' | 'timeout'>;

export class WebhookEndpoint extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: WebhookEndpointProps) {
    super(scope, id);
    const handler = new OrchestratorFunction(this, 'Handler', {
      ...props,
      handler: 'handler',
      description: props.pool ? 'LiveKit webhook: dispatches rooms to the interpreter worker pool and sizes it' : 'LiveKit webhook: launches one interpreter task per room',
      // A launch waits for RunTask; LiveKit retries a webhook that fails or times out.
      timeout: Duration.seconds(30),
    });
    this.function = handler.function;
    this.logGroup = handler.logGroup;
    this.url = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
  }
}
