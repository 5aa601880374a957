/**
 * Runs the real LiveKit server as a child process: writes its config, starts it, waits for
 * `GET /` to answer `OK`, and stops it. The server exits 0 after printing a start-up error (bad
 * config, webhook key not among `keys`, port in use: `cmd/server/main.go` prints the error and
 * returns), so any exit before `OK` is a failure, reported with what the server printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_API_KEY, DEV_API_SECRET } from '../common/dev-credentials.ts';
import { liveKitConfigYaml, type LiveKitServerSettings } from './livekit-config.ts';
import { freeTcpPort, freeUdpPort } from './ports.ts';

export class LiveKitStartError extends Error {
  override name = 'LiveKitStartError';
  constructor(
    message: string,
    /** What the server printed before it stopped. */
    readonly output: string,
  ) {
    super(output ? `${message}\n--- livekit-server output ---\n${output.trimEnd()}` : message);
  }
}

export interface StartOptions {
  binary: string;
  /** 0 or undefined: a free port (then a port race is retried with new ports). */
  port?: number;
  rtcTcpPort?: number;
  rtcUdpPort?: number;
  bindAddresses?: string[];
  keys?: Record<string, string>;
  webhookUrls?: string[];
  webhookApiKey?: string;
  emptyTimeoutSeconds?: number;
  departureTimeoutSeconds?: number;
  logLevel?: LiveKitServerSettings['logLevel'];
  redisAddress?: string;
  nodeIp?: string;
  /** Each line the server prints (it is also kept for errors and `output()`). */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunningLiveKit {
  /** Where clients and server SDKs connect: `ws://<first bind address>:<port>`. */
  url: string;
  /** The same address over HTTP (RoomService, health). */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  settings: LiveKitServerSettings;
  configPath: string;
  pid: number;
  /** Everything the server printed (the last 1 MB). */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGTERM (the server then waits for participants to leave), a second SIGTERM after `graceMs`
   * (the server's forced stop), SIGKILL 2 s later. Resolves once the process is gone.
   */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 1 << 20;
const PORT_RACE = /address already in use|bind: address|listen tcp.*in use/i;

function hostFor(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

async function settingsFrom(options: StartOptions): Promise<LiveKitServerSettings> {
  const bindAddresses = options.bindAddresses ?? ['127.0.0.1'];
  const first = bindAddresses[0]!;
  return {
    port: options.port || (await freeTcpPort(first)),
    bindAddresses,
    rtcTcpPort: options.rtcTcpPort || (await freeTcpPort('0.0.0.0')),
    rtcUdpPort: options.rtcUdpPort || (await freeUdpPort()),
    keys: options.keys ?? { [DEV_API_KEY]: DEV_API_SECRET },
    webhookUrls: options.webhookUrls ?? [],
    ...(options.webhookApiKey ? { webhookApiKey: options.webhookApiKey } : {}),
    emptyTimeoutSeconds: options.emptyTimeoutSeconds ?? 300,
    departureTimeoutSeconds: options.departureTimeoutSeconds ?? 20,
    logLevel: options.logLevel ?? 'info',
    ...(options.redisAddress ? { redisAddress: options.redisAddress } : {}),
    ...(options.nodeIp ? { nodeIp: options.nodeIp } : {}),
  };
}

export async function startLiveKit(options: StartOptions): Promise<RunningLiveKit> {
  const autoPorts = !options.port || !options.rtcTcpPort || !options.rtcUdpPort;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Free ports are found by binding and releasing them; another process may take one between.
      if (autoPorts && attempt < 4 && error instanceof LiveKitStartError && PORT_RACE.test(error.output)) continue;
      throw error;
    }
  }
}

async function startOnce(options: StartOptions): Promise<RunningLiveKit> {
  const settings = await settingsFrom(options);
  const [apiKey, apiSecret] = Object.entries(settings.keys)[0] ?? [];
  if (!apiKey || !apiSecret) throw new LiveKitStartError('at least one API key and secret are needed', '');
  const dir = mkdtempSync(join(tmpdir(), 'livekit-'));
  const configPath = join(dir, 'livekit.yaml');
  writeFileSync(configPath, liveKitConfigYaml(settings), { mode: 0o600 });

  const args = ['--config', configPath];
  const child = spawn(options.binary, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let partial = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-OUTPUT_LIMIT);
    if (!options.onOutput) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onOutput(line);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    });
    child.on('error', (error) => {
      output += `\n${error.message}`;
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: 127, signal: null });
    });
  });

  const host = hostFor(settings.bindAddresses[0]!);
  const httpUrl = `http://${host}:${settings.port}`;
  const ready = await waitReady(httpUrl, exited, options.readyTimeoutMs ?? 30_000);
  if (ready !== 'ready') {
    if (ready === 'timeout') await stopChild(child, exited, 2_000);
    const how = ready === 'timeout' ? `did not answer ${httpUrl}/ within ${options.readyTimeoutMs ?? 30_000} ms` : 'exited before it was ready';
    throw new LiveKitStartError(`livekit-server ${how}`, output);
  }

  return {
    url: `ws://${host}:${settings.port}`,
    httpUrl,
    apiKey,
    apiSecret,
    settings,
    configPath,
    pid: child.pid!,
    output: () => output,
    exited,
    stop: (graceMs = 5_000) => stopChild(child, exited, graceMs),
  };
}

async function waitReady(httpUrl: string, exited: Promise<unknown>, timeoutMs: number): Promise<'ready' | 'exited' | 'timeout'> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) return 'exited';
    try {
      const response = await fetch(`${httpUrl}/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok && (await response.text()).trim() === 'OK') return 'ready';
    } catch {
      // not listening yet
    }
    await Promise.race([sleep(50), exited]);
  }
  return gone ? 'exited' : 'timeout';
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timers: NodeJS.Timeout[] = [];
  child.kill('SIGTERM');
  // The server's first signal waits for participants; its second forces the stop.
  timers.push(setTimeout(() => child.kill('SIGTERM'), graceMs));
  timers.push(setTimeout(() => child.kill('SIGKILL'), graceMs + 2_000));
  await exited;
  for (const timer of timers) clearTimeout(timer);
}
