/**
 * `npx cdk synth` as a user runs it (cdk.json -> `npx tsx infra/app.ts`), offline: it prints a
 * template from the profiles, and a broken profile or setting stops it with the same positioned
 * message `interpreter validate` gives, not a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureProfiles, projectRoot } from './synth.ts';

const cleanups: string[] = [];
/** Each test runs a whole `cdk synth` (tsx, two esbuild bundles): slow on a loaded 2-core machine; the spawn has its own 120 s cap. */
const SYNTH_TIMEOUT_MS = 150_000;
afterAll(() => cleanups.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Runs the cdk CLI with no AWS credentials, no notices and no telemetry. */
function cdk(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('CDK_DEFAULT_')) delete env[name];
  const result = spawnSync(join(projectRoot, 'node_modules/.bin/cdk'), [...args, '--no-notices', '--no-version-reporting'], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function outdir(): string {
  mkdirSync(join(projectRoot, 'cdk.out'), { recursive: true });
  const dir = mkdtempSync(join(projectRoot, 'cdk.out', 'cli-'));
  cleanups.push(dir);
  return dir;
}

describe('npx cdk synth', () => {
  it('prints a template with the webhook function, its URL, the task definition and the secrets', () => {
    const out = outdir();
    const result = cdk(['synth', '-c', `profiles=${fixtureProfiles}`, '-o', out]);
    expect(result.status, result.stderr).toBe(0);
    for (const type of ['AWS::Lambda::Function', 'AWS::Lambda::Url', 'AWS::ECS::TaskDefinition', 'AWS::SecretsManager::Secret', 'AWS::IAM::Policy', 'AWS::DynamoDB::GlobalTable']) {
      expect(result.stdout).toContain(type);
    }
    const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates).toEqual(['LiveKitInterpreter.template.json']);
    const template = JSON.parse(readFileSync(join(out, templates[0]!), 'utf8')) as { Outputs: Record<string, unknown> };
    expect(Object.keys(template.Outputs)).toContain('WebhookUrl');
  }, SYNTH_TIMEOUT_MS);

  it('fails on a broken profile with the messages of `interpreter validate`, naming file and line, no stack trace', () => {
    const broken = mkdtempSync(join(tmpdir(), 'broken-profiles-'));
    cleanups.push(broken);
    writeFileSync(join(broken, 'good.yaml'), readFileSync(join(fixtureProfiles, 'infra-test.yaml')));
    // Line 7: a voice that does not exist.
    writeFileSync(
      join(broken, 'broken.yaml'),
      ['name: broken', 'match:', '  rooms: ["broken-*"]', 'languages:', '  source: auto', '  targets:', '    - { language: fr, voice: fr-FR-NoSuchVoice }', ''].join('\n'),
    );
    const result = cdk(['synth', '-c', `profiles=${broken}`, '-o', outdir()]);
    expect(result.status).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/broken\.yaml:7:\d+ /);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    const validate = spawnSync(process.execPath, [join(projectRoot, 'bin/interpreter.js'), 'validate', broken], { cwd: projectRoot, encoding: 'utf8' });
    expect(validate.status).not.toBe(0);
    const positioned = (validate.stdout + validate.stderr).split('\n').filter((line) => /\.yaml:\d+:\d+/.test(line));
    expect(positioned.length).toBeGreaterThan(0);
    for (const line of positioned) expect(output).toContain(line);
  }, SYNTH_TIMEOUT_MS);

  it('fails on a profile that is not even YAML, naming file and line', () => {
    const broken = mkdtempSync(join(tmpdir(), 'broken-yaml-'));
    cleanups.push(broken);
    writeFileSync(join(broken, 'broken.yaml'), 'name: broken\nmatch:\n  rooms: [board-*\n');
    const result = cdk(['synth', '-c', `profiles=${broken}`, '-o', outdir()]);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/broken\.yaml:\d+:\d+ +YAML syntax/);
  }, SYNTH_TIMEOUT_MS);

  it('fails on a setting Fargate cannot run, saying what is accepted', () => {
    const result = cdk(['synth', '-c', `profiles=${fixtureProfiles}`, '-c', 'taskCpu=3000', '-o', outdir()]);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('taskCpu: 3000 is not a Fargate size; use one of 256, 512, 1024, 2048, 4096');
  }, SYNTH_TIMEOUT_MS);
});
