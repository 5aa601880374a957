/**
 * Webhook throughput and agent start-up. Our `interpreter serve` HTTP server (verify, dedupe,
 * route, dry-run launcher) against a bare `http` server that only calls
 * `WebhookReceiver.receive` (the floor), both fed the same pre-signed `participant_joined`
 * webhooks by a load generator in another process: both warmed, then measured in several
 * alternating rounds (bare first in odd rounds, ours first in even ones), so a slow moment of this
 * shared machine lands on both; the figure is the median of the per-round ratios, with their spread.
 * Then the time from a signed `room_started` to the launched agent process's first log line: its
 * CLI and profile loaded, before it reaches any LiveKit server (it is given none that answers).
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WebhookReceiver } from 'livekit-server-sdk';
import { pino } from 'pino';
import { loadProfilesOrThrow } from '../src/profiles/index.ts';
import { DryRunLauncher } from '../src/orchestrator/dry-run-launcher.ts';
import { LocalProcessLauncher } from '../src/orchestrator/local-launcher.ts';
import { createWebhookHandler } from '../src/orchestrator/webhook.ts';
import { createWebhookServer, listen } from '../src/orchestrator/http-server.ts';
import { roomEventBody, signWebhookBody } from '../src/orchestrator/signing.ts';
import { percentile, writeResult } from './report.ts';

const KEY = 'APIbench';
const SECRET = 'bench-secret-bench-secret-bench-secret';
const DURATION_MS = Number(process.env.BENCH_WEBHOOK_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);
const root = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const silent = pino({ level: 'silent' });

async function load(url: string, requests: { body: string; authorization: string }[]) {
  const inputFile = join(tmpdir(), `webhook-load-${process.pid}.json`);
  writeFileSync(inputFile, JSON.stringify({ url, concurrency: CONCURRENCY, durationMs: DURATION_MS, requests }));
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/webhook-load.ts', import.meta.url)), inputFile], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  });
  const result = JSON.parse(stdout) as { requests: number; errors: number; elapsedMs: number; latencies: number[] };
  const sorted = result.latencies.sort((a, b) => a - b);
  return { perSecond: (result.requests / result.elapsedMs) * 1000, errors: result.errors, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function bareServer(): Server {
  const receiver = new WebhookReceiver(KEY, SECRET);
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.receive(Buffer.concat(chunks).toString('utf8'), req.headers.authorization).then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        () => res.writeHead(401).end(),
      );
    });
  });
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

// The most frequent webhooks are participant and track events: verified, then acknowledged.
const requests = await Promise.all(
  Array.from({ length: 2000 }, async (_, i) => {
    const body = roomEventBody({ event: 'participant_joined', room: `room-${i % 50}`, id: `EV_bench_${i}` });
    return { body, authorization: await signWebhookBody(body, KEY, SECRET, '5m') };
  }),
);

const profiles = await loadProfilesOrThrow(fileURLToPath(new URL('../configs', import.meta.url)));
const handle = createWebhookHandler({ apiKey: KEY, apiSecret: SECRET, profiles, launcher: new DryRunLauncher(), logger: silent });
const ours = createWebhookServer({ handle, logger: silent });
const oursPort = await listen(ours, 0, '127.0.0.1');
const bare = bareServer();
const barePort = await listen(bare, 0, '127.0.0.1');

type Load = Awaited<ReturnType<typeof load>>;
const bareUrl = `http://127.0.0.1:${barePort}/webhook`;
const oursUrl = `http://127.0.0.1:${oursPort}/webhook`;
// Warm both (JIT, connection setup) with requests the measured rounds do not reuse first.
await load(bareUrl, requests.slice(0, 200));
await load(oursUrl, requests.slice(0, 200));
const rounds: { bare: Load; ours: Load; ratio: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // The 2,000 event ids cycle, so most of ours' answers are `duplicate` (as for LiveKit's
  // retries): what is compared is the verification and the de-duplication, not the routing.
  const order = round % 2 === 0 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const);
  const measured: Partial<Record<'bare' | 'ours', Load>> = {};
  for (const which of order) measured[which] = await load(which === 'bare' ? bareUrl : oursUrl, requests);
  const bare = measured.bare!;
  const ours = measured.ours!;
  rounds.push({ bare, ours, ratio: ours.perSecond / bare.perSecond });
}
await closeServer(ours);
await closeServer(bare);
const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50);
const ratios = rounds.map((r) => r.ratio);
const ratio = median(ratios);
const oursPerSecond = median(rounds.map((r) => r.ours.perSecond));
const barePerSecond = median(rounds.map((r) => r.bare.perSecond));

// room_started -> the agent process's first log line, through the local launcher and the real CLI.
// No LiveKit server answers at the URL it is given: what is timed is the launch and the CLI's
// start (imports, profile), not joining a room.
const startups: number[] = [];
const processFloor: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, ['-e', 'console.log("up")'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => resolve());
  });
  processFloor.push(performance.now() - started);

  let firstLine: () => void = () => undefined;
  const up = new Promise<void>((resolve) => (firstLine = resolve));
  const logger = pino({ level: 'info' }, { write: (line: string) => (line.includes('"pid"') && line.includes('"stream"') ? firstLine() : undefined) });
  const launcher = new LocalProcessLauncher({
    logger,
    env: { LIVEKIT_URL: 'ws://127.0.0.1:1', AZURE_SPEECH_KEY: 'bench', AZURE_SPEECH_REGION: 'westeurope', LOG_LEVEL: 'info' },
    stopGraceMs: 2000,
  });
  const localHandle = createWebhookHandler({ apiKey: KEY, apiSecret: SECRET, profiles, launcher, logger: silent });
  const body = roomEventBody({ event: 'room_started', room: `board-bench-${i}` });
  const t0 = performance.now();
  await localHandle({ body, authorization: await signWebhookBody(body, KEY, SECRET) });
  await up;
  startups.push(performance.now() - t0);
  await launcher.close();
}
startups.sort((a, b) => a - b);
processFloor.sort((a, b) => a - b);

const startupMedian = percentile(startups, 50);
writeResult({
  name: 'webhook',
  params: { roundMs: DURATION_MS, rounds: ROUNDS, concurrency: CONCURRENCY, event: 'participant_joined', agentStartRuns: startups.length },
  metrics: {
    verifiedPerSecond: oursPerSecond,
    ratioToBareMedian: ratio,
    ratioToBareMin: Math.min(...ratios),
    ratioToBareMax: Math.max(...ratios),
    p50Ms: median(rounds.map((r) => r.ours.p50)),
    p99Ms: median(rounds.map((r) => r.ours.p99)),
    errors: rounds.reduce((n, r) => n + r.ours.errors, 0),
    agentFirstLogMsMedian: startupMedian,
    agentFirstLogMsMax: startups[startups.length - 1] ?? Number.NaN,
  },
  baseline: {
    verifiedPerSecond: barePerSecond,
    p50Ms: median(rounds.map((r) => r.bare.p50)),
    p99Ms: median(rounds.map((r) => r.bare.p99)),
    errors: rounds.reduce((n, r) => n + r.bare.errors, 0),
    nodeProcessUpMsMedian: percentile(processFloor, 50),
  },
  targets: [
    { metric: 'verifiedPerSecond', label: 'webhook: signed `participant_joined` verified and answered per second (median of rounds)', target: '> 2000/s', value: oursPerSecond, pass: oursPerSecond > 2000 },
    {
      metric: 'ratioToBareMedian',
      label: `webhook: ours / bare WebhookReceiver server, median of ${ROUNDS} alternating rounds (spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
      target: '>= 0.9x',
      value: ratio,
      pass: ratio >= 0.9,
    },
    { metric: 'agentFirstLogMsMedian', label: 'webhook: signed `room_started` to the local agent process\'s first log line (no LiveKit reached), median ms', target: '< 1000 ms', value: startupMedian, pass: startupMedian < 1000 },
  ],
});
