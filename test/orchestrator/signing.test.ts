/**
 * The webhook bodies `interpreter webhook send`, the tests and the benchmark make: ids shaped like
 * LiveKit's, a room sid stable per name, no metadata unless asked for, and a signature the
 * handler's own check accepts.
 */
import { describe, expect, it } from 'vitest';
import { WebhookEvent } from 'livekit-server-sdk';
import { bodyMatchesToken, verifyWebhookToken } from '../../src/orchestrator/auth.ts';
import { roomEventBody, roomSidFor, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { API_KEY, API_SECRET } from './helpers.ts';

const parse = (body: string) => WebhookEvent.fromJson(JSON.parse(body) as never);

describe('roomEventBody', () => {
  it('gives each event an id of its own, shaped like LiveKit\'s (EV_ and 12 base62 characters)', () => {
    const ids = Array.from({ length: 50 }, () => parse(roomEventBody({ event: 'room_started', room: 'board-q3' })).id);
    for (const id of ids) expect(id).toMatch(/^EV_[A-Za-z0-9]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carries the room, its sid (given or derived from the name) and metadata only when given', () => {
    const plain = parse(roomEventBody({ event: 'room_started', room: 'board-q3', createdAt: 1_800_000_000 }));
    expect(plain).toMatchObject({ event: 'room_started', createdAt: 1_800_000_000n, room: { name: 'board-q3', sid: roomSidFor('board-q3'), metadata: '' } });
    const given = parse(roomEventBody({ event: 'room_finished', room: 'board-q3', sid: 'RM_given', metadata: '{"tier":"exec"}', id: 'EV_given' }));
    expect(given).toMatchObject({ id: 'EV_given', room: { sid: 'RM_given', metadata: '{"tier":"exec"}' } });
  });
});

describe('roomSidFor', () => {
  it('is RM_ and 12 base62 characters, the same for a name each time and another for another name', () => {
    const names = ['board-q3', 'all-hands', 'board-q4', 'lobby', 'standup'];
    const sids = names.map(roomSidFor);
    for (const sid of sids) expect(sid).toMatch(/^RM_[A-Za-z0-9]{12}$/);
    expect(names.map(roomSidFor)).toEqual(sids);
    expect(new Set(sids).size).toBe(names.length);
  });
});

describe('signWebhookBody', () => {
  it('signs what the handler verifies, over the UTF-8 bytes of the body', async () => {
    const body = roomEventBody({ event: 'room_started', room: 'Réunion du conseil — 会议' });
    const check = verifyWebhookToken(await signWebhookBody(body, API_KEY, API_SECRET), { apiKey: API_KEY, apiSecret: API_SECRET });
    if (!check.ok) throw new Error(check.reason);
    expect(bodyMatchesToken(body, check.token)).toBe(true);
  });
});
