/**
 * Finding LiveKit's own server for development and tests, or building it once from its Go module.
 * Order: `LIVEKIT_SERVER_BIN`; a `livekit-server` on PATH of the pinned minor; the project's cache;
 * else `go install` into the cache. Two processes resolving at once (test workers) share one build
 * through a lock file. The plugin package never imports this: it is the CLI's side.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The newest tag whose go.mod has no `replace` directives, which `go install module@version`
 * refuses (main and v1.13.0/1.13.1 have them). Its go.mod asks for Go 1.26.
 */
export const LIVEKIT_SERVER_VERSION = '1.13.5';
export const LIVEKIT_SERVER_MODULE = 'github.com/livekit/livekit-server/cmd/server';
const GO_MINIMUM = [1, 26] as const;

export class LiveKitBinaryError extends Error {
  override name = 'LiveKitBinaryError';
}

export interface ResolvedBinary {
  path: string;
  version: string;
  source: 'env' | 'path' | 'cache' | 'built';
  /** Set when `source` is `built`. */
  buildSeconds?: number;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress for people ("building ..."); default stderr. */
  log?: (line: string) => void;
  /** Build when nothing else is found (default true). */
  build?: boolean;
  /** How long a second process waits for another's build (default 20 min). */
  lockWaitMs?: number;
}

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env, version = LIVEKIT_SERVER_VERSION): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'lk-interpreter', `livekit-server-v${version}`);
}

/** `livekit-server version 1.13.5` -> `1.13.5`; undefined when the file does not run as a server. */
export function binaryVersion(path: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', env, timeout: 15_000 });
  if (run.status !== 0) return undefined;
  return /livekit-server version v?(\d+\.\d+\.\d+\S*)/.exec(run.stdout)?.[1];
}

const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function noServerMessage(reasons: string[]): string {
  return [
    `no LiveKit server v${LIVEKIT_SERVER_VERSION} available${reasons.length ? ` (${reasons.join('; ')})` : ''}. Ways out:`,
    `  - install Go >= ${GO_MINIMUM.join('.')} (https://go.dev/dl/), then \`interpreter livekit --install\` builds it once`,
    '  - install livekit-server 1.13 yourself: `curl -sSL https://get.livekit.io | bash`, or Homebrew: `brew install livekit`',
    '  - set LIVEKIT_SERVER_BIN=/path/to/livekit-server',
  ].join('\n');
}

/** Returns the server to run, building it into the cache when nothing else is there. */
export async function resolveLiveKitServer(options: ResolveOptions = {}): Promise<ResolvedBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const reasons: string[] = [];

  const fromEnv = env.LIVEKIT_SERVER_BIN;
  if (fromEnv) {
    const version = binaryVersion(fromEnv, env);
    if (!version) throw new LiveKitBinaryError(`LIVEKIT_SERVER_BIN=${fromEnv} does not run as livekit-server (\`${fromEnv} --version\` failed)`);
    if (minorOf(version) !== minorOf(LIVEKIT_SERVER_VERSION)) {
      log(`warning: LIVEKIT_SERVER_BIN is livekit-server ${version}; this project is tested with ${LIVEKIT_SERVER_VERSION} and writes its config for it`);
    }
    return { path: fromEnv, version, source: 'env' };
  }

  const installed = onPath('livekit-server', env);
  if (installed) {
    const version = binaryVersion(installed, env);
    if (version && minorOf(version) === minorOf(LIVEKIT_SERVER_VERSION)) return { path: installed, version, source: 'path' };
    // Another minor may reject the config we write (it is parsed strictly): do not use it.
    const refusal = `${installed} is livekit-server ${version ?? '(unknown version)'}, not ${minorOf(LIVEKIT_SERVER_VERSION)}.x`;
    log(`not using ${refusal}`);
    reasons.push(refusal);
  }

  const dir = cacheDirectory(env);
  const cached = join(dir, 'livekit-server');
  if (existsSync(cached) && binaryVersion(cached, env) === LIVEKIT_SERVER_VERSION) return { path: cached, version: LIVEKIT_SERVER_VERSION, source: 'cache' };

  if (options.build === false) throw new LiveKitBinaryError(noServerMessage([...reasons, `nothing in ${dir}`]));
  return buildIntoCache(dir, env, log, reasons, options.lockWaitMs ?? 20 * 60_000);
}

