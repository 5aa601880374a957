/**
 * The transport-free webhook core: verify, parse, route. Adapters (HTTP server, Lambda) turn their
 * request into `{ body, authorization }` and the result back into a response; nothing here knows
 * about either. It never throws: every outcome is a status and a JSON body.
 */
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { matchRoom, type Profile } from '../profiles/index.ts';
import { LaunchError, type Launcher } from './launcher.ts';
import type { Logger } from './log.ts';

export interface WebhookRequest {
  /** The raw body, exactly as received: its SHA-256 is part of the signature. */
  body: string;
  /** The `Authorization` header: the bare JWT LiveKit signs (no `Bearer`). */
  authorization?: string | undefined;
}

export type WebhookAction = 'launched' | 'duplicate' | 'stopped' | 'ignored' | 'no-profile';

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

export interface WebhookHandlerOptions {
  apiKey: string;
  apiSecret: string;
  profiles: readonly Profile[];
  launcher: Launcher;
  logger: Logger;
  /** How many handled event ids to remember for duplicate detection. */
  rememberEvents?: number;
}

export type WebhookHandler = (request: WebhookRequest) => Promise<WebhookResponse>;

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  const receiver = new WebhookReceiver(options.apiKey, options.apiSecret);
  const { launcher, logger, profiles } = options;
  // Deliveries of one event id share one handling; a finished one answers `duplicate` later.
  const inFlight = new Map<string, Promise<WebhookResponse>>();
  const handled = new BoundedSet(options.rememberEvents ?? 10_000);
  // Different events for one room (a retry with a new id, reconcile) must not race two launches.
  const perRoom = new KeyedQueue();

  async function route(event: WebhookEvent): Promise<WebhookResponse> {
    const room = event.room;
    switch (event.event) {
      case 'room_started': {
        if (!room?.name || !room.sid) return badRequest('room_started without room name and sid');
        const match = matchRoom(profiles, { name: room.name, metadata: room.metadata });
        if (!match) {
          logger.info({ event: event.event, room: room.name }, 'no profile matches room; no agent');
          return ok({ action: 'no-profile', event: event.event, room: room.name, reason: 'no profile matches this room' });
        }
        const request = { room: room.name, roomSid: room.sid, profile: match.profile.name, ...(event.id ? { eventId: event.id } : {}) };
        const result = await perRoom.run(room.name, () => launcher.launch(request));
        const action: WebhookAction = result.status === 'launched' ? 'launched' : 'duplicate';
        logger.info({ event: event.event, room: room.name, sid: room.sid, profile: match.profile.name, action, agent: result.agent?.id }, `agent ${action}`);
        return ok({
          action,
          event: event.event,
          room: room.name,
          profile: match.profile.name,
          reason: result.status === 'launched' ? match.reason : 'an agent already runs for this room',
        });
      }
      case 'room_finished': {
        if (!room?.name) return badRequest('room_finished without room name');
        const stopped = await perRoom.run(room.name, () => launcher.stop({ name: room.name, ...(room.sid ? { sid: room.sid } : {}) }));
        logger.info({ event: event.event, room: room.name, sid: room.sid, stopped }, 'room finished');
        return ok({ action: 'stopped', event: event.event, room: room.name, reason: stopped > 0 ? `stopped ${stopped} agent(s)` : 'no agent was running' });
      }
      default:
        return ok({ action: 'ignored', event: event.event, ...(room?.name ? { room: room.name } : {}), reason: 'event not used by the interpreter' });
    }
  }

  async function handleOnce(event: WebhookEvent): Promise<WebhookResponse> {
    try {
      return await route(event);
    } catch (error) {
      const status = error instanceof LaunchError ? error.status : 500;
      logger.error({ event: event.event, room: event.room?.name, err: errorMessage(error) }, 'webhook handling failed; LiveKit will retry');
      return { status, body: { error: errorMessage(error), ...(event.room?.name ? { room: event.room.name } : {}) } };
    }
  }

  return async function handleWebhook(request: WebhookRequest): Promise<WebhookResponse> {
    let event: WebhookEvent;
    try {
      event = await receiver.receive(request.body, request.authorization);
    } catch (error) {
      if (isAuthError(error)) {
        logger.warn({ err: errorMessage(error) }, 'webhook rejected: bad signature');
        return { status: 401, body: { error: `unauthorized: ${errorMessage(error)}` } };
      }
      return badRequest(`malformed webhook body: ${errorMessage(error)}`);
    }
    if (!event.event) return badRequest('webhook body has no event name');

    const id = event.id;
    if (!id) return handleOnce(event);
    if (handled.has(id)) return ok({ action: 'duplicate', event: event.event, ...(event.room?.name ? { room: event.room.name } : {}), reason: `event ${id} was already handled` });
    const pending = inFlight.get(id);
    if (pending) {
      const first = await pending;
      return first.status < 300 ? { status: first.status, body: { ...(first.body as WebhookOutcome), action: 'duplicate', reason: `event ${id} was delivered again while being handled` } } : first;
    }
    const handling = handleOnce(event);
    inFlight.set(id, handling);
    try {
      const response = await handling;
      // A failed event is not remembered: LiveKit's retry must get a real second attempt.
      if (response.status < 300) handled.add(id);
      return response;
    } finally {
      inFlight.delete(id);
    }
  };
}

function ok(body: WebhookOutcome): WebhookResponse {
  return { status: 200, body };
}

function badRequest(error: string): WebhookResponse {
  return { status: 400, body: { error } };
}

/**
 * `WebhookReceiver.receive` throws for the signature (jose's `ERR_J*` errors, an empty header, a
 * body hash mismatch) before it parses; anything after that is a malformed body.
 */
function isAuthError(error: unknown): boolean {
  if (error instanceof SyntaxError) return false;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_J')) return true;
  }
  return /authorization header is empty|sha256 checksum of body does not match/.test(errorMessage(error));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Insertion-ordered set that forgets its oldest entries past `capacity`. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(item: string): boolean {
    return this.items.has(item);
  }
  add(item: string): void {
    this.items.add(item);
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
  }
}

/** Runs tasks one after another per key; keys run independently. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
