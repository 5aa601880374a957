/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`). Reads the settings, validates the room
 * profiles exactly as `interpreter validate` does, stages them, defines the stack and checks it
 * with cdk-nag. A bad profile or setting ends the synth here with its message and exit code 1,
 * not a stack trace.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { InterpreterStack } from './interpreter-stack.ts';
import { loadValidatedProfileBundle } from './profiles.ts';
import { stageProfileBundle } from './profile-bundle.ts';
import { readSettings, SettingsError } from './settings.ts';
import { ProfileError } from '../src/profiles/index.ts';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

function main(): void {
  const app = new App();
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const bundle = stageProfileBundle(loadValidatedProfileBundle(settings.profilesDir, projectRoot), projectRoot);
  const stackName = String(app.node.tryGetContext('stackName') ?? 'LiveKitInterpreter');
  new InterpreterStack(app, stackName, {
    settings,
    profileBundle: bundle,
    projectRoot,
    description: 'lk-interpreter: AI live interpretation for LiveKit rooms (webhook -> Fargate agent per room)',
    // A VPC lookup needs a concrete account and region; otherwise stay environment-agnostic.
    ...(settings.vpcId ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } } : {}),
  });
  // cdk-nag runs on every synth: an unacknowledged finding fails it (see infra/nag-suppressions.ts).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  if (error instanceof ProfileError || error instanceof SettingsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
