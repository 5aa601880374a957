/**
 * What a user installs must work outside this repository. Both packages are packed as `npm pack`
 * makes them (their `prepack` compiles), installed into fresh projects under the system temp
 * directory (no TypeScript tooling, nothing resolvable from this repository's node_modules), and
 * used with plain `node`: the plugin alone against the emulator it ships, and the whole product's
 * `profiles` API and `interpreter` CLI. Slow (two npm installs from the local npm cache).
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const consumer = fileURLToPath(new URL('./consumer/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'interpreter-package-'));

/** npm's own variables from the outer `npm test` (prefix, workspace, ...) must not steer the installs. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name) && name !== 'NODE_OPTIONS' && name !== 'NODE_PATH' && name !== 'VITEST' && !name.startsWith('VITEST_')) env[name] = value;
  }
  return { ...env, ...extra };
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

function pack(dir: string): string {
  const output = npm(['pack', '--pack-destination', work, '--silent'], dir);
  const name = output.trim().split('\n').pop()!;
  return join(work, name);
}

function project(name: string, tarball: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  return dir;
}

function node(cwd: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
}

function installedPackages(dir: string): string[] {
  const modules = join(dir, 'node_modules');
  return readdirSync(modules).flatMap((entry) =>
    entry.startsWith('@') ? readdirSync(join(modules, entry)).map((sub) => `${entry}/${sub}`) : entry.startsWith('.') ? [] : [entry],
  );
}

let pluginTarball: string;
let productTarball: string;
let pluginProject: string;
let productProject: string;

beforeAll(() => {
  pluginTarball = pack(join(root, 'packages/azure'));
  productTarball = pack(root);
  pluginProject = project('plugin-user', pluginTarball);
  productProject = project('product-user', productTarball);
}, 600_000);

// Two installed projects are ~600 MB of files: removing them takes a while on a busy machine.
afterAll(() => rm(work, { recursive: true, force: true }), 300_000);

describe('the plugin package (lk-interpreter-azure), installed alone', () => {
  it('ships compiled code with declarations and source maps, and no TypeScript sources', () => {
    const listing = execFileSync('tar', ['-tzf', pluginTarball], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/azure/index.js');
    expect(listing).toContain('package/dist/azure/index.d.ts');
    expect(listing).toContain('package/dist/emulator/index.js');
    expect(listing).toContain('package/LICENSE');
    expect(listing.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const map = JSON.parse(readFileSync(join(pluginProject, 'node_modules/lk-interpreter-azure/dist/azure/model.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources[0]).toMatch(/src\/azure\/model\.ts$/);
  });

  it('brings its peers (the agents framework, rtc-node) and none of the product: no AWS, CDK, CLI or profile validation', () => {
    const installed = installedPackages(pluginProject);
    expect(installed).toEqual(expect.arrayContaining(['@livekit/agents', '@livekit/rtc-node', 'microsoft-cognitiveservices-speech-sdk']));
    for (const unwanted of ['lk-interpreter', '@aws-sdk/client-ecs', '@aws-sdk/client-secrets-manager', 'aws-cdk-lib', 'cdk-nag', 'tsx', 'yaml', 'ajv']) {
      expect(installed, unwanted).not.toContain(unwanted);
    }
  });

  it('interprets speech with plain node against the emulator it ships', () => {
    cpSync(join(consumer, 'plugin-session.mjs'), join(pluginProject, 'plugin-session.mjs'));
    const run = node(pluginProject, ['plugin-session.mjs', join(root, 'test/fixtures/audio/speech-de.wav')]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { version: string; finals: { sourceLanguage: string; fr: string }[]; audioFrames: number };
    const { version } = JSON.parse(readFileSync(join(root, 'packages/azure/package.json'), 'utf8')) as { version: string };
    expect(result.version).toBe(version);
    expect(result.finals.length).toBeGreaterThan(0);
    expect(result.finals[0]).toMatchObject({ sourceLanguage: 'de' });
    expect(result.finals[0]!.fr.length).toBeGreaterThan(0);
    expect(result.audioFrames).toBeGreaterThan(0);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', () => {
    cpSync(join(consumer, 'typed.ts'), join(pluginProject, 'typed.ts'));
    writeFileSync(
      join(pluginProject, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] },
        files: ['typed.ts'],
      }),
    );
    const check = node(pluginProject, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(check.status, check.stdout + check.stderr).toBe(0);

    // The check has teeth: a wrong type in the consumer fails it.
    writeFileSync(join(pluginProject, 'typed.ts'), `${readFileSync(join(consumer, 'typed.ts'), 'utf8')}\nconst wrong: LiveInterpreterOptions = { targetLanguages: 'fr' };\nvoid wrong;\n`);
    const broken = node(pluginProject, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(broken.status).not.toBe(0);
    expect(broken.stdout).toMatch(/typed\.ts\(17,.*not assignable to type 'string\[\]'/);
  });
});

describe('the product package (lk-interpreter), installed', () => {
  it('validates and matches profiles through lk-interpreter/profiles, and registers the plugin once', () => {
    cpSync(join(root, 'configs'), join(productProject, 'configs'), { recursive: true });
    cpSync(join(consumer, 'profiles-check.mjs'), join(productProject, 'profiles-check.mjs'));
    const run = node(productProject, ['profiles-check.mjs', 'configs']);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { profiles: string[]; problems: string[]; matched: string; sameModel: boolean; plugins: string[] };
    expect(result.profiles).toEqual(expect.arrayContaining(['board-meeting', 'all-hands', 'interview']));
    expect(result.problems).toEqual([]);
    expect(result.matched).toBe('board-meeting');
    expect(result.sameModel).toBe(true);
    expect(result.plugins.filter((p) => p.startsWith('lk-interpreter-azure@'))).toHaveLength(1);
  });

  it('runs the installed `interpreter` CLI from compiled code: validate, plan, and a positioned error', () => {
    const bin = join(productProject, 'node_modules/.bin/interpreter');
    // Each test stands alone (the suite runs shuffled): the profiles the CLI reads by default.
    cpSync(join(root, 'configs'), join(productProject, 'configs'), { recursive: true });
    expect(existsSync(join(productProject, 'node_modules/tsx')), 'tsx is a development dependency only').toBe(false);

    const validate = node(productProject, [bin, 'validate']);
    expect(validate.status, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/3 profiles valid in configs/);

    const plan = node(productProject, [bin, 'plan', '--room', 'board-q3', '--json']);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ ok: true, match: { profile: 'board-meeting' } });

    mkdirSync(join(productProject, 'broken'));
    writeFileSync(join(productProject, 'broken/bad.yaml'), 'name: bad\nmatch: { rooms: ["x-*"] }\nlanguages:\n  targets:\n    - { language: fr, voice: de-DE-KatjaNeural }\n');
    const bad = node(productProject, [bin, 'validate', 'broken']);
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/broken\/bad\.yaml:5:\d+ .*not French/);
  });
});
