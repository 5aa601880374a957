/**
 * The heartbeat in one process: what the timer writes as the (fake) clock advances, what `stop()`
 * leaves behind, and the exact verdicts and messages `interpreter health` prints for a beat file.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { checkHeartbeat, startHeartbeat, type Heartbeat } from '../../src/agent/heartbeat.ts';

const work = mkdtempSync(join(tmpdir(), 'interpreter-heartbeat-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const started: Heartbeat[] = [];
afterEach(() => {
  for (const heartbeat of started.splice(0)) heartbeat.stop();
  vi.useRealTimers();
});

let files = 0;
/** A fresh path in its own directory, so tests can remove the directory under a heartbeat. */
function freshFile(): string {
  const dir = join(work, `case-${++files}`);
  mkdirSync(dir);
  return join(dir, 'beat');
}

function start(file: string, intervalMs: number): Heartbeat {
  const heartbeat = startHeartbeat(file, intervalMs);
  started.push(heartbeat);
  return heartbeat;
}

function beatFile(content: string): string {
  const file = freshFile();
  writeFileSync(file, content);
  return file;
}

describe('startHeartbeat: the timer', () => {
  it('writes the current time at once and again at every interval', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const file = freshFile();
    start(file, 1_000);
    expect(readFileSync(file, 'utf8')).toBe('1700000000000\n');
    vi.advanceTimersByTime(999);
    expect(readFileSync(file, 'utf8')).toBe('1700000000000\n');
    vi.advanceTimersByTime(1);
    expect(readFileSync(file, 'utf8')).toBe('1700000001000\n');
    vi.advanceTimersByTime(2_000);
    expect(readFileSync(file, 'utf8')).toBe('1700000003000\n');
  });

  it('keeps running when a later write fails, and beats again once the path is writable', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const file = freshFile();
    const dir = join(file, '..');
    start(file, 1_000);
    rmSync(dir, { recursive: true });
    expect(() => vi.advanceTimersByTime(1_000)).not.toThrow();
    expect(existsSync(file)).toBe(false);
    mkdirSync(dir);
    vi.advanceTimersByTime(1_000);
    expect(readFileSync(file, 'utf8')).toBe('1700000002000\n');
  });

  it('stops writing once stopped', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const file = freshFile();
    const heartbeat = start(file, 1_000);
    heartbeat.stop();
    vi.advanceTimersByTime(5_000);
    expect(existsSync(file)).toBe(false);
  });
});

describe('Heartbeat.stop', () => {
  it('removes the file, and does not throw when the file is already gone', () => {
    const file = freshFile();
    const heartbeat = start(file, 60_000);
    rmSync(file);
    expect(() => heartbeat.stop()).not.toThrow();
    expect(existsSync(file)).toBe(false);
  });

  it('is idempotent: stopping again does not remove the file of a heartbeat started since on the same path', () => {
    const file = freshFile();
    const first = start(file, 60_000);
    first.stop();
    expect(existsSync(file)).toBe(false);
    start(file, 60_000);
    first.stop();
    expect(existsSync(file)).toBe(true);
  });
});

describe('checkHeartbeat', () => {
  it('reports a fresh beat healthy with its age in seconds to one decimal', () => {
    const file = beatFile('1000000\n');
    expect(checkHeartbeat(file, 30_000, 1_001_500)).toEqual({ healthy: true, ageMs: 1_500, message: 'heartbeat 1.5 s old' });
    expect(checkHeartbeat(file, 30_000, 1_000_000)).toEqual({ healthy: true, ageMs: 0, message: 'heartbeat 0.0 s old' });
    expect(checkHeartbeat(file, 30_000, 1_012_345)).toEqual({ healthy: true, ageMs: 12_345, message: 'heartbeat 12.3 s old' });
  });

  it('is still healthy at exactly maxAgeMs old, and stale one millisecond later', () => {
    const file = beatFile('1000000');
    expect(checkHeartbeat(file, 3_000, 1_003_000)).toEqual({ healthy: true, ageMs: 3_000, message: 'heartbeat 3.0 s old' });
    expect(checkHeartbeat(file, 3_000, 1_003_001)).toEqual({
      healthy: false,
      ageMs: 3_001,
      message: "the last heartbeat is 3.0 s old (more than 3 s): the agent's event loop is blocked or wedged",
    });
  });

  it('states a stale beat with its age and the limit in seconds', () => {
    const file = beatFile('1000000');
    expect(checkHeartbeat(file, 1_500, 1_004_260)).toEqual({
      healthy: false,
      ageMs: 4_260,
      message: "the last heartbeat is 4.3 s old (more than 1.5 s): the agent's event loop is blocked or wedged",
    });
  });

  it('takes only digits as a timestamp, not what Number() would also read (1e3, 0x10, +123, -5)', () => {
    for (const text of ['1e3', '0x10', '+123', '-5', '12x', 'x12', '']) {
      const file = beatFile(`${text}\n`);
      expect(checkHeartbeat(file, 1_000_000_000, 2_000_000), text).toEqual({ healthy: false, message: `the heartbeat at ${file} is not a timestamp: ${JSON.stringify(text)}` });
    }
  });

  it('quotes at most the first 40 characters of a file that is not a beat', () => {
    const text = 'x'.repeat(30) + 'y'.repeat(30);
    const file = beatFile(text);
    expect(checkHeartbeat(file, 1_000, 0)).toEqual({ healthy: false, message: `the heartbeat at ${file} is not a timestamp: "${'x'.repeat(30)}${'y'.repeat(10)}"` });
  });
});
