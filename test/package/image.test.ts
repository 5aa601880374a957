/**
 * The agent image without a Docker engine: the build context is the one `cdk synth` stages (what
 * `docker build` would receive, .dockerignore applied); the build stage's command is read from the
 * Dockerfile and run there (with the project's `npm ci` install, which ran no install scripts:
 * esbuild works without its postinstall); the runtime layer is what the runtime stage copies, in
 * a folder under the system temp directory, where nothing resolves from this project's
 * node_modules. The layer is measured and started: every runtime dependency must load from it.
 * Slow (a CDK synth and an esbuild bundle).
 */
import { fork, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, synthesize, type Synthesized } from '../infra/synth.ts';
// @ts-expect-error: a plain ES module script without declarations
import { folderBytes } from '../../scripts/stage-image.mjs';

/** The budget for the runtime layer above the Node base image (issue 17). */
const LAYER_LIMIT_BYTES = 80e6;

let synth: Synthesized;
let context: string;
let bundleInContext: string;
let dockerfile: string;
let app: string;
const work = mkdtempSync(join(tmpdir(), 'interpreter-image-'));

/** `COPY` sources of the Dockerfile that come from the build context (not `--from=`). */
function contextCopySources(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
}

/** The lines of one stage (`FROM ... AS name` up to the next `FROM`). */
function stage(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${name}\\s*$`, 'i').test(line));
  if (start < 0) throw new Error(`no stage ${name} in the Dockerfile`);
  const end = lines.findIndex((line, i) => i > start && /^FROM\s/.test(line));
  return lines.slice(start, end < 0 ? undefined : end);
}

function interpreter(args: string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['bin/interpreter.js', ...args], {
    cwd: app,
    encoding: 'utf8',
    // Only what the image's environment has (plus PATH and HOME for node itself).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', INTERPRETER_PROFILES: join(app, 'profiles.json'), ...env },
    timeout: 120_000,
  });
}

beforeAll(() => {
  synth = synthesize({ launch: 'task' });
  const manifest = JSON.parse(readFileSync(join(synth.outdir, 'Interpreter.assets.json'), 'utf8')) as {
    dockerImages: Record<string, { source: { directory: string; dockerBuildArgs: { PROFILE_BUNDLE: string } } }>;
  };
  const image = Object.values(manifest.dockerImages)[0]!;
  context = join(synth.outdir, image.source.directory);
  bundleInContext = image.source.dockerBuildArgs.PROFILE_BUNDLE;
  dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');

  // Build stage: the staged context with the full install, running the Dockerfile's own command.
  const build = join(work, 'build');
  cpSync(context, build, { recursive: true });
  symlinkSync(join(projectRoot, 'node_modules'), join(build, 'node_modules'), 'dir');
  const runs = stage(dockerfile, 'build').filter((line) => line.startsWith('RUN node scripts/stage-image.mjs '));
  expect(runs, 'the build stage stages the layer with scripts/stage-image.mjs').toHaveLength(1);
  const target = runs[0]!.split(/\s+/).pop()!;
  expect(target).toBe('/image');
  const staged = spawnSync(process.execPath, ['scripts/stage-image.mjs', join(work, 'image')], { cwd: build, encoding: 'utf8' });
  expect(staged.status, staged.stdout + staged.stderr).toBe(0);

  // Runtime stage: what it copies from the build stage, and the profile bundle.
  const runtime = stage(dockerfile, 'runtime');
  expect(runtime.filter((line) => line.includes('--from='))).toEqual(['COPY --from=build /image ./']);
  app = join(work, 'app');
  cpSync(join(work, 'image'), app, { recursive: true });
  cpSync(join(context, bundleInContext), join(app, 'profiles.json'));
}, 600_000);

afterAll(() => {
  synth?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('the agent image', () => {
  it('finds every file its Dockerfile copies in the staged build context', () => {
    const sources = contextCopySources(dockerfile).map((s) => (s === '${PROFILE_BUNDLE}' ? bundleInContext : s));
    expect(sources).toEqual(expect.arrayContaining(['src', 'bin', 'scripts/stage-image.mjs']));
    for (const source of sources) expect(existsSync(join(context, source)), source).toBe(true);
  });

  it(`has a runtime layer under ${LAYER_LIMIT_BYTES / 1e6} MB, with only the native packages that load`, () => {
    const bytes = folderBytes(app) as number;
    console.log(`agent image runtime layer: ${(bytes / 1e6).toFixed(1)} MB (${bytes} bytes of files)`);
    expect(bytes).toBeLessThan(LAYER_LIMIT_BYTES);
    for (const kept of ['@livekit/rtc-ffi-bindings', 'sharp', '@livekit/rtc-node']) expect(existsSync(join(app, 'node_modules', kept)), kept).toBe(true);
    for (const dropped of ['@livekit/agents', '@livekit/local-inference', 'microsoft-cognitiveservices-speech-sdk', 'aws-cdk-lib', 'typescript', 'tsx', 'esbuild', '@opentelemetry/api']) {
      expect(existsSync(join(app, 'node_modules', dropped)), `${dropped} is bundled or not needed`).toBe(false);
    }
    expect(existsSync(join(app, 'tsconfig.json')), 'no tsconfig: bin/interpreter.js runs the bundle, not sources').toBe(false);
    expect(existsSync(join(app, 'dist/src/worker-job.js')), 'the job file the framework imports by path').toBe(true);
  });

  it('runs `interpreter agent --help`', () => {
    const help = interpreter(['agent', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--check-imports');
  });

  it('loads every runtime dependency with `interpreter agent --check-imports`', () => {
    const check = interpreter(['agent', '--check-imports']);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const name of ['pino', '@livekit/agents', '@livekit/rtc-node', 'microsoft-cognitiveservices-speech-sdk', 'the interpreter', 'the worker job file']) {
      expect(check.stdout).toMatch(new RegExp(`^ok {4}${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `, 'm'));
    }
    expect(check.stdout).toContain(join(app, 'dist/src/worker-job.js'));
    // Nothing the framework looks for at import is missing (it warns on stderr when one is).
    expect(check.stderr).toBe('');
  });

  it('forks a job process the way @livekit/agents does: the job file imports and prewarms', async () => {
    // The framework forks `./job_proc_lazy_main.js` beside its own (bundled) code, and the worker
    // resolves `./worker-job.js` beside its chunk: one flat folder makes both true.
    const dist = join(app, 'dist/src');
    expect(readdirSync(dist, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)).toEqual([]);
    const chunks = readdirSync(dist).filter((f) => f.endsWith('.js') && readFileSync(join(dist, f), 'utf8').includes('job_proc_lazy_main'));
    expect(chunks.length).toBeGreaterThan(0);

    // The framework's first exchange with a job process (ipc/supervised_proc.js): initializeRequest
    // in, initializeResponse out once the agent's prewarm (here: loading the profiles) is done.
    const initialize = (profiles: string) =>
      new Promise<{ initialized: boolean; code: number | null }>((resolve, reject) => {
        const child = fork(join(dist, 'job_proc_lazy_main.js'), [join(dist, 'worker-job.js')], {
          cwd: app,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', INTERPRETER_PROFILES: profiles },
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        let initialized = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('the job process neither initialized nor exited within 90 s'));
        }, 90_000);
        child.on('message', (message: { case?: string }) => {
          if (message.case === 'initializeResponse') {
            initialized = true;
            child.send({ case: 'shutdownRequest' });
          }
        });
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ initialized, code });
        });
        child.send({ case: 'initializeRequest', value: { loggerOptions: { pretty: false, level: 'warn' }, pingInterval: 2_500, pingTimeout: 90_000, highPingThreshold: 500, sessionEndTimeout: 10_000 } });
      });
    expect(await initialize(join(app, 'profiles.json'))).toEqual({ initialized: true, code: 0 });
    // Its prewarm really reads the profiles: without them the process exits uninitialized (the
    // framework then reports "process exited before initializing").
    expect((await initialize(join(app, 'no-profiles.json'))).initialized).toBe(false);
  });

  it('runs `interpreter worker --help`', () => {
    const help = interpreter(['worker', '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/worker/);
  });

  it("runs the Dockerfile's HEALTHCHECK command: healthy on a fresh heartbeat, unhealthy on an old one or none", () => {
    const runtime = stage(dockerfile, 'runtime').join('\n');
    const heartbeatEnv = /^ENV INTERPRETER_HEARTBEAT_FILE=(\S+)$/m.exec(runtime);
    expect(heartbeatEnv?.[1]).toBe('/tmp/interpreter-heartbeat');
    const cmd = /^HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])$/m.exec(runtime);
    expect(cmd, 'HEALTHCHECK ... CMD [exec form]').not.toBeNull();
    const [command, ...args] = (JSON.parse(cmd![1]!) as string[]).map((arg) => arg.replace(/^\/app\//, `${app}/`));
    expect(command).toBe('node');
    expect(args.slice(1)).toEqual(['health', '--max-age-seconds', '30']);
    // The same command, the image's /app being the staged folder, the heartbeat file a test one.
    const healthcheck = (file: string) =>
      spawnSync(process.execPath, args, { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH, NODE_ENV: 'production', INTERPRETER_HEARTBEAT_FILE: file }, timeout: 60_000 });
    const file = join(work, 'heartbeat');
    writeFileSync(file, `${Date.now()}\n`);
    const fresh = healthcheck(file);
    expect(fresh.status, fresh.stderr).toBe(0);
    writeFileSync(file, `${Date.now() - 60_000}\n`);
    const old = healthcheck(file);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/unhealthy: the last heartbeat is 6\d\.\d s old/);
    expect(healthcheck(join(work, 'missing')).status).toBe(1);
  });

  // It breaks the staged layer on purpose, and puts it back: the tests run in any order.
  it('fails `--check-imports` loudly when a native package is missing from the layer', () => {
    const native = join(app, 'node_modules/@livekit/rtc-ffi-bindings');
    const aside = join(work, 'rtc-ffi-bindings-aside');
    renameSync(native, aside);
    try {
      const check = interpreter(['agent', '--check-imports']);
      // Later checks may die of the same missing module outside their own handling (Node's loader
      // rethrows it for the next importer); either way the command fails and names the package.
      expect(check.status).not.toBe(0);
      expect(check.stderr).toMatch(/^FAIL {2}@livekit\/agents: Cannot find module '@livekit\/rtc-ffi-bindings'/m);
      expect(check.stderr).toMatch(/^FAIL {2}@livekit\/rtc-node: Cannot find module '@livekit\/rtc-ffi-bindings'/m);
    } finally {
      renameSync(aside, native);
    }
  });
});
