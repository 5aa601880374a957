/**
 * ListenerDelivery setting by setting: which `listeners` settings make it route audio, whom
 * captions go to, what it warns about, which room events set listeners' tracks again, and that
 * `stop()` stops following the room.
 */
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { interpretationTrackName as trackName } from '../../src/common/listener-protocol.ts';
import { ListenerDelivery, type ListenerDeliveryOptions } from '../../src/agent/listener-delivery.ts';
import type { SubscriptionControl } from '../../src/agent/room-io.ts';
import type { ListenerSettings } from '../../src/profiles/types.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile } from './profiles.ts';
import { waitFor } from './room-helpers.ts';

const NO_ROOM_SERVICE_WARNING = 'listeners.audio is chosen-language, but this agent has no RoomService access; listeners keep every interpretation track';

const running: ListenerDelivery[] = [];
afterEach(() => {
  for (const delivery of running.splice(0)) delivery.stop();
  vi.restoreAllMocks();
});

const silentLogger = (): Logger => pino({ level: 'silent' });

function create(room: MemoryRoom, listeners: ListenerSettings | undefined, extra: Partial<ListenerDeliveryOptions> = {}): ListenerDelivery | undefined {
  const delivery = ListenerDelivery.create({ room, profile: agentProfile(listeners ? { listeners } : {}), logger: silentLogger(), ...extra });
  if (delivery) running.push(delivery);
  return delivery;
}

function started(room: MemoryRoom, listeners: ListenerSettings, extra: Partial<ListenerDeliveryOptions> = {}): ListenerDelivery {
  const delivery = create(room, listeners, extra);
  if (!delivery) throw new Error('the profile asks for no delivery');
  delivery.start();
  return delivery;
}

const settled = (delivery: ListenerDelivery) => waitFor(() => delivery.subscriptions!.idle, 'the subscription calls to finish');

/** Publishes the languages' tracks, tells the delivery, and lets the server subscribe everyone. */
async function publishAll(room: MemoryRoom, delivery: ListenerDelivery, languages: string[]): Promise<void> {
  for (const language of languages) {
    await room.publishAudio(trackName(language), 16_000);
    delivery.published(language);
    room.serverSeesTrack(trackName(language));
  }
}

/** Subscription calls that never finish until released: shows how many are in flight at once. */
class HeldControl implements SubscriptionControl {
  readonly calls: string[] = [];

  updateSubscriptions(identity: string): Promise<void> {
    this.calls.push(identity);
    return new Promise<void>(() => undefined);
  }
}

describe('ListenerDelivery.create', () => {
  it('makes no delivery without listeners settings or with audio and captions both for all', () => {
    const room = new MemoryRoom();
    expect(create(room, undefined, { subscriptions: room })).toBeUndefined();
    expect(create(room, { audio: 'all', captions: 'all' }, { subscriptions: room })).toBeUndefined();
  });

  it('makes one as soon as audio or captions is chosen-language; it routes audio only for audio: chosen-language', () => {
    const room = new MemoryRoom();
    expect(create(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: room })?.subscriptions).toBeDefined();
    expect(create(room, { audio: 'chosen-language', captions: 'chosen-language' }, { subscriptions: room })?.subscriptions).toBeDefined();
    const captionsOnly = create(room, { audio: 'all', captions: 'chosen-language' }, { subscriptions: room });
    expect(captionsOnly).toBeDefined();
    expect(captionsOnly!.subscriptions).toBeUndefined();
  });
});

describe('ListenerDelivery: the RoomService warning', () => {
  it('warns once, with the reason, when audio is chosen-language and there is no RoomService access', () => {
    const room = new MemoryRoom();
    const logger = silentLogger();
    const warn = vi.spyOn(logger, 'warn');
    const delivery = ListenerDelivery.create({ room, profile: agentProfile({ listeners: { audio: 'chosen-language', captions: 'all' } }), logger });
    expect(delivery?.subscriptions).toBeUndefined();
    expect(warn.mock.calls).toEqual([[NO_ROOM_SERVICE_WARNING]]);
  });

  it('does not warn with RoomService access, nor when audio is for all', () => {
    const room = new MemoryRoom();
    for (const [listeners, subscriptions] of [
      [{ audio: 'chosen-language', captions: 'all' }, room],
      [{ audio: 'all', captions: 'chosen-language' }, undefined],
      [{ audio: 'all', captions: 'chosen-language' }, room],
    ] as const) {
      const logger = silentLogger();
      const warn = vi.spyOn(logger, 'warn');
      ListenerDelivery.create({ room, profile: agentProfile({ listeners }), logger, ...(subscriptions ? { subscriptions } : {}) });
      expect(warn, JSON.stringify({ listeners, subscriptions: subscriptions !== undefined })).not.toHaveBeenCalled();
    }
  });
});

