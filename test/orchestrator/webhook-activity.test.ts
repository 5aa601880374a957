/** What serve's /healthz says about webhooks: counts, the last rejection, and check rooms only by name. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DryRunLauncher } from '../../src/orchestrator/dry-run-launcher.ts';
import { roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { recordWebhookActivity } from '../../src/orchestrator/webhook-activity.ts';
import { createWebhookHandler } from '../../src/orchestrator/webhook.ts';
import { agentProfile } from '../agent/profiles.ts';

const KEY = 'APIactivity';
const SECRET = 'activity-secret-activity-secret-0123';

describe('recordWebhookActivity', () => {
  it('counts accepted and rejected deliveries through both steps the HTTP server uses, names only check-* rooms, and answers as the handler does', async () => {
    const inner = createWebhookHandler({ apiKey: KEY, apiSecret: SECRET, profiles: [agentProfile({ match: { rooms: ['board-*'], metadata: {} } })], launcher: new DryRunLauncher(), logger: pino({ level: 'silent' }) });
    const recorder = recordWebhookActivity(inner);

    const check = roomEventBody({ event: 'room_started', room: 'check-abc' });
    const checked = recorder.handle.authorize(await signWebhookBody(check, KEY, SECRET));
    expect(checked.ok).toBe(true);
    if (checked.ok) expect((await recorder.handle.accept(check, checked.token)).response.body).toMatchObject({ action: 'no-profile', room: 'check-abc' });

    const meeting = roomEventBody({ event: 'room_started', room: 'board-q3' });
    expect(await recorder.handle({ body: meeting, authorization: await signWebhookBody(meeting, KEY, SECRET) })).toMatchObject({ body: { event: 'room_started', room: 'board-q3' } });

    const forged = recorder.handle.authorize(await signWebhookBody(meeting, KEY, 'not-the-secret-not-the-secret-0000'));
    expect(forged.ok).toBe(false);

    const activity = recorder.activity();
    expect(activity).toMatchObject({ accepted: 2, rejected: 1 });
    expect(activity.lastRejection).toMatch(/signature/);
    expect(activity.checkRooms.map((r) => [r.event, r.room])).toEqual([['room_started', 'check-abc']]);
  });

  it('counts neither a malformed delivery nor a refused launch as accepted, takes events without a room, and keeps the last 20 check rooms', async () => {
    const inner = createWebhookHandler({ apiKey: KEY, apiSecret: SECRET, profiles: [agentProfile({ match: { rooms: ['check-*'], metadata: {} } })], launcher: new DryRunLauncher(), logger: pino({ level: 'silent' }) });
    const recorder = recordWebhookActivity(inner);
    const send = async (body: string) => recorder.handle({ body, authorization: await signWebhookBody(body, KEY, SECRET) });
    expect((await send('not json')).status).toBe(400);
    expect((await send(roomEventBody({ event: 'room_started', room: 'check-nul', sid: 'RM_\u0000' }))).status).toBe(422);
    expect(recorder.activity()).toEqual({ accepted: 0, rejected: 0, checkRooms: [] });
    expect((await send(JSON.stringify({ event: 'egress_started', id: 'EV_e', createdAt: String(Math.floor(Date.now() / 1000)) }))).body).toMatchObject({ action: 'ignored' });
    for (let n = 0; n < 21; n++) await send(roomEventBody({ event: 'room_started', room: `check-${n}` }));
    const activity = recorder.activity();
    expect(activity.accepted).toBe(22);
    expect(activity.checkRooms.map((r) => r.room)).toEqual(Array.from({ length: 20 }, (_, i) => `check-${i + 1}`));
  });
});
