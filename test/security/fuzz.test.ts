/**
 * A seeded fuzz of webhook requests against the real server: random and mutated bodies, tokens
 * and headers, some signed correctly over whatever body they carry. Whatever arrives, the server
 * never answers 5xx, never logs an error, stays up, and launches only rooms named in a request
 * whose signature was valid for exactly its body. The seed is printed; FUZZ_SEED replays a run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { forgeJwt } from '../orchestrator/helpers.ts';
import { API_KEY, API_SECRET, rawConnection, startTarget, statusOf, stopTargets, type Target } from './harness.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = 3000;
const RAW_REQUESTS = 400;

function roomNameIn(body: string): string | undefined {
  try {
    const name = (JSON.parse(body) as { room?: { name?: unknown } }).room?.name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let target: Target;
let launcher: DryRunLauncher;
beforeAll(async () => {
  launcher = new DryRunLauncher({ maxAgents: 100_000 });
  target = await startTarget({ launcher });
});
afterAll(stopTargets);

describe(`seeded fuzz (seed ${SEED})`, () => {
  it(`${REQUESTS} webhook bodies and tokens: no 5xx, no error logged, launches only with a valid signature`, async () => {
    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const int = (n: number) => Math.floor(random() * n);
    const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(pick([int(128), 32 + int(95), int(0x3000), 0x22, 0x5c, 0]))).join('');
    const events = ['room_started', 'room_finished', 'participant_joined', 'track_published', '', 'ROOM_STARTED'];
    const signedRooms = new Set<string>();
    const statuses = new Map<number, number>();
    let validlySigned = 0;

    const randomValue = (depth = 0): unknown =>
      pick([
        () => text(int(20)),
        () => int(1e9) - 5e8,
        () => random() > 0.5,
        () => null,
        () => (depth < 3 ? Array.from({ length: int(4) }, () => randomValue(depth + 1)) : []),
        () => (depth < 3 ? { name: randomValue(depth + 1), sid: randomValue(depth + 1) } : {}),
        () => String(BigInt(int(1e9)) * 10n ** BigInt(int(12))),
      ])();

    const makeBody = (): { body: string } => {
      const room = `board-${text(int(12))}`;
      const sid = pick([`RM_${int(1e6)}`, text(int(40)), '']);
      switch (int(5)) {
        case 0:
          return { body: text(int(300)) };
        case 1:
          return { body: JSON.stringify({ event: pick(events), id: randomValue(), createdAt: randomValue(), room: randomValue() }) };
        case 2: {
          const created = pick([Math.floor(Date.now() / 1000), Math.floor(Date.now() / 1000) - int(10_000), Math.floor(Date.now() / 1000) + int(10_000)]);
          return { body: roomEventBody({ event: pick(['room_started', 'room_finished']), room, sid: sid || 'RM_x', createdAt: created }) };
        }
        case 3: {
          const body = roomEventBody({ event: 'room_started', room, sid: sid || 'RM_y' });
          const at = int(body.length);
          return { body: body.slice(0, at) + text(int(4)) + body.slice(at + int(3)) };
        }
        default:
          return { body: JSON.stringify({ event: 'room_started', id: `EV_${int(1e9)}`, createdAt: String(Math.floor(Date.now() / 1000)), room: { name: room, sid: `RM_${int(1e9)}`, metadata: randomValue() } }) };
      }
    };

    // Every random draw happens here, in order, so that a seed always makes the same requests.
    const specs = Array.from({ length: REQUESTS }, () => {
      const { body } = makeBody();
      const kind = int(6);
      return { body, kind, at: random(), char: pick(['A', '.', '_', '-', '']), alg: pick(['none', 'HS384', 'RS256', 'HS256']), secret: pick([API_SECRET.slice(1), 'secret']), junk: text(int(60)), type: pick(['application/webhook+json', 'text/plain', 'application/json']) };
    });
    const one = async (spec: (typeof specs)[number]): Promise<void> => {
      const { body } = spec;
      let authorization: string | undefined;
      let valid = false;
      switch (spec.kind) {
        case 0:
          authorization = await signWebhookBody(body, API_KEY, API_SECRET);
          valid = true;
          break;
        case 1: {
          const token = await signWebhookBody(body, API_KEY, API_SECRET);
          const at = Math.floor(spec.at * token.length);
          authorization = token.slice(0, at) + spec.char + token.slice(at + 1);
          valid = authorization === token;
          break;
        }
        case 2:
          authorization = forgeJwt({ alg: spec.alg }, { iss: API_KEY, exp: Math.floor(Date.now() / 1000) + 300, sha256: createHash('sha256').update(body).digest('base64') }, spec.secret);
          break;
        case 3:
          authorization = await signWebhookBody(`${body}x`, API_KEY, API_SECRET);
          break;
        case 4:
          authorization = spec.junk.replace(/[^\x21-\x7e]/g, 'x') || undefined;
          break;
        default:
          authorization = undefined;
      }
      if (valid) {
        validlySigned++;
        // The room a valid signature covers is the one in its body, whatever the mutation did.
        const named = roomNameIn(body);
        if (named !== undefined) signedRooms.add(named);
      }
      const type = spec.type;
      let status: number;
      try {
        const response = await fetch(`http://127.0.0.1:${target.port}/webhook`, {
          method: 'POST',
          headers: { 'content-type': type, ...(authorization ? { authorization } : {}) },
          body,
        });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        // The server answers an unauthenticated request with a large body before reading it and
        // closes the connection, so the client may see a reset while still sending. That is a
        // refusal; for a validly signed request it would be a failure.
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (valid || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw error;
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < specs.length) await one(specs[next++]!);
      }),
    );
    await target.service.launches.settled();

    console.log(`fuzz seed ${SEED}: ${REQUESTS} requests, ${validlySigned} validly signed, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${launcher.launches().length} launches`);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    for (const request of launcher.launches()) expect(signedRooms.has(request.room), `launched ${JSON.stringify(request.room)} without a valid signature`).toBe(true);
    expect(launcher.launches().length).toBeGreaterThan(0);
    expect(target.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${target.port}/healthz`)).status).toBe(200);
    // Thousands of requests: seconds on an idle machine, more on a loaded one. Not a speed test.
  }, 240_000);

  it(`${RAW_REQUESTS} malformed HTTP requests on raw sockets: no 5xx, the server stays up`, async () => {
    const random = prng(SEED + 1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const int = (n: number) => Math.floor(random() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const statuses = new Map<number, number>();
    for (let i = 0; i < RAW_REQUESTS; i++) {
      const { socket, closed } = await rawConnection(target.port);
      const head = pick([
        () => `POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-length: ${pick(['-1', '99999999999999999999', 'abc', String(int(100)), '0'])}\r\nauthorization: ${bytes(int(40)).toString('latin1')}\r\n\r\n`,
        () => `POST /webhook HTTP/1.1\r\nhost: x\r\ntransfer-encoding: ${pick(['chunked', 'gzip', 'chunked, chunked'])}\r\ncontent-length: 5\r\n\r\n${pick(['zz\r\n', '5\r\nabc', '0\r\n\r\n'])}`,
        () => `${pick(['GET', 'POST', 'PUT', 'BREW', ''])} ${pick(['/webhook', '/healthz', '*', '/%00', `/${'a'.repeat(int(9000))}`])} HTTP/${pick(['1.1', '1.0', '2.0', '9'])}\r\n${pick(['host: x\r\n', ''])}\r\n`,
        () => bytes(int(2000)).toString('latin1'),
        () => `POST /webhook HTTP/1.1\r\nhost: x\r\nx-big: ${'b'.repeat(20_000 + int(20_000))}\r\n\r\n`,
      ])();
      socket.end(Buffer.from(head, 'latin1'));
      const status = statusOf(await closed);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    console.log(`raw fuzz seed ${SEED + 1}: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(target.lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${target.port}/healthz`)).status).toBe(200);
  }, 240_000);
});
