/**
 * The logger picks its form from where its output goes: real child processes write to a pipe
 * (JSON) and to a pseudo-terminal made by util-linux `script` (pretty), with and without
 * `LOG_FORMAT`. Both forms carry the same fields, and credentials never reach either.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, logFormat, prettyLine, REDACTED } from '../../src/orchestrator/log.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const logModule = fileURLToPath(new URL('../../src/orchestrator/log.ts', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'interpreter-log-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = 'lk-secret-must-not-print-0123456789';
const AZURE_KEY = 'azure-key-must-not-print-abcdef';

// One event with the kinds of fields the code logs: strings with spaces, numbers, arrays, nested
// objects, an error, and credentials in the places a careless `logger.info({ settings })` puts them.
const child = join(work, 'child.mts');
writeFileSync(
  child,
  `import { createLogger } from ${JSON.stringify(logModule)};
const logger = createLogger({ name: 'probe' }).child({ room: 'board q3' });
logger.warn({ speakers: 2, sessions: ['de>fr', 'de>en'], livekit: { url: 'ws://127.0.0.1:7880', apiKey: 'devkey', apiSecret: ${JSON.stringify(SECRET)} }, azure: { key: ${JSON.stringify(AZURE_KEY)}, region: 'westeurope' }, apiSecret: ${JSON.stringify(SECRET)}, err: new Error('first line\\nsecond line') }, 'speaker joined\\nsecond line');
`,
);

/** The child's environment without anything of ours that would choose the format for it. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const copy = { ...process.env };
  delete copy.LOG_FORMAT;
  delete copy.NO_COLOR;
  delete copy.FORCE_COLOR;
  return { ...copy, ...extra };
}

function viaPipe(extra: Record<string, string> = {}): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', child], { cwd: root, env: env(extra), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** Runs the child with its stdout on a real pseudo-terminal (util-linux `script`). */
function viaTerminal(extra: Record<string, string> = {}): string {
  const command = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(child)}`;
  const run = spawnSync('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: root, env: env(extra), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.replace(/\r\n/g, '\n');
}

const lines = (output: string) => output.split('\n').filter((line) => line.length > 0);
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

describe('log format', () => {
  it('is JSON on a pipe: one parseable object per event, with every field', () => {
    const output = lines(viaPipe());
    expect(output).toHaveLength(1);
    const event = JSON.parse(output[0]!) as Record<string, unknown>;
    expect(event).toMatchObject({ level: 40, name: 'probe', room: 'board q3', speakers: 2, sessions: ['de>fr', 'de>en'], msg: 'speaker joined\nsecond line' });
    expect(event.livekit).toEqual({ url: 'ws://127.0.0.1:7880', apiKey: 'devkey', apiSecret: REDACTED });
    expect(event.err).toMatchObject({ type: 'Error', message: 'first line\nsecond line' });
    expect(typeof event.time).toBe('string');
  });

  it('is one coloured line per event on a terminal, carrying the same fields as the JSON', () => {
    const output = lines(viaTerminal());
    expect(output).toHaveLength(1);
    const line = output[0]!;
    expect(line).toMatch(/\u001b\[33mWARN/); // coloured level
    const text = plain(line);
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  probe: speaker joined\\nsecond line /);
    // Every field of the JSON form, with its value, is on the pretty line.
    const event = JSON.parse(lines(viaPipe())[0]!) as Record<string, unknown>;
    const { time, level, name, msg, ...fields } = event;
    expect([time, level, name, msg].every((v) => v !== undefined)).toBe(true);
    expect(Object.keys(fields).sort()).toEqual(['apiSecret', 'azure', 'err', 'livekit', 'room', 'sessions', 'speakers']);
    for (const [key, value] of Object.entries(fields)) {
      const shown = typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
      if (key === 'err') expect(text).toContain(`err={"type":"Error","message":"first line\\nsecond line","stack":"Error: first line\\nsecond line\\n`);
      else expect(text).toContain(`${key}=${shown}`);
    }
  });

  it('follows LOG_FORMAT over the terminal check, both ways', () => {
    const json = lines(viaTerminal({ LOG_FORMAT: 'json' }));
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]!)).toMatchObject({ name: 'probe', room: 'board q3' });

    const pretty = lines(viaPipe({ LOG_FORMAT: 'pretty' }));
    expect(pretty).toHaveLength(1);
    expect(pretty[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  probe: speaker joined/);
    expect(pretty[0]).not.toContain('\u001b['); // not a terminal: no colour codes in a file
  });

  it('leaves colour out on a terminal with NO_COLOR', () => {
    const output = lines(viaTerminal({ NO_COLOR: '1' }));
    expect(output[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  probe:/);
    expect(output[0]).not.toContain('\u001b[');
  });

  it('prints no credential in either form (the API key, a key pair\'s name, stays readable)', () => {
    for (const output of [viaPipe(), viaTerminal(), viaTerminal({ LOG_FORMAT: 'json' }), viaPipe({ LOG_FORMAT: 'pretty' })]) {
      expect(output).not.toContain(SECRET);
      expect(output).not.toContain(AZURE_KEY);
      expect(output).toContain('devkey');
      expect(output).toContain(REDACTED);
    }
  });

  it('refuses an unknown LOG_FORMAT with the values it takes', () => {
    expect(() => logFormat({ LOG_FORMAT: 'yaml' }, true)).toThrow("LOG_FORMAT must be json or pretty, not 'yaml'");
    const run = spawnSync(process.execPath, ['--import', 'tsx', child], { cwd: root, env: env({ LOG_FORMAT: 'text' }), encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("LOG_FORMAT must be json or pretty, not 'text'");
  });

  it('chooses by terminal when LOG_FORMAT is unset or blank, case-insensitively when set', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: '' }, true)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'JSON' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'Pretty' }, false)).toBe('pretty');
  });
});

