/**
 * `interpreter check`'s LiveKit half against the real server's own failures: a closed port, a
 * key it does not have, a secret that does not match, tokens that lack a grant; and the webhook
 * check against real `serve` processes: one that gets and verifies LiveKit's room_started, one
 * with the wrong secret that rejects it, one LiveKit never sends to.
 */
import { spawn } from 'node:child_process';
import { Socket, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkLiveKit } from '../../src/cli/check/livekit.ts';
import type { CheckResult } from '../../src/cli/check/report.ts';
import { freeTcpPort } from '../../src/local/ports.ts';
import { startTestLiveKit } from './livekit.ts';
import { startServe } from './serve.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const KEY = 'checkkey';
const SECRET = 'a-check-secret-of-at-least-thirty-two-chars';

const [goodPort, wrongKeyPort] = [await freeTcpPort(), await freeTcpPort()];
const livekit = await startTestLiveKit({
  keys: { [KEY]: SECRET },
  webhookApiKey: KEY,
  webhookUrls: [`http://127.0.0.1:${goodPort}/webhook`, `http://127.0.0.1:${wrongKeyPort}/webhook`],
});
const access = { url: livekit.url, apiKey: KEY, apiSecret: SECRET };

function check(args: string[], env: Record<string, string>): Promise<{ code: number | null; results: CheckResult[]; output: string }> {
  const child = spawn(process.execPath, [bin, 'check', '--skip-azure', '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const json = stdout.slice(stdout.indexOf('{'));
      let results: CheckResult[] = [];
      try {
        results = (JSON.parse(json) as { results: CheckResult[] }).results;
      } catch {
        // Left empty: the assertions then show the output.
      }
      resolve({ code, results, output: `${stdout}\n${stderr}` });
    });
  });
}
const env = (more: Record<string, string> = {}) => ({ LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET, ...more });
const status = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));
const find = (results: CheckResult[], id: string) => results.find((r) => r.id === id);

/**
 * A port nothing listens on that no one else can take while the test runs: the local end of an
 * open outgoing connection. The kernel keeps it bound to that connection and refuses connects to it.
 * Held until the calling test finishes.
 */
async function heldClosedPort(): Promise<number> {
  const server = createServer((socket) => void socket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const client: Socket = await new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(typeof address === 'object' && address ? address.port : 0, '127.0.0.1', () => resolve(socket));
  });
  onTestFinished(() => {
    client.destroy();
    server.close();
  });
  return client.localPort!;
}

describe('interpreter check: LiveKit', () => {
  it('passes every LiveKit check against a server that takes the key', async () => {
    const run = await check([], env());
    expect(status(run.results), run.output).toEqual({ 'livekit.url': 'pass', 'livekit.key': 'pass', 'livekit.grants.roomservice': 'pass', 'livekit.grants.agent': 'pass' });
    expect(run.code).toBe(0);
  });

  it('fails a closed port with the fix, and skips what needs the server', async () => {
    const port = await heldClosedPort();
    const run = await check([], env({ LIVEKIT_URL: `ws://127.0.0.1:${port}` }));
    expect(find(run.results, 'livekit.url')).toMatchObject({ status: 'fail', detail: `nothing listens at 127.0.0.1:${port}`, fix: expect.stringContaining('interpreter livekit') });
    expect(status(run.results)).toMatchObject({ 'livekit.key': 'skip', 'livekit.grants': 'skip' });
    expect(run.code).toBe(1);
  });

  it('tells a key the server does not have from a secret that does not match it', async () => {
    const unknown = await check([], env({ LIVEKIT_API_KEY: 'nosuchkey' }));
    expect(find(unknown.results, 'livekit.key')).toMatchObject({ status: 'fail', detail: 'the server has no key "nosuchkey"', fix: expect.stringContaining('LIVEKIT_API_KEY') });
    const wrongSecret = await check([], env({ LIVEKIT_API_SECRET: 'not-the-secret-but-long-enough-to-sign-with' }));
    expect(find(wrongSecret.results, 'livekit.key')).toMatchObject({ status: 'fail', detail: expect.stringContaining('the secret does not match'), fix: expect.stringContaining('LIVEKIT_API_SECRET') });
    // The server echoes the token in its message; the check must not print it.
    expect(wrongSecret.output).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });

  it('names the grant a token lacks when the server refuses it', async () => {
    const results = await checkLiveKit({ access, grants: { roomService: { roomCreate: true }, agent: { canPublish: true, canSubscribe: true } } });
    expect(find(results, 'livekit.key')!.status).toBe('pass');
    expect(find(results, 'livekit.grants.roomservice')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/permissions? denied.*lacks roomList/) });
    expect(find(results, 'livekit.grants.agent')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refused the agent's join.*lacks roomJoin/) });
    // A join the server allows can still be useless: an agent token that cannot publish data has no captions.
    const mute = await checkLiveKit({ access, grants: { agent: { roomJoin: true, canPublish: true, canSubscribe: true } } });
    expect(find(mute, 'livekit.grants.agent')).toMatchObject({ status: 'fail', detail: expect.stringContaining('lacks canPublishData, agent') });
  });
});

describe('interpreter check --webhook', () => {
  const serveEnv = { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: KEY, LIVEKIT_API_SECRET: SECRET };
  const dryRun = ['--launcher', 'dry-run', '--reconcile-seconds', '0', '--host', '127.0.0.1'];

  it('passes when serve reports the room_started of the check room it created', async () => {
    const serve = await startServe(dryRun, serveEnv, goodPort);
    onTestFinished(() => serve.stop().then(() => undefined));
    const run = await check(['--webhook', '--serve-url', `http://127.0.0.1:${serve.port}`], env());
    expect(find(run.results, 'webhook.room_started'), run.output).toMatchObject({ status: 'pass', detail: expect.stringMatching(/room_started for check-\w+/) });
    expect(run.code).toBe(0);
    // The room it made is gone again.
    expect((await livekit.rooms.listRooms()).filter((r) => r.name.startsWith('check-'))).toEqual([]);
  });

  it('fails with the key fix when serve rejects the delivery (another secret)', async () => {
    const serve = await startServe(dryRun, { ...serveEnv, LIVEKIT_API_SECRET: 'another-secret-that-is-long-enough-for-hs256' }, wrongKeyPort);
    onTestFinished(() => serve.stop().then(() => undefined));
    const run = await check(['--webhook', '--serve-url', `http://127.0.0.1:${serve.port}`], env());
    expect(find(run.results, 'webhook.room_started'), run.output).toMatchObject({ status: 'fail', detail: expect.stringContaining('serve rejected'), fix: expect.stringContaining('webhook.api_key') });
  });

  it('fails with the webhook configuration fix when LiveKit does not send to serve', async () => {
    const serve = await startServe(dryRun, serveEnv);
    onTestFinished(() => serve.stop().then(() => undefined));
    const run = await check(['--webhook', '--webhook-timeout', '5', '--serve-url', `http://127.0.0.1:${serve.port}`], env());
    expect(find(run.results, 'webhook.room_started'), run.output).toMatchObject({ status: 'fail', detail: expect.stringContaining('no room_started'), fix: expect.stringContaining(`urls: [http://127.0.0.1:${serve.port}/webhook]`) });
    expect(run.code).toBe(1);
  });
});
