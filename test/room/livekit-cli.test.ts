/**
 * `interpreter livekit` and `startLiveKit` around the real server's start-up and shutdown: the
 * server exits 0 after printing a start-up error, so each failure must still come out as one.
 */
import { spawn } from 'node:child_process';
import { Room } from '@livekit/rtc-node';
import { AccessToken } from 'livekit-server-sdk';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEV_API_KEY, DEV_API_SECRET } from '../../src/common/dev-credentials.ts';
import { LiveKitStartError, startLiveKit } from '../../src/local/livekit-server.ts';
import { binaryVersion, LIVEKIT_SERVER_VERSION } from '../../src/local/livekit-binary.ts';
import { freeTcpPort, freeUdpPort } from '../../src/local/ports.ts';
import { eventually, liveKitBinary } from './livekit.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function livekitCli(args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [bin, 'livekit', ...args], { env: { ...process.env, LIVEKIT_SERVER_BIN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function freePorts() {
  return ['--port', String(await freeTcpPort()), '--rtc-tcp-port', String(await freeTcpPort('0.0.0.0')), '--rtc-udp-port', String(await freeUdpPort())];
}

describe('interpreter livekit', () => {
  it('--install prints the absolute path of the pinned server as its last line', async () => {
    const run = await livekitCli(['--install']);
    expect(run.code).toBe(0);
    const path = run.stdout.trim().split('\n').pop()!;
    expect(path.startsWith('/')).toBe(true);
    expect(binaryVersion(path)).toBe(LIVEKIT_SERVER_VERSION);
  });

  it('a bad config is a failed start (exit 1) with the server\'s own message', async () => {
    const run = await livekitCli([...(await freePorts()), '--node-ip', 'not-an-address']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid ip not-an-address/);
  });

  it('a port in use is a failed start with the server\'s message', async () => {
    const holder = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    try {
      const [, , ...rtc] = await freePorts();
      const run = await livekitCli(['--port', String(port), '--bind', '127.0.0.1', ...rtc]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/address already in use/);
    } finally {
      holder.close();
    }
  });

  it('a webhook key that is not among the keys is a failed start, not a server without webhooks', async () => {
    const start = startLiveKit({ binary: await liveKitBinary(), webhookUrls: ['http://127.0.0.1:9/never'], webhookApiKey: 'not-a-key' });
    await expect(start).rejects.toThrow(LiveKitStartError);
    await expect(start).rejects.toThrow(/api_key is required to use webhooks/);
  });

  it('refuses a non-loopback --bind with the public dev keys, and takes it with your own', async () => {
    const refused = await livekitCli([...(await freePorts()), '--bind', '10.200.0.1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing to listen on 10\.200\.0\.1 with the public dev API secret 'secret'.*--throwaway/);

    const child = spawn(process.execPath, [bin, 'livekit', ...(await freePorts()), '--bind', '10.200.0.1', '--keys', 'lan-key:a-secret-of-at-least-32-characters'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await eventually(() => /URL\s+ws:\/\/10\.200\.0\.1:/.test(stdout) || child.exitCode !== null, 'the server up on 10.200.0.1');
    expect(stdout).toMatch(/API key\s+lan-key/);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('ends on SIGTERM with a participant still connected, forcing the stop after the grace period', async () => {
    let url = '';
    const child = spawn(process.execPath, [bin, 'livekit', ...(await freePorts()), '--grace-ms', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (url ||= /URL\s+(\S+)/.exec(chunk.toString('utf8'))?.[1] ?? ''));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await eventually(() => url !== '', 'the server up');
    const token = new AccessToken(DEV_API_KEY, DEV_API_SECRET, { identity: 'stays' });
    token.addGrant({ roomJoin: true, room: 'shutdown-room' });
    const participant = new Room();
    await participant.connect(url, await token.toJwt(), { autoSubscribe: false, dynacast: false });
    expect(participant.isConnected).toBe(true);
    // The server's own first SIGTERM waits for participants to leave, however long they stay.
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    await participant.disconnect();
  });
});
