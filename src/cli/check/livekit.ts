/**
 * The LiveKit half of `interpreter check`, each against the server itself: is anything there
 * (`GET /` answers `OK` on a LiveKit server), does it take the key and secret (a signed RoomService
 * call: the server names an unknown key or a bad signature), and does it grant what `serve` and
 * the agent need (RoomService `ListRooms`, which reconcile and the agent's room check call; a
 * join as the agent, validated at `/rtc/validate` without joining, so no room is created).
 * Messages quoted are those of livekit-server v1.13.5 (`pkg/service/auth.go`).
 */
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { agentToken, roomServiceUrl } from '../../agent/room-check.ts';
import type { LiveKitAccess } from '../../local/participant.ts';
import { fail, pass, skip, warn, type CheckResult } from './report.ts';

/** What `serve`'s reconcile and the agent's room check call on RoomService (`listRooms`). */
export const ROOM_SERVICE_GRANT: VideoGrant = { roomList: true };
/** The grants of the agent's own token (`agentToken` in src/agent/room-check.ts), by name. */
const AGENT_GRANT_NAMES = ['roomJoin', 'canPublish', 'canSubscribe', 'canPublishData', 'agent'] as const;

export interface LiveKitCheckOptions {
  access: LiveKitAccess;
  /** Tokens for the checks; the defaults mint what the project itself mints. Tests pass less. */
  grants?: { roomService?: VideoGrant; agent?: VideoGrant };
  timeoutMs?: number;
}

/** RoomService's address (the agent's own mapping), without a trailing slash to append paths to. */
export function httpUrlOf(url: string): string {
  return roomServiceUrl(url).replace(/\/+$/, '');
}

/** Reachability, key, and grants, in that order; a check that cannot run after a failure says so. */
export async function checkLiveKit(options: LiveKitCheckOptions): Promise<CheckResult[]> {
  const { access } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const reach = await checkReachable(access.url, timeoutMs);
  if (reach.status === 'fail') return [reach, skip('livekit.key', 'needs a reachable server'), skip('livekit.grants', 'needs a reachable server')];
  const http = httpUrlOf(access.url);

  const roomServiceGrant = options.grants?.roomService ?? ROOM_SERVICE_GRANT;
  const at = new AccessToken(access.apiKey, access.apiSecret, { ttl: '5m' });
  at.addGrant(roomServiceGrant);
  const listed = await twirp(http, 'ListRooms', await at.toJwt(), {}, timeoutMs);
  const key = keyResult(listed, access);
  if (key.status === 'fail') return [reach, key, skip('livekit.grants', 'needs a key the server accepts')];

  const results = [reach, key];
  results.push(
    listed.status === 200
      ? pass('livekit.grants.roomservice', `RoomService ListRooms works with ${grantNames(roomServiceGrant)} (what serve's reconcile and the agent's room check call)`)
      : fail(
          'livekit.grants.roomservice',
          `the server refused ListRooms (${listed.status} ${listed.message}) for a token with ${grantNames(roomServiceGrant) || 'no grants'}; ${missing(roomServiceGrant, ['roomList'])}`,
          'serve and the agent sign RoomService tokens with roomList: if your LiveKit deployment restricts what a key may grant, allow roomList for this key',
        ),
  );
  results.push(await checkAgentJoin(access, http, options.grants?.agent, timeoutMs));
  return results;
}

export async function checkReachable(url: string, timeoutMs: number): Promise<CheckResult> {
  const id = 'livekit.url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail(id, `LIVEKIT_URL "${url}" is not a URL`, 'set LIVEKIT_URL to ws://127.0.0.1:7880 (interpreter livekit) or wss://<project>.livekit.cloud');
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol)) {
    return fail(id, `LIVEKIT_URL "${url}" must start with ws://, wss://, http:// or https://`, 'set LIVEKIT_URL to ws://127.0.0.1:7880 (interpreter livekit) or wss://<project>.livekit.cloud');
  }
  const http = httpUrlOf(url);
  try {
    const response = await fetch(`${http}/`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.text()).trim();
    if (response.ok && body === 'OK') return pass(id, `LiveKit answers at ${url}`);
    return warn(id, `something answers at ${http}/ (HTTP ${response.status}), but not as a LiveKit server does ("OK")`, 'check that LIVEKIT_URL points at the LiveKit server itself, not a proxy page or another service');
  } catch (error) {
    const code = causeCode(error);
    const where = `${parsed.hostname}:${parsed.port || (parsed.protocol === 'wss:' || parsed.protocol === 'https:' ? 443 : 80)}`;
    if (code === 'ECONNREFUSED') return fail(id, `nothing listens at ${where}`, 'start the server (npx interpreter livekit) or set LIVEKIT_URL to where yours runs');
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail(id, `the host ${parsed.hostname} is not known (DNS)`, 'check the host name in LIVEKIT_URL');
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return fail(id, `no answer from ${where} within ${timeoutMs / 1000} s`, 'a firewall or the wrong port: LiveKit listens on 7880 by default (wss:// through a TLS proxy on 443)');
    }
    return fail(id, `cannot reach ${where}: ${code ?? (error instanceof Error ? error.message : String(error))}`, 'check LIVEKIT_URL and that the server is running');
  }
}

