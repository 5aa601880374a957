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

/** `agent --await-room` with an IPC channel, as the local launcher starts it. */
function warmAgent(env: Record<string, string>) {
  const child = spawn(process.execPath, ['bin/interpreter.js', 'agent', '--await-room'], {
    cwd: root,
    env: { ...process.env, AZURE_SPEECH_KEY: 'k', AZURE_SPEECH_REGION: 'westeurope', LOG_LEVEL: 'info', LIVEKIT_URL: twirp.url.replace('http', 'ws'), LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const messages: unknown[] = [];
  const ready = new Promise<void>((resolve) => child.on('message', (message) => {
    messages.push(message);
    if ((message as { type?: string }).type === 'ready') resolve();
  }));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string; messages: unknown[] }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, messages })));
  return { child, ready, exited };
}

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

  it('as a warm agent, says ready once loaded and serves the room the launcher sends, with its sid', async () => {
    const warm = warmAgent({ INTERPRETER_ROOM: 'not-this-one', INTERPRETER_ROOM_SID: 'RM_live' });
    await warm.ready;
    // live-room exists, but not under this sid: the sid from the message is the one held to.
    warm.child.send({ type: 'launch', request: { room: 'live-room', roomSid: 'RM_other', profile: 'board-meeting' } });
    const result = await warm.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('room live-room (sid RM_other) no longer exists');
    expect(result.messages).toEqual([{ type: 'ready' }]);
  });

  it('as a warm agent, reads the profiles again for its room and names an unknown profile', async () => {
    const warm = warmAgent({});
    await warm.ready;
    warm.child.send({ type: 'ignored' });
    warm.child.send({ type: 'launch', request: { room: 'live-room', roomSid: 'RM_live', profile: 'no-such-profile' } });
    const result = await warm.exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ignored a message from the launcher that is not a launch request');
    expect(result.stderr).toMatch(/no profile named 'no-such-profile'.*board-meeting/);
  });

  it('as a warm agent, leaves quietly when its launcher goes away before giving it a room', async () => {
    const warm = warmAgent({});
    await warm.ready;
    warm.child.disconnect();
    const result = await warm.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('as a warm agent, fails before it says ready when the profiles or settings are broken', async () => {
    const badProfiles = await warmAgent({ INTERPRETER_PROFILES: `${root}no-such-folder` }).exited;
    expect(badProfiles.code).toBe(1);
    expect(badProfiles.messages).toEqual([]);
    expect(badProfiles.stderr).toContain('no-such-folder');
    const noAzure = await warmAgent({ AZURE_SPEECH_KEY: '', AZURE_SPEECH_REGION: '' }).exited;
    expect(noAzure.code).toBe(1);
    expect(noAzure.messages).toEqual([]);
    expect(noAzure.stderr).toMatch(/AZURE_SPEECH_KEY/);
  });

  it('refuses --await-room without a launcher\'s IPC channel, or with a room of its own', async () => {
    const alone = await agent(['--await-room'], {});
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('needs the IPC channel of a launcher');
    const withRoom = await agent(['--await-room', '--room', 'r', '--profile', 'board-meeting'], {});
    expect(withRoom.code).toBe(2);
    expect(withRoom.stderr).toContain('takes its room from the launcher');
  });
});
