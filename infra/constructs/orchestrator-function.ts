/**
 * One Lambda function built from the orchestrator's Lambda entry (`src/orchestrator/lambda.ts`),
 * bundled by the local esbuild (no Docker), with the validated profile bundle copied beside the
 * code. The webhook endpoint and the reconcile schedule each make one, with a different handler
 * export, so both always run the same code and the same profiles.
 */
import { RemovalPolicy, type Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { AgentEnv, OrchestratorEnv } from '../../src/common/launch-contract.ts';
import type { StagedProfileBundle } from '../profile-bundle.ts';
import type { InterpreterSecrets } from './secrets.ts';
import type { InterpreterTask } from './interpreter-task.ts';
import type { LaunchLedger } from './launch-ledger.ts';
import type { WorkerPool } from './worker-pool.ts';

/** The handler file, relative to the project root. */
export const ORCHESTRATOR_ENTRY = 'src/orchestrator/lambda.ts';
/** Name of the profile bundle inside the function's code folder. */
export const FUNCTION_PROFILES_FILE = 'profiles.json';
/** Lambda unpacks the code to /var/task. */
const LAMBDA_TASK_ROOT = '/var/task';

export interface OrchestratorFunctionProps {
  /** Export of the entry to run: `handler` (webhook) or `reconcileHandler` (schedule). */
  handler: 'handler' | 'reconcileHandler';
  description: string;
  projectRoot: string;
  profileBundle: StagedProfileBundle;
  livekitUrl: string;
  secrets: InterpreterSecrets;
  task: InterpreterTask;
  /** `launch: dispatch`: the worker pool the handler dispatches to and sizes (no RunTask then). */
  pool?: WorkerPool;
  ledger: LaunchLedger;
  /** Most agent tasks running at once, counted before each RunTask. */
  maxAgents: number;
  timeout: Duration;
  /** 0 or absent: no reservation. */
  reservedConcurrency?: number;
  logRetention: RetentionDays;
}

export class OrchestratorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: OrchestratorFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });

    // An own role instead of AWSLambdaBasicExecutionRole: logs go to this one log group only.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (logs, LiveKit secret, launch ledger, ${props.pool ? 'worker pool size' : 'ECS launches'})`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const bundleFile = props.profileBundle.file;
    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(props.projectRoot, ORCHESTRATOR_ENTRY),
      handler: props.handler,
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: {
        [AgentEnv.livekitUrl]: props.livekitUrl,
        [OrchestratorEnv.livekitSecretArn]: props.secrets.livekit.secretArn,
        [AgentEnv.profilesPath]: `${LAMBDA_TASK_ROOT}/${FUNCTION_PROFILES_FILE}`,
        ...(props.pool ? props.pool.launchEnvironment() : props.task.launchEnvironment()),
        [OrchestratorEnv.ledgerTable]: props.ledger.table.tableName,
        [OrchestratorEnv.maxAgents]: String(props.maxAgents),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        sourceMap: true,
        minify: false,
        // Some dependencies are CommonJS and call require(); give the ESM bundle one.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        // The Node 24 runtime ships AWS SDK v3; using it keeps the bundle small and lets tests
        // mock the very client classes the bundle loads (see docs/deploy.md).
        externalModules: ['@aws-sdk/*'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(bundleFile)} ${shellQuote(join(outputDir, FUNCTION_PROFILES_FILE))}`,
          ],
        },
      },
    });
    props.secrets.livekit.grantRead(this.function);
    props.ledger.grantLedger(this.function);
    if (props.pool) props.pool.grantScaling(this.function);
    else props.task.grantLaunch(this.function);
  }
}

function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
