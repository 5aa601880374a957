import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { holdClosedPort } from '../closed-port.ts';
import { fileURLToPath } from 'node:url';
import { startTwirpServer, type TwirpServer } from '../orchestrator/livekit-twirp.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const KEY = 'APIagent';
const SECRET = 'agent-secret-agent-secret-agent-s';
let twirp: TwirpServer;

beforeAll(async () => {
  twirp = await startTwirpServer(KEY, SECRET, [{ name: 'live-room', sid: 'RM_live' }]);
});
afterAll(() => twirp.close());

function agent(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/interpreter.js', 'agent', ...args], {
      cwd: root,
      env: { ...process.env, AZURE_SPEECH_KEY: 'k', AZURE_SPEECH_REGION: 'westeurope', LOG_LEVEL: 'info', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('interpreter agent', () => {
  it('prints help with no environment at all', async () => {
    const result = await agent(['--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('interpretation-<lang>');
  });

  it('exits 0 without joining when the room is already gone (no launch loop)', async () => {
    const result = await agent(['--room', 'finished-room', '--profile', 'board-meeting'], { LIVEKIT_URL: twirp.url.replace('http', 'ws'), LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no longer exists');
  });

  it('fails fast with a clear error when LiveKit is unreachable', async () => {
    const closed = await holdClosedPort();
    onTestFinished(() => closed.release());
    const result = await agent(['--room', 'live-room', '--profile', 'board-meeting'], { LIVEKIT_URL: `ws://127.0.0.1:${closed.port}`, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach LiveKit at ws:\/\/127\.0\.0\.1:\d+.*LIVEKIT_URL/);
  });

  it('fails fast when LiveKit rejects the API key', async () => {
    const result = await agent(['--room', 'live-room', '--profile', 'board-meeting'], { LIVEKIT_URL: twirp.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: 'wrong-secret-wrong-secret-wrong-s' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rejected the API key 'APIagent' \(HTTP 401\).*LIVEKIT_API_SECRET/);
  });

  it('says what to set when Azure settings are missing, and names unknown profiles', async () => {
    const noAzure = await agent(['--room', 'live-room', '--profile', 'board-meeting'], { AZURE_SPEECH_KEY: '', AZURE_SPEECH_REGION: '', LIVEKIT_URL: twirp.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET });
    expect(noAzure.code).toBe(1);
    expect(noAzure.stderr).toMatch(/AZURE_SPEECH_KEY/);
    const unknown = await agent(['--room', 'live-room', '--profile', 'no-such-profile'], {});
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no profile named 'no-such-profile'.*board-meeting/);
  });
});
