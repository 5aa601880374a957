import type { Profile } from '../../src/profiles/types.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { silentLogger, type Logger } from '../../src/orchestrator/log.ts';
import { MemoryLedger, type LaunchLedger } from '../../src/orchestrator/ledger.ts';
import type { Launcher } from '../../src/orchestrator/launcher.ts';
import { pino } from 'pino';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';

export const API_KEY = 'APItestkey';
export const API_SECRET = 'test-secret-that-is-long-enough-for-hs256';

/** A validated profile as `loadProfiles` returns it, without depending on the YAML files. */
export function testProfile(name: string, rooms: string[], priority = 0): Profile {
  return {
    name,
    priority,
    match: { rooms, metadata: {} },
    languages: { source: 'auto', targets: [{ language: 'fr', voice: { kind: 'neural', name: 'fr-FR-DeniseNeural' } }] },
    speakers: [],
    audio: { sampleRate: 24000 },
    captions: true,
    profanity: 'masked',
    limits: { maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60 },
    onDemand: false,
    origin: { file: 'test', line: 1 },
  };
}

export async function signedEvent(input: Parameters<typeof roomEventBody>[0], key = API_KEY, secret = API_SECRET) {
  const body = roomEventBody(input);
  return { body, authorization: await signWebhookBody(body, key, secret) };
}

/** A logger whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export { silentLogger };

/**
 * Signals one agent process the launcher reported. A pid that is not a whole number above 1 is
 * refused: `process.kill(0)` would signal the test's own process group (under mutation testing a
 * mutant can turn a pid into 0 or NaN, and that killed the whole run), -1 every process.
 */
export function killAgent(pid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`not an agent pid: ${String(pid)}`);
  process.kill(pid, signal);
}

/** Whether a process with this pid still exists (signal 0 only asks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWT with any header and claims, signed as `alg` says (or not at all). */
export function forgeJwt(header: Record<string, unknown>, claims: Record<string, unknown>, secret = API_SECRET): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const alg = header.alg;
  let signature = Buffer.alloc(0);
  if (alg === 'HS256' || alg === 'HS384' || alg === 'HS512') signature = createHmac(`sha${String(alg).slice(2)}`, secret).update(input).digest();
  if (alg === 'RS256') signature = sign('sha256', Buffer.from(input), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  if (alg === 'ES256') signature = sign('sha256', Buffer.from(input), { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}


/** A real MemoryLedger with some methods replaced: a ledger that fails, or answers as DynamoDB can. */
export function ledgerWith(overrides: Partial<LaunchLedger>, inner: LaunchLedger = new MemoryLedger()): LaunchLedger {
  return {
    rememberEvent: (id) => inner.rememberEvent(id),
    forgetEvent: (id) => inner.forgetEvent(id),
    claimLaunch: (input) => inner.claimLaunch(input),
    claimRelaunch: (previous, profile) => inner.claimRelaunch(previous, profile),
    releaseLaunch: (record) => inner.releaseLaunch(record),
    finishRoom: (sid, room) => inner.finishRoom(sid, room),
    lookup: (sid) => inner.lookup(sid),
    ...overrides,
  };
}

/** A launcher that forwards to `inner`; spread it and replace a method to make one that fails or waits. */
export function delegate(inner: Launcher): Launcher {
  return {
    kind: inner.kind,
    refuses: (request) => inner.refuses(request),
    launch: (request) => inner.launch(request),
    stop: (room) => inner.stop(room),
    running: () => inner.running(),
    close: () => inner.close(),
  };
}