interface TwirpAnswer {
  status: number;
  /** The server's error text (plain for the auth middleware, `msg` of a Twirp error). */
  message: string;
}

async function twirp(http: string, method: string, token: string, body: unknown, timeoutMs: number): Promise<TwirpAnswer> {
  try {
    const response = await fetch(`${http}/twirp/livekit.RoomService/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let message = text.trim();
    try {
      const parsed = JSON.parse(text) as { msg?: unknown };
      if (typeof parsed.msg === 'string') message = parsed.msg;
    } catch {
      // The auth middleware answers in plain text.
    }
    return { status: response.status, message };
  } catch (error) {
    return { status: 0, message: causeCode(error) ?? (error instanceof Error ? error.message : String(error)) };
  }
}

function keyResult(answer: TwirpAnswer, access: LiveKitAccess): CheckResult {
  const id = 'livekit.key';
  // The server echoes the whole token in this message; never print it.
  const message = answer.message.replace(/invalid token: \S+, error:/, 'invalid token:');
  if (answer.status === 200 || (answer.status === 401 && /permissions? denied/i.test(message))) {
    return pass(id, `the server accepts key ${access.apiKey} and its secret`);
  }
  if (/invalid API key/i.test(message)) {
    return fail(id, `the server has no key "${access.apiKey}"`, "set LIVEKIT_API_KEY to one of the server's keys (its livekit.yaml `keys:`; LiveKit Cloud: Settings > API keys)");
  }
  if (/invalid token/i.test(message) || /signature/i.test(message)) {
    return fail(id, `the server knows key "${access.apiKey}" but the secret does not match it (${message})`, 'set LIVEKIT_API_SECRET to the secret paired with LIVEKIT_API_KEY');
  }
  return fail(id, `RoomService answered ${answer.status || 'nothing'}: ${message}`, 'check LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET');
}

/** The agent joins with its own token: the server validates that join here without opening a room. */
async function checkAgentJoin(access: LiveKitAccess, http: string, override: VideoGrant | undefined, timeoutMs: number): Promise<CheckResult> {
  const id = 'livekit.grants.agent';
  const room = `check-${Math.random().toString(36).slice(2, 10)}`;
  let token: string;
  let grant: VideoGrant;
  if (override) {
    const at = new AccessToken(access.apiKey, access.apiSecret, { identity: 'interpreter', ttl: '5m' });
    at.kind = 'agent';
    at.addGrant({ room, ...override });
    token = await at.toJwt();
    grant = { room, ...override };
  } else {
    token = await agentToken({ room, livekit: access });
    grant = grantOf(token);
  }
  const needed = missing(grant, AGENT_GRANT_NAMES);
  try {
    const response = await fetch(`${http}/rtc/validate?access_token=${encodeURIComponent(token)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = (await response.text()).trim();
    if (response.ok && !needed) return pass(id, `the agent's token (${grantNames(grant)}, kind agent) may join rooms`);
    if (response.ok) return fail(id, `the server accepts the agent's join, but its token ${needed}: the agent could not publish its tracks or captions`, 'give the agent token roomJoin, canPublish, canSubscribe, canPublishData and agent (src/agent/room-check.ts)');
    return fail(id, `the server refused the agent's join (${response.status} ${text}); ${needed || `the token carries ${grantNames(grant)}`}`, 'the agent signs room tokens with roomJoin, canPublish, canSubscribe, canPublishData and agent: if your LiveKit deployment restricts what a key may grant, allow these');
  } catch (error) {
    return fail(id, `cannot ask the server to validate a join: ${causeCode(error) ?? String(error)}`, 'check LIVEKIT_URL');
  }
}

function grantOf(jwt: string): VideoGrant {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { video?: VideoGrant };
  return payload.video ?? {};
}

function grantNames(grant: VideoGrant): string {
  return Object.entries(grant)
    .filter(([, value]) => value === true)
    .map(([name]) => name)
    .join(', ');
}

/** "lacks roomList, agent", or '' when nothing is missing. */
function missing(grant: VideoGrant, names: readonly string[]): string {
  const absent = names.filter((name) => (grant as Record<string, unknown>)[name] !== true);
  return absent.length > 0 ? `the token lacks ${absent.join(', ')}` : '';
}

function causeCode(error: unknown): string | undefined {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}
