/**
 * The heartbeat and `interpreter health`: real child processes keep a heartbeat; one of them then
 * blocks its event loop (alive, wedged) and must turn unhealthy, while the other stays healthy.
 * The waits are for events (a child's message, the beat going stale), with generous timeouts.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkHeartbeat, HEARTBEAT_FILE_ENV, startHeartbeat, startHeartbeatFromEnv } from '../../src/agent/heartbeat.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const heartbeatModule = fileURLToPath(new URL('../../src/agent/heartbeat.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'interpreter-heartbeat-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Beats fast so the test need not wait long for staleness; blocks its loop when told to.
const childScript = join(work, 'beating-child.mts');
writeFileSync(
  childScript,
  `import { startHeartbeat } from ${JSON.stringify(heartbeatModule)};
startHeartbeat(process.argv[2], 100);
process.on('message', (message) => {
  if (message === 'block') process.send('blocking', () => { for (;;) {} });
});
process.send('beating');
`,
);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function nextMessage(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${expected}' from the child within 60 s`)), 60_000);
    child.on('message', (message) => {
      if (message === expected) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before '${expected}'`)));
  });
}

async function beatingChild(file: string): Promise<ChildProcess> {
  const child = fork(childScript, [file], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  await nextMessage(child, 'beating');
  return child;
}

/** Polls until the beat in `file` is stale for `maxAgeMs` (a generous limit only fails the test). */
async function untilStale(file: string, maxAgeMs: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (checkHeartbeat(file, maxAgeMs).healthy) {
    if (Date.now() > deadline) throw new Error(`the heartbeat in ${file} never went stale`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function health(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean[HEARTBEAT_FILE_ENV];
  return spawnSync(process.execPath, ['bin/interpreter.js', 'health', ...args], { cwd: root, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
}

describe('the heartbeat and `interpreter health`', () => {
  it('turns unhealthy when a live process blocks its event loop, while a beating one stays healthy', async () => {
    const liveFile = join(work, 'live');
    const wedgedFile = join(work, 'wedged');
    const live = await beatingChild(liveFile);
    const wedged = await beatingChild(wedgedFile);
    expect(health(['--file', wedgedFile, '--max-age-seconds', '3']).status, 'healthy while it beats').toBe(0);

    const blocking = nextMessage(wedged, 'blocking');
    wedged.send('block');
    await blocking;
    const lastBeat = readFileSync(wedgedFile, 'utf8');
    await untilStale(wedgedFile, 3_000);

    const unhealthy = health(['--file', wedgedFile, '--max-age-seconds', '3']);
    expect(unhealthy.status).toBe(1);
    expect(unhealthy.stderr).toMatch(/^unhealthy: the last heartbeat is \d+\.\d s old \(more than 3 s\): the agent's event loop is blocked or wedged/);
    // Wedged, not dead: the process is there (what `process.kill(pid, 0)` checks) and has stopped beating.
    expect(() => process.kill(wedged.pid!, 0)).not.toThrow();
    expect(wedged.exitCode).toBeNull();
    expect(readFileSync(wedgedFile, 'utf8')).toBe(lastBeat);

    // The same check, just as long after, passes for the process whose loop runs.
    const healthy = health(['--max-age-seconds', '3'], { [HEARTBEAT_FILE_ENV]: liveFile });
    expect(healthy.status, healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^healthy: heartbeat \d+\.\d s old/);
    expect(live.exitCode).toBeNull();
  });

  it('writes at once, and a stopped heartbeat is no heartbeat', () => {
    const file = join(work, 'stopped');
    const before = Date.now();
    const heartbeat = startHeartbeat(file, 60_000);
    const beat = Number(readFileSync(file, 'utf8'));
    expect(beat).toBeGreaterThanOrEqual(before);
    expect(checkHeartbeat(file, 1_000, beat + 500)).toMatchObject({ healthy: true, ageMs: 500 });
    expect(checkHeartbeat(file, 1_000, beat + 1_500)).toMatchObject({ healthy: false, ageMs: 1_500 });
    heartbeat.stop();
    heartbeat.stop();
    expect(checkHeartbeat(file, 1_000)).toEqual({ healthy: false, message: `no heartbeat at ${file}: the agent has not started beating, or it stopped` });
  });

  it('starts from INTERPRETER_HEARTBEAT_FILE only when it is set', () => {
    expect(startHeartbeatFromEnv({})).toBeUndefined();
    const file = join(work, 'from-env');
    const heartbeat = startHeartbeatFromEnv({ [HEARTBEAT_FILE_ENV]: file }, 60_000);
    expect(heartbeat?.file).toBe(file);
    expect(checkHeartbeat(file, 10_000).healthy).toBe(true);
    heartbeat?.stop();
  });

  it('reports bad input clearly: an unwritable file, a bad interval, a file that is not a beat', () => {
    expect(() => startHeartbeat(join(work, 'no-such-dir', 'beat'))).toThrow(/^cannot write the heartbeat file .*no-such-dir\/beat: ENOENT/);
    expect(() => startHeartbeat(join(work, 'x'), 0)).toThrow('heartbeat interval must be a positive number of milliseconds, not 0');
    const garbage = join(work, 'garbage');
    writeFileSync(garbage, 'yesterday\n');
    expect(checkHeartbeat(garbage, 1_000)).toEqual({ healthy: false, message: `the heartbeat at ${garbage} is not a timestamp: "yesterday"` });
    writeFileSync(garbage, '');
    expect(checkHeartbeat(garbage, 1_000).healthy).toBe(false);
    // A beat from the future (the clock stepped back) is fresh, not negative.
    writeFileSync(garbage, `${Date.now() + 60_000}`);
    expect(checkHeartbeat(garbage, 1_000)).toMatchObject({ healthy: true, ageMs: 0 });
    expect(checkHeartbeat(work, 1_000)).toMatchObject({ healthy: false, message: expect.stringMatching(/^cannot read the heartbeat at .*EISDIR/) });
  });

  it('refuses a bad --max-age-seconds and a missing heartbeat file setting', () => {
    for (const bad of ['0', '-5', 'soon', '']) {
      const run = health(['--file', join(work, 'live'), `--max-age-seconds=${bad}`]);
      expect(run.status, bad).toBe(2);
      expect(run.stderr).toContain(`--max-age-seconds must be a positive number of seconds, not '${bad}'`);
    }
    const unset = health([]);
    expect(unset.status).toBe(1);
    expect(unset.stderr).toContain(`no heartbeat file: pass --file or set ${HEARTBEAT_FILE_ENV}`);
  });

  it('is started by `interpreter agent`: an unwritable heartbeat file stops it before it joins', () => {
    const run = spawnSync(process.execPath, ['bin/interpreter.js', 'agent', '--room', 'board-q3', '--profile', 'board-meeting'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, [HEARTBEAT_FILE_ENV]: join(work, 'no-such-dir', 'beat'), LIVEKIT_URL: 'ws://127.0.0.1:1' },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^interpreter agent: cannot write the heartbeat file .*no-such-dir\/beat/m);
  });
});
