/** What serve's /healthz says about webhooks: counts, the last rejection, and check rooms only by name. */
import { describe, expect, it } from 'vitest';
import { recordWebhookActivity } from '../../src/orchestrator/webhook-activity.ts';
import type { WebhookResponse } from '../../src/orchestrator/webhook.ts';

describe('recordWebhookActivity', () => {
  it('counts accepted and rejected deliveries, names only check-* rooms, and answers as the handler did', async () => {
    const answers: WebhookResponse[] = [
      { status: 200, body: { action: 'no-profile', event: 'room_started', room: 'check-abc' } },
      { status: 200, body: { action: 'launched', event: 'room_started', room: 'board-q3' } },
      { status: 401, body: { error: 'unauthorized: signature verification failed' } },
    ];
    const recorder = recordWebhookActivity(async () => answers.shift()!);
    expect(await recorder.handle({ body: '' })).toEqual({ status: 200, body: { action: 'no-profile', event: 'room_started', room: 'check-abc' } });
    await recorder.handle({ body: '' });
    await recorder.handle({ body: '' });
    const activity = recorder.activity();
    expect(activity).toMatchObject({ accepted: 2, rejected: 1, lastRejection: 'unauthorized: signature verification failed' });
    expect(activity.checkRooms.map((r) => [r.event, r.room])).toEqual([['room_started', 'check-abc']]);
  });
});
