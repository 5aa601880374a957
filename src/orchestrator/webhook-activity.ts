/**
 * What `serve` tells `/healthz` about the webhooks it has been sent, so `interpreter check
 * --webhook` can see whether LiveKit's deliveries arrive and verify: counts of accepted and
 * rejected deliveries, the last rejection's reason, and the `check-*` rooms whose events it
 * handled. Only check rooms are named: `/healthz` needs no credentials, and real room names are
 * the meetings' business.
 */
import type { WebhookHandler, WebhookRequest, WebhookResponse } from './webhook.ts';

/** The prefix of the rooms `interpreter check --webhook` creates. */
export const CHECK_ROOM_PREFIX = 'check-';
const KEEP = 20;

export interface WebhookActivity {
  accepted: number;
  rejected: number;
  lastRejection?: string;
  /** Most recent last: events handled for `check-*` rooms. */
  checkRooms: { event: string; room: string; at: string }[];
}

/** Wraps a handler (both its steps, as the HTTP server calls them); its answers are unchanged. */
export function recordWebhookActivity(inner: WebhookHandler): { handle: WebhookHandler; activity(): WebhookActivity } {
  const activity: WebhookActivity = { accepted: 0, rejected: 0, checkRooms: [] };
  const note = (response: WebhookResponse) => {
    const body = response.body;
    if (response.status === 401) {
      activity.rejected += 1;
      if ('error' in body) activity.lastRejection = body.error;
    } else if ('event' in body) {
      activity.accepted += 1;
      if (body.room?.startsWith(CHECK_ROOM_PREFIX)) {
        activity.checkRooms.push({ event: body.event, room: body.room, at: new Date().toISOString() });
        if (activity.checkRooms.length > KEEP) activity.checkRooms.shift();
      }
    }
  };
  const handle = Object.assign(
    async (request: WebhookRequest) => {
      const response = await inner(request);
      note(response);
      return response;
    },
    {
      launches: inner.launches,
      authorize(authorization: string | undefined) {
        const result = inner.authorize(authorization);
        if (!result.ok) note(result.response);
        return result;
      },
      async accept(body: string, token: Parameters<WebhookHandler['accept']>[1]) {
        const result = await inner.accept(body, token);
        note(result.response);
        return result;
      },
    },
  ) satisfies WebhookHandler;
  return { handle, activity: () => ({ ...activity, checkRooms: [...activity.checkRooms] }) };
}