function goVersion(env: NodeJS.ProcessEnv): [number, number] | undefined {
  const go = onPath('go', env);
  if (!go) return undefined;
  const run = spawnSync(go, ['version'], { encoding: 'utf8', env, timeout: 15_000 });
  const match = /go(\d+)\.(\d+)/.exec(run.stdout ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One builder per cache directory: the lock file holds its pid; a dead holder's lock is taken over. */
function tryLock(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isFinite(holder) && holder > 0 && processAlive(holder)) return false;
    rmSync(lockPath, { force: true });
    return tryLock(lockPath);
  }
}

async function buildIntoCache(dir: string, env: NodeJS.ProcessEnv, log: (line: string) => void, reasons: string[], lockWaitMs: number): Promise<ResolvedBinary> {
  const target = join(dir, 'livekit-server');
  const version = goVersion(env);
  if (!version) throw new LiveKitBinaryError(noServerMessage([...reasons, 'no `go` on PATH to build one']));
  if (version[0] < GO_MINIMUM[0] || (version[0] === GO_MINIMUM[0] && version[1] < GO_MINIMUM[1])) {
    // With GOTOOLCHAIN=auto go fetches a newer toolchain itself; with `local` the build log says why it failed.
    log(`go ${version.join('.')} is older than the ${GO_MINIMUM.join('.')} LiveKit's go.mod asks for; go may fetch a newer toolchain`);
  }

  mkdirSync(dir, { recursive: true });
  const lockPath = `${dir}.lock`;
  const deadline = Date.now() + lockWaitMs;
  let announced = false;
  while (!tryLock(lockPath)) {
    if (!announced) log(`waiting for another process building LiveKit server v${LIVEKIT_SERVER_VERSION} into ${dir} ...`);
    announced = true;
    if (Date.now() > deadline) throw new LiveKitBinaryError(`gave up waiting for the build holding ${lockPath}; remove the file if no build runs`);
    await sleep(500);
  }
  try {
    // The other process may have finished while this one waited.
    if (existsSync(target) && binaryVersion(target, env) === LIVEKIT_SERVER_VERSION) return { path: target, version: LIVEKIT_SERVER_VERSION, source: 'cache' };
    const staging = join(dir, 'staging');
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    const logFile = join(dir, 'build.log');
    log(`building LiveKit server v${LIVEKIT_SERVER_VERSION} with go (once; a few minutes on a cold module cache) ...`);
    const started = Date.now();
    const status = await goInstall(env, staging, logFile);
    const built = join(staging, 'server');
    if (status !== 0 || !existsSync(built)) {
      throw new LiveKitBinaryError(`building LiveKit server v${LIVEKIT_SERVER_VERSION} failed (go exit ${status}); the go output is in ${logFile}\n${tail(logFile)}`);
    }
    renameSync(built, target);
    rmSync(staging, { recursive: true, force: true });
    const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    log(`built ${target} in ${buildSeconds} s`);
    return { path: target, version: LIVEKIT_SERVER_VERSION, source: 'built', buildSeconds };
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function goInstall(env: NodeJS.ProcessEnv, gobin: string, logFile: string): Promise<number> {
  const out = openSync(logFile, 'w');
  // LiveKit's own Dockerfile builds with CGO_ENABLED=0; -modcacherw keeps the module cache deletable.
  const child = spawn('go', ['install', '-modcacherw', `${LIVEKIT_SERVER_MODULE}@v${LIVEKIT_SERVER_VERSION}`], {
    env: { ...env, CGO_ENABLED: '0', GOBIN: gobin },
    stdio: ['ignore', out, out],
  });
  return new Promise((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code) => {
      closeSync(out);
      resolve(code ?? 1);
    });
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
