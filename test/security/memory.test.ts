/**
 * The attack that took `serve` from 89 to 378 MB: 300 slow unauthenticated connections, each
 * promising a 1 MiB body and trickling it in (half of them trickle their headers instead). The
 * server runs in its own process (`interpreter serve`, as shipped) so that its resident memory is
 * what is measured. Bound: its RSS grows by less than MEMORY_BOUND_MB (50) while the attack is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CONNECTIONS = 300;
/** Measured growth here: 10-22 MB (bodies in flight when their connections are cut); reading bodies before verifying: +125 MB. */
const MEMORY_BOUND_MB = 50;
let child: ChildProcess;
let port = 0;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

beforeAll(async () => {
  child = spawn(process.execPath, ['bin/interpreter.js', 'serve', '--launcher', 'dry-run', '--port', '0', '--reconcile-seconds', '0'], {
    cwd: root,
    env: { ...process.env, LIVEKIT_API_KEY: 'APImemory', LIVEKIT_API_SECRET: 'memory-test-secret-memory-test-secret', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { port?: number };
        if (entry.port) resolve(entry.port);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
}, 60_000);

afterAll(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

function slowClient(index: number): { socket: Socket; closed: Promise<void>; stop(): void } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  socket.once('connect', () => {
    if (index % 2 === 0) {
      socket.write(`POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/webhook+json\r\ncontent-length: ${1024 * 1024}\r\nauthorization: eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.\r\n\r\n`);
      // Most of the body at once, the last bytes never: a server that buffers before it verifies holds ~1 MiB here.
      socket.write(Buffer.alloc(1000 * 1024, 120));
      timer = setInterval(() => socket.writable && socket.write(Buffer.alloc(16, 120)), 100);
    } else {
      socket.write('POST /webhook HTTP/1.1\r\nhost: x\r\n');
      timer = setInterval(() => socket.writable && socket.write('x-a: b\r\n'), 100);
    }
  });
  return {
    socket,
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

describe('300 slow unauthenticated connections', () => {
  it(`leave the server's memory within ${MEMORY_BOUND_MB} MB of where it was, and it still serves`, async () => {
    const pid = child.pid!;
    for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${port}/healthz`);
    const before = rssMb(pid);
    const clients = Array.from({ length: CONNECTIONS }, (_, i) => slowClient(i));
    // Sample while the attack runs: every header trickler is still open (5 s headers timeout).
    let peak = before;
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      peak = Math.max(peak, rssMb(pid));
    }
    const stillOpen = clients.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length;
    for (const client of clients) client.stop();
    await Promise.all(clients.map((c) => c.closed));
    console.log(`serve RSS ${before.toFixed(1)} MB before, ${peak.toFixed(1)} MB at peak (+${(peak - before).toFixed(1)} MB), ${stillOpen} of ${CONNECTIONS} attack connections open at the end`);
    expect(peak - before).toBeLessThan(MEMORY_BOUND_MB);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