describe('pretty lines', () => {
  it('keep each event on one line, whatever its message and fields contain', () => {
    const written: string[] = [];
    const logger = createLogger({ name: 'probe', format: 'pretty', color: false, destination: { write: (s: string) => written.push(s) } });
    logger.info({ note: 'a\nb', nested: { deep: { list: [1, 'two\nthree'] } } }, 'multi\r\nline');
    logger.error(new Error('boom\nbang'), 'failed');
    expect(written).toHaveLength(2);
    for (const line of written) expect(line.slice(0, -1)).not.toMatch(/[\r\n]/);
    expect(written[0]).toContain('INFO  probe: multi\\nline note="a\\nb" nested={"deep":{"list":[1,"two\\nthree"]}}');
    expect(written[1]).toMatch(/ERROR probe: failed err=\{"type":"Error","message":"boom\\nbang","stack":/);
  });

  it('keep the levels apart and pass through a line that is not JSON', () => {
    const written: string[] = [];
    const logger = createLogger({ level: 'debug', format: 'pretty', color: false, destination: { write: (s: string) => written.push(s) } });
    logger.debug('d');
    logger.fatal('f');
    expect(written.map((l) => l.split(' ')[1])).toEqual(['DEBUG', 'FATAL']);
    expect(prettyLine('not json\n')).toBe('not json');
  });
});

describe('prettyLine, character for character', () => {
  const event = { time: '2026-12-02T10:00:01.250Z', level: 30, name: 'interpreter', msg: 'room\nfinished\r\nfor good', room: 'board q3', sid: 'RM_1', note: 'a"b', pair: 'k=v', stopped: 1, nested: { a: [1] }, sids: ['RM_1'] };

  it('puts the time of day, level, name, message and every field on one line', () => {
    expect(prettyLine(JSON.stringify(event))).toBe('10:00:01.250 INFO  interpreter: room\\nfinished\\nfor good room="board q3" sid=RM_1 note="a\\"b" pair="k=v" stopped=1 nested={"a":[1]} sids=["RM_1"]');
  });

  it('leaves out what the event lacks, names an unknown level, and keeps a time of another shape as it came', () => {
    expect(prettyLine(JSON.stringify({ level: 35, msg: 'x' }))).toBe('L35 x');
    expect(prettyLine(JSON.stringify({ time: '2026-12-02T10:00:01Z', msg: 'x' }))).toBe('10:00:01 ? x');
    expect(prettyLine(JSON.stringify({ time: 1_764_669_601_250, level: 'custom' }))).toBe('1764669601250 custom');
  });

  it('colours the time and name dim, the level by severity, and field names cyan', () => {
    expect(prettyLine(JSON.stringify({ time: event.time, level: 50, name: 'interpreter', msg: 'failed', room: 'board' }), true)).toBe(
      '\u001b[2m10:00:01.250\u001b[0m \u001b[31mERROR\u001b[0m \u001b[2minterpreter:\u001b[0m failed \u001b[36mroom\u001b[0m=board',
    );
    expect(prettyLine(JSON.stringify({ level: 35 }), true)).toBe('\u001b[0mL35\u001b[0m');
  });
});
