/**
 * The transport-free webhook core. Adapters (HTTP server, Lambda) call it in two steps:
 * `authorize(header)` before any byte of the body is read, then `accept(body, token)`, which
 * answers at once and hands back the launch or stop it set off as `work`. The HTTP server answers
 * and lets the work run (LiveKit drops events that wait over 30 s in its per-room queue behind a
 * slow answer); Lambda freezes after answering, so it awaits the work and answers with its end.
 * Nothing here throws: every outcome is a status and a JSON body, every refusal one warn line.
 */
import { WebhookEvent } from 'livekit-server-sdk';
import { matchRoom, type Profile } from '../profiles/index.ts';
import { CLOCK_SKEW_SECONDS, bodyMatchesToken, verifyWebhookToken, type VerifiedToken } from './auth.ts';
import { MemoryLedger, type LaunchLedger } from './ledger.ts';
import { LaunchError, type Launcher } from './launcher.ts';
import { RoomLaunches } from './launches.ts';
import type { Logger } from './log.ts';

export interface WebhookRequest {
  /** The raw body, exactly as received: its SHA-256 is part of the signature. */
  body: string;
  /** The `Authorization` header: the bare JWT LiveKit signs (no `Bearer`). */
  authorization?: string | undefined;
}

export type WebhookAction = 'launching' | 'launched' | 'stopping' | 'stopped' | 'duplicate' | 'stale' | 'ignored' | 'no-profile';

export interface WebhookOutcome {
  action: WebhookAction;
  event: string;
  room?: string;
  profile?: string;
  reason?: string;
}

export interface WebhookError {
  error: string;
  room?: string;
}

export interface WebhookResponse {
  status: number;
  body: WebhookOutcome | WebhookError;
}

export interface WebhookResult {
  /** The answer to give now. */
  response: WebhookResponse;
  /** The launch or stop the event set off; settles (never rejects) with the answer it would deserve. */
  work?: Promise<WebhookResponse>;
}

export type Authorization = { ok: true; token: VerifiedToken } | { ok: false; response: WebhookResponse };

/** Events of LiveKit's queue are at most ~50 s old when they arrive (30 s in queue, then retries). */
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 120;

interface CommonOptions {
  apiKey: string;
  apiSecret: string;
  profiles: readonly Profile[];
  logger: Logger;
  /** Events whose `createdAt` is older are answered `stale` and do nothing. */
  maxEventAgeSeconds?: number;
  clockSkewSeconds?: number;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

/** Either the shared launch path (with reconcile), or a launcher and a ledger to build one from. */
export type WebhookHandlerOptions = CommonOptions & ({ launches: RoomLaunches } | { launcher: Launcher; ledger?: LaunchLedger });

export interface WebhookHandler {
  /** Both steps, then waits for the work: for runtimes that cannot work after answering (Lambda). */
  (request: WebhookRequest): Promise<WebhookResponse>;
  authorize(authorization: string | undefined): Authorization;
  accept(body: string, token: VerifiedToken): Promise<WebhookResult>;
  readonly launches: RoomLaunches;
}

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const { logger, profiles } = options;
  const launches = 'launches' in options ? options.launches : new RoomLaunches({ launcher: options.launcher, ledger: options.ledger ?? new MemoryLedger(), logger });
  // Event ids are remembered in the ledger the launches claim in: one durable record for both.
  const ledger = launches.ledger;
  const now = options.now ?? Date.now;
  const skew = options.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  const maxAge = options.maxEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;

  function refuse(status: number, reason: string, fields: Record<string, unknown> = {}): WebhookResponse {
    logger.warn({ status, reason, ...fields }, `webhook refused: ${reason}`);
    return { status, body: { error: status === 401 ? `unauthorized: ${reason}` : reason, ...(typeof fields.room === 'string' ? { room: fields.room } : {}) } };
  }

  function authorize(authorization: string | undefined): Authorization {
    const check = verifyWebhookToken(authorization, { apiKey: options.apiKey, apiSecret: options.apiSecret, clockSkewSeconds: skew, now: () => now() / 1000 });
    return check.ok ? check : { ok: false, response: refuse(401, check.reason) };
  }

