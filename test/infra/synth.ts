/**
 * Synthesizes the real stack for tests: the cdk.json feature flags, the real project root (so the
 * real Dockerfile and orchestrator entry are used), profiles validated by the real loader. The
 * output goes under `cdk.out/` in the project, where the bundled handler resolves `@aws-sdk/*`
 * from the project's node_modules just as it resolves them from the Lambda runtime in AWS.
 */
import { App, CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InterpreterStack } from '../../infra/interpreter-stack.ts';
import { loadValidatedProfileBundle } from '../../infra/profiles.ts';
import { stageProfileBundle, type StagedProfileBundle } from '../../infra/profile-bundle.ts';
import { readSettings } from '../../infra/settings.ts';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtureProfiles = fileURLToPath(new URL('./fixtures/profiles', import.meta.url));

export interface Synthesized {
  app: App;
  stack: InterpreterStack;
  template: Template;
  assembly: CloudAssembly;
  outdir: string;
  bundle: StagedProfileBundle;
  /** Removes the output folder. */
  cleanup(): void;
}

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export function synthesize(context: Record<string, unknown> = {}, profilesDir = fixtureProfiles): Synthesized {
  mkdirSync(join(projectRoot, 'cdk.out'), { recursive: true });
  const outdir = mkdtempSync(join(projectRoot, 'cdk.out', 'test-'));
  const app = new App({ outdir, context: { ...cdkJsonContext(), ...context } });
  const settings = readSettings((key) => app.node.tryGetContext(key), {});
  const bundle = stageProfileBundle(loadValidatedProfileBundle(profilesDir, projectRoot), projectRoot);
  const stack = new InterpreterStack(app, 'Interpreter', { settings, profileBundle: bundle, projectRoot });
  const assembly = app.synth();
  return {
    app,
    stack,
    template: Template.fromStack(stack),
    assembly,
    outdir,
    bundle,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** `{ Ref: <logical id> }` of a construct's CloudFormation resource. */
export function ref(stack: Stack, construct: IConstruct): { Ref: string } {
  return { Ref: logicalId(stack, construct) };
}

/** `{ 'Fn::GetAtt': [<logical id>, attribute] }` of a construct's CloudFormation resource. */
export function getAtt(stack: Stack, construct: IConstruct, attribute: string): { 'Fn::GetAtt': [string, string] } {
  return { 'Fn::GetAtt': [logicalId(stack, construct), attribute] };
}

export function logicalId(stack: Stack, construct: IConstruct): string {
  const resource = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return stack.getLogicalId(resource);
}
