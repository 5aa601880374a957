/**
 * Load generator for bench/webhook.bench.ts, run in its own process so it does not share a core
 * with the server under test. Posts pre-signed webhooks over keep-alive connections for a fixed
 * time and prints one JSON line: requests, errors, per-request latencies (ms).
 */
import { Agent, request } from 'node:http';

interface LoadInput {
  url: string;
  concurrency: number;
  durationMs: number;
  requests: { body: string; authorization: string }[];
}

import { readFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadInput;
const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency });
const target = new URL(input.url);
const latencies: number[] = [];
let errors = 0;
let next = 0;
const deadline = performance.now() + input.durationMs;

function post(item: { body: string; authorization: string }): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/webhook+json', authorization: item.authorization, 'content-length': Buffer.byteLength(item.body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(item.body);
  });
}

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    const item = input.requests[next++ % input.requests.length]!;
    const started = performance.now();
    const status = await post(item);
    if (status !== 200) errors++;
    latencies.push(performance.now() - started);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: input.concurrency }, () => worker()));
const elapsedMs = performance.now() - started;
agent.destroy();
console.log(JSON.stringify({ requests: latencies.length, errors, elapsedMs, latencies }));