describe('ListenerDelivery.captionDestinations', () => {
  it("sends every caption to everyone with captions: all, even to a language that has listeners", () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    const delivery = started(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: room });
    expect(delivery.captionDestinations('fr')).toBe('everyone');
    expect(delivery.captionDestinations('de')).toBe('everyone');
  });

  it("with captions: chosen-language, sends a language's captions to its listeners, and nothing to a language nobody chose", () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('claire', { language: 'fr' });
    const delivery = started(room, { audio: 'all', captions: 'chosen-language' });
    expect([...(delivery.captionDestinations('fr') as readonly string[])].sort()).toEqual(['carol', 'claire']);
    expect(delivery.captionDestinations('de')).toBe('nobody');
  });
});

describe('ListenerDelivery: setting listeners’ tracks again', () => {
  it('passes its concurrency on: no more calls in flight than asked for', async () => {
    const room = new MemoryRoom();
    for (const who of ['carol', 'claire', 'dave', 'dora']) room.join(who, { language: who.startsWith('c') ? 'fr' : 'de' });
    const control = new HeldControl();
    const delivery = create(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: control, concurrency: 2 })!;
    await room.publishAudio(trackName('fr'), 16_000);
    delivery.published('fr');
    // Starting sets everyone already here, all at once: the calls start synchronously.
    delivery.start();
    expect(control.calls).toEqual(['carol', 'claire']);
  });

  it('without a concurrency, runs up to the default number of calls at once (more than two)', async () => {
    const room = new MemoryRoom();
    for (const who of ['carol', 'claire', 'dave', 'dora']) room.join(who, { language: who.startsWith('c') ? 'fr' : 'de' });
    const control = new HeldControl();
    const delivery = create(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: control })!;
    await room.publishAudio(trackName('fr'), 16_000);
    delivery.published('fr');
    // Starting sets everyone already here, all at once: the calls start synchronously.
    delivery.start();
    expect(control.calls).toEqual(['carol', 'claire', 'dave', 'dora']);
  });

  it('sets every listener again when an interpretation track gets its first subscriber, not for another track of the agent', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    const delivery = started(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: room });
    await publishAll(room, delivery, ['fr', 'de']);
    await settled(delivery);
    const before = room.subscriptionCalls.length;

    await room.publishAudio('music', 16_000);
    room.serverSeesTrack('music');
    await settled(delivery);
    expect(room.subscriptionCalls.slice(before)).toEqual([]);

    room.serverSeesTrack(trackName('fr'));
    await settled(delivery);
    expect(room.subscriptionCalls.slice(before)).toEqual([
      { identity: 'carol', trackSids: [room.trackSid(trackName('fr'))], subscribe: true },
      { identity: 'carol', trackSids: [room.trackSid(trackName('de'))], subscribe: false },
    ]);
  });

  it('sets every listener again after a reconnect, with the tracks’ new sids', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    const delivery = started(room, { audio: 'chosen-language', captions: 'all' }, { subscriptions: room });
    await publishAll(room, delivery, ['fr', 'de']);
    await settled(delivery);
    const before = room.subscriptionCalls.length;

    // A full reconnect republishes the agent's tracks under new sids.
    await room.publishAudio(trackName('fr'), 16_000);
    await room.publishAudio(trackName('de'), 16_000);
    const fr = room.trackSid(trackName('fr'))!;
    const de = room.trackSid(trackName('de'))!;
    room.reconnect();
    await settled(delivery);
    expect(room.subscriptionCalls.slice(before)).toEqual([
      { identity: 'carol', trackSids: [fr], subscribe: true },
      { identity: 'dave', trackSids: [de], subscribe: true },
      { identity: 'carol', trackSids: [de], subscribe: false },
      { identity: 'dave', trackSids: [fr], subscribe: false },
    ]);
  });

  it('without routing, takes published tracks, first subscribers and reconnects in its stride', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    const delivery = started(room, { audio: 'all', captions: 'chosen-language' });
    await room.publishAudio(trackName('fr'), 16_000);
    expect(() => delivery.published('fr')).not.toThrow();
    expect(() => room.serverSeesTrack(trackName('fr'))).not.toThrow();
    expect(() => room.reconnect()).not.toThrow();
    expect(room.subscriptionCalls).toEqual([]);
    expect(delivery.captionDestinations('fr')).toEqual(['carol']);
  });
});

describe('ListenerDelivery.stop', () => {
  it('stops following the room and makes no more subscription calls', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    const delivery = started(room, { audio: 'chosen-language', captions: 'chosen-language' }, { subscriptions: room });
    delivery.stop();

    room.join('dave', { language: 'de' });
    room.setAttribute('carol', 'language', 'de');
    await room.publishAudio(trackName('fr'), 16_000);
    delivery.published('fr');
    room.serverSeesTrack(trackName('fr'));
    room.reconnect();
    // A call would have started synchronously (the first of a listener's calls does).
    expect(room.subscriptionCalls).toEqual([]);
    expect(delivery.captionDestinations('fr')).toEqual(['carol']);
    expect(delivery.captionDestinations('de')).toBe('nobody');
  });
});
