// A warm agent whose command is missing never gets a pid: Node's kill() on it, before the failed
// spawn is reported, signals what the handle holds, 0 (the caller's whole process group) or an
// arbitrary pid. The launcher runs in a child in its own group (detached), which counts such calls.
import { ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProcessLauncher } from '../../src/orchestrator/local-launcher.ts';
import { capturingLogger } from './helpers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/orchestrator/close-at-once.ts', import.meta.url));
const missing = fileURLToPath(new URL('../fixtures/orchestrator/no-such-program', import.meta.url));

function runInOwnGroup(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, missing], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('local launcher closed before its failed warm agents are reported', () => {
  it('signals neither children that never started nor, through them, its own process group; both failures are logged', async () => {
    const run = await runInOwnGroup();
    expect(run.stderr).toBe('');
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    expect(run.stdout.trim()).toBe('closed; 2 warm agents could not start; 0 kill() calls on children without a pid');
  }, 60_000);
});

describe('local launcher closed in the turn that built it, in this process', () => {
  const kill = ChildProcess.prototype.kill;
  afterEach(() => {
    ChildProcess.prototype.kill = kill;
  });

  it('calls kill() on no child without a pid (such calls are counted here and never reach the kernel)', async () => {
    const withoutPid: (NodeJS.Signals | number | undefined)[] = [];
    ChildProcess.prototype.kill = function (this: ChildProcess, signal?: NodeJS.Signals | number): boolean {
      if (this.pid === undefined) {
        withoutPid.push(signal);
        return false;
      }
      return kill.call(this, signal);
    };
    const { logger, lines } = capturingLogger();
    const launcher = new LocalProcessLauncher({ logger, command: [missing], warmAgents: 2 });
    await launcher.close();
    expect(withoutPid).toEqual([]);
    expect(lines.filter((line) => line.msg === 'could not start a warm agent; rooms start cold')).toHaveLength(2);
    expect(launcher.warmAgentsNow()).toEqual([]);
  });
});