  async function accept(body: string, token: VerifiedToken): Promise<WebhookResult> {
    if (!bodyMatchesToken(body, token)) return { response: refuse(401, 'the body is not the one the JWT was signed for (sha256 differs)') };
    let event: WebhookEvent;
    try {
      event = WebhookEvent.fromJson(JSON.parse(body), { ignoreUnknownFields: true });
    } catch (error) {
      return { response: refuse(400, `malformed webhook body: ${errorMessage(error)}`) };
    }
    const name = event.event;
    const room = event.room;
    if (!name) return { response: refuse(400, 'webhook body has no event name') };
    if (name !== 'room_started' && name !== 'room_finished') {
      return { response: ok({ action: 'ignored', event: name, ...(room?.name ? { room: room.name } : {}), reason: 'event not used by the interpreter' }) };
    }
    const age = now() / 1000 - Number(event.createdAt);
    if (event.createdAt === 0n || age > maxAge || age < -skew) {
      const reason = event.createdAt === 0n ? 'event has no createdAt' : age > 0 ? `event is ${Math.round(age)} s old (limit ${maxAge} s)` : `event createdAt lies ${Math.round(-age)} s in the future`;
      logger.warn({ status: 200, event: name, id: event.id, room: room?.name, reason }, `webhook refused: stale: ${reason}`);
      return { response: ok({ action: 'stale', event: name, ...(room?.name ? { room: room.name } : {}), reason }) };
    }
    if (!room?.name || !room.sid) return { response: refuse(400, `${name} without room name and sid`) };

    if (event.id && !(await ledger.rememberEvent(event.id))) {
      return { response: ok({ action: 'duplicate', event: name, room: room.name, reason: `event ${event.id} was already handled` }) };
    }
    const forget = async () => {
      if (event.id) await ledger.forgetEvent(event.id).catch(() => undefined);
    };
    try {
      return name === 'room_started' ? await roomStarted(event, room.name, room.sid, room.metadata, forget) : await roomFinished(room.name, room.sid, forget);
    } catch (error) {
      // The ledger could not be reached: nothing was launched; LiveKit retries a 5xx.
      await forget();
      logger.error({ event: name, room: room.name, err: errorMessage(error) }, 'webhook handling failed; LiveKit will retry');
      return { response: { status: 503, body: { error: errorMessage(error), room: room.name } } };
    }
  }

  async function roomStarted(event: WebhookEvent, room: string, sid: string, metadata: string, forget: () => Promise<void>): Promise<WebhookResult> {
    const match = matchRoom(profiles, { name: room, metadata });
    if (!match) {
      logger.info({ event: event.event, room }, 'no profile matches room; no agent');
      return { response: ok({ action: 'no-profile', event: event.event, room, reason: 'no profile matches this room' }) };
    }
    const request = { room, roomSid: sid, profile: match.profile.name };
    const refused = launches.launcher.refuses(request);
    if (refused) {
      await forget();
      return { response: refuse(422, `cannot launch an agent for this room: ${refused}`, { room: room.slice(0, 200), sid }) };
    }
    const started = await launches.start(request);
    const fields = { event: event.event, room, profile: match.profile.name };
    if (started.status === 'duplicate') {
      const reason = started.existing?.finished ? `room ${sid} has finished` : `an agent was already launched for room ${sid}`;
      logger.info({ ...fields, sid, reason }, 'agent duplicate');
      return { response: ok({ action: 'duplicate', ...fields, reason }) };
    }
    const work = started.launched.then(
      (result): WebhookResponse => {
        const action = result.status === 'launched' ? 'launched' : 'duplicate';
        logger.info({ ...fields, sid, action, agent: result.agent?.id }, `agent ${action}`);
        return ok({ action, ...fields, reason: action === 'launched' ? match.reason : 'an agent already runs for this room' });
      },
      async (error: unknown): Promise<WebhookResponse> => {
        await forget();
        const status = error instanceof LaunchError ? error.status : 500;
        logger.error({ ...fields, sid, err: errorMessage(error) }, 'agent launch failed; reconcile (or LiveKit, where it waits for the answer) retries');
        return { status, body: { error: errorMessage(error), room } };
      },
    );
    return { response: { status: 202, body: { action: 'launching', ...fields, reason: match.reason } }, work };
  }

  async function roomFinished(room: string, sid: string, forget: () => Promise<void>): Promise<WebhookResult> {
    const work = launches.finish({ name: room, sid }).then(
      (stopped): WebhookResponse => {
        logger.info({ event: 'room_finished', room, sid, stopped }, 'room finished');
        return ok({ action: 'stopped', event: 'room_finished', room, reason: stopped > 0 ? `stopped ${stopped} agent(s)` : 'no agent was running' });
      },
      async (error: unknown): Promise<WebhookResponse> => {
        await forget();
        logger.error({ event: 'room_finished', room, sid, err: errorMessage(error) }, 'stopping the agent failed; reconcile stops it');
        return { status: 502, body: { error: errorMessage(error), room } };
      },
    );
    return { response: { status: 202, body: { action: 'stopping', event: 'room_finished', room } }, work };
  }

  const handle = async (request: WebhookRequest): Promise<WebhookResponse> => {
    const authorized = authorize(request.authorization);
    if (!authorized.ok) return authorized.response;
    const result = await accept(request.body, authorized.token);
    return result.work ? result.work : result.response;
  };
  return Object.assign(handle, { authorize, accept, launches });
}

function ok(body: WebhookOutcome): WebhookResponse {
  return { status: 200, body };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
