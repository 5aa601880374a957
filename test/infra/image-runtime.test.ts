/**
 * No Docker engine here, so the image is checked by doing what the Dockerfile does, from the
 * build context that `cdk synth` staged (exactly what `docker build` would receive):
 * the build stage compiles with the project's toolchain, the runtime stage is a production-only
 * `npm ci --omit=dev` plus dist, bin and the profile bundle, outside this project so nothing
 * resolves from its full node_modules. That install must run the agent command.
 * Slow (npm ci); the only such test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, synthesize, type Synthesized } from './synth.ts';

let synth: Synthesized;
let context: string;
let bundleInContext: string;
const work = mkdtempSync(join(tmpdir(), 'interpreter-image-'));

beforeAll(() => {
  synth = synthesize({ launch: 'task' });
  const manifest = JSON.parse(readFileSync(join(synth.outdir, 'Interpreter.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerBuildArgs: { PROFILE_BUNDLE: string } } }>;
  };
  const image = Object.values(manifest.dockerImages)[0]!;
  context = join(synth.outdir, image.source.directory);
  bundleInContext = image.source.dockerBuildArgs.PROFILE_BUNDLE;
});

afterAll(() => {
  synth?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** `COPY` sources of the Dockerfile that come from the build context (not `--from=`). */
function contextCopySources(dockerfile: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
}

describe('the agent image', () => {
  it('finds every file its Dockerfile copies in the staged build context', () => {
    const sources = contextCopySources(readFileSync(join(context, 'Dockerfile'), 'utf8')).map((s) =>
      s === '${PROFILE_BUNDLE}' ? bundleInContext : s,
    );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) expect(existsSync(join(context, source)), source).toBe(true);
  });

  it('runs `interpreter agent --help` from a production-only install', { timeout: 300_000 }, () => {
    // Build stage: the staged context compiled with the project's (full) dependencies.
    const build = join(work, 'build');
    cpSync(context, build, { recursive: true });
    symlinkSync(join(projectRoot, 'node_modules'), join(build, 'node_modules'), 'dir');
    const compile = spawnSync(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: build, encoding: 'utf8' });
    expect(compile.status, `npm run build (tsc) in the image's build stage fails:\n${compile.stdout}${compile.stderr}`).toBe(0);
    expect(existsSync(join(build, 'dist/src/cli.js'))).toBe(true);

    // Runtime stage.
    const app = join(work, 'app');
    mkdirSync(app);
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(context, file), join(app, file));
    execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: app,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production' },
    });
    cpSync(join(context, 'bin'), join(app, 'bin'), { recursive: true });
    cpSync(join(build, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(context, bundleInContext), join(app, 'profiles.json'));
    expect(existsSync(join(app, 'node_modules/aws-cdk-lib')), 'dev dependencies are not installed').toBe(false);

    const result = spawnSync(process.execPath, ['bin/interpreter.js', 'agent', '--help'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', INTERPRETER_PROFILES: join(app, 'profiles.json') },
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/agent/i);
  });
});
