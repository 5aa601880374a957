/**
 * The profile's `listeners` settings through the agent's seam: the in-memory room keeps who is
 * subscribed to the agent's tracks as the real server does (auto-subscription when a client's
 * connection comes up and when a new track's media arrives), so these tests see what a stock
 * client would end up hearing, and which captions it would get.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { LanguageAudience } from '../../src/agent/audience.ts';
import { CaptionWriter } from '../../src/agent/captions.ts';
import { interpretationTrackName as trackName } from '../../src/common/listener-protocol.ts';
import { LanguageSubscriptions } from '../../src/agent/language-subscriptions.ts';
import { ListenerDelivery } from '../../src/agent/listener-delivery.ts';
import type { ListenerSettings, Profile } from '../../src/profiles/types.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile, neuralTarget } from './profiles.ts';
import { fixture, waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const stockClients: ListenerSettings = { audio: 'chosen-language', captions: 'chosen-language' };
const running: ListenerDelivery[] = [];
afterEach(() => {
  for (const delivery of running.splice(0)) delivery.stop();
});

function deliver(room: MemoryRoom, profile: Profile, extra: { maxCaptionDestinations?: number } = {}): ListenerDelivery {
  const delivery = ListenerDelivery.create({ room, profile, subscriptions: room, logger, ...extra });
  if (!delivery) throw new Error('the profile asks for no delivery');
  running.push(delivery);
  delivery.start();
  return delivery;
}

/** What the interpreter does for a language: publish its track, then say so. */
async function publish(room: MemoryRoom, delivery: ListenerDelivery, language: string): Promise<void> {
  await room.publishAudio(trackName(language), 16_000);
  delivery.published(language);
}

const settled = (delivery: ListenerDelivery) => waitFor(() => delivery.subscriptions!.idle, 'the subscription calls to finish');

describe('listeners.audio: chosen-language', () => {
  it('leaves each auto-subscribing listener on their own language only; others and agents untouched', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    room.join('speaker');
    room.join('recorder', { language: 'fr' }, { isAgent: true });
    const delivery = deliver(room, agentProfile({ listeners: stockClients }));
    for (const language of ['fr', 'de', 'en']) await publish(room, delivery, language);
    // The server subscribes every auto-subscriber when each track's media arrives, after the publish.
    for (const language of ['fr', 'de', 'en']) room.serverSeesTrack(trackName(language));
    await settled(delivery);

    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-fr']);
    expect(room.subscriptionsNamed('dave')).toEqual(['interpretation-de']);
    // No language: a speaker hearing the floor, an app that chooses itself. Left as LiveKit has them.
    expect(room.subscriptionsNamed('speaker')).toEqual(['interpretation-de', 'interpretation-en', 'interpretation-fr']);
    expect(room.subscriptionsNamed('recorder')).toHaveLength(3);
    expect(room.subscriptionCalls.map((c) => c.identity).filter((who) => who === 'speaker' || who === 'recorder')).toEqual([]);
  });

  it('sets a late joiner again once their connection is up (when the server auto-subscribes them)', async () => {
    const room = new MemoryRoom();
    const delivery = deliver(room, agentProfile({ listeners: stockClients }));
    for (const language of ['fr', 'de']) {
      await publish(room, delivery, language);
      room.serverSeesTrack(trackName(language));
    }
    room.join('erin', { language: 'de' }, { active: false });
    await settled(delivery);
    room.activate('erin');
    await settled(delivery);
    expect(room.subscriptionsNamed('erin')).toEqual(['interpretation-de']);
  });

  it('flips the tracks when a listener changes language, also when they change it back and forth at once', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    const delivery = deliver(room, agentProfile({ listeners: stockClients }));
    for (const language of ['fr', 'de', 'en']) {
      await publish(room, delivery, language);
      room.serverSeesTrack(trackName(language));
    }
    await settled(delivery);
    room.setAttribute('carol', 'language', 'de');
    await settled(delivery);
    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-de']);

    // Three changes while calls are in flight: the last one wins, never an earlier one landing late.
    room.setAttribute('carol', 'language', 'en');
    room.setAttribute('carol', 'language', 'fr');
    room.setAttribute('carol', 'language', 'en');
    await settled(delivery);
    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-en']);

    // Clearing the language hands the listener back to their client: nothing changes.
    const calls = room.subscriptionCalls.length;
    room.setAttribute('carol', 'language', '');
    await settled(delivery);
    expect(room.subscriptionCalls.length).toBe(calls);
    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-en']);
  });

  it('takes listeners off a language opened later, once the server has subscribed them to it', async () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    const delivery = deliver(room, agentProfile({ listeners: stockClients, onDemand: true }));
    await publish(room, delivery, 'fr');
    room.serverSeesTrack(trackName('fr'));
    await settled(delivery);
    expect(room.subscriptionsNamed('dave')).toEqual([]);

    // German opens: the agent's unsubscribe of carol comes before the server sees the track, and
    // does nothing (there is no subscription yet); the first-subscriber event sets her again.
    await publish(room, delivery, 'de');
    await settled(delivery);
    room.serverSeesTrack(trackName('de'));
    await settled(delivery);
    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-fr']);
    expect(room.subscriptionsNamed('dave')).toEqual(['interpretation-de']);
  });

  it('gives a listener whose language the room does not have no interpretation; fr-FR hears fr', async () => {
    const room = new MemoryRoom();
    room.join('ito', { language: 'ja' });
    room.join('pierre', { language: 'fr-FR' });
    const delivery = deliver(room, agentProfile({ listeners: stockClients }));
    for (const language of ['fr', 'de']) {
      await publish(room, delivery, language);
      room.serverSeesTrack(trackName(language));
    }
    await settled(delivery);
    expect(room.subscriptionsNamed('ito')).toEqual([]);
    expect(room.subscriptionsNamed('pierre')).toEqual(['interpretation-fr']);
  });

  it('costs two calls per joining listener in a room of 4,000, never a pass over the room', async () => {
    const room = new MemoryRoom();
    const delivery = deliver(room, agentProfile({ listeners: stockClients }));
    for (const language of ['fr', 'de', 'en']) {
      await publish(room, delivery, language);
      room.serverSeesTrack(trackName(language));
    }
    const languages = ['fr', 'de', 'en'];
    for (let i = 0; i < 4000; i++) room.join(`p${i}`, { language: languages[i % 3]! });
    await settled(delivery);
    expect(delivery.subscriptions!.calls).toBe(2 * 4000);
    expect(room.subscriptionsNamed('p3999')).toEqual(['interpretation-fr']);
    const before = delivery.subscriptions!.calls;
    room.join('late', { language: 'de' });
    room.leave('p0');
    await settled(delivery);
    expect(delivery.subscriptions!.calls - before).toBe(2);
  });

  it('retries a failed call, and gives up on a listener who left', async () => {
    const room = new MemoryRoom();
    const audience = new LanguageAudience(agentProfile());
    const subscriptions = new LanguageSubscriptions({ control: room, audience, trackSid: (language) => room.trackSid(trackName(language)), logger, retryDelaysMs: [1, 1] });
    await room.publishAudio(trackName('fr'), 16_000);
    await room.publishAudio(trackName('de'), 16_000);
    room.serverSeesTrack(trackName('fr'));
    room.serverSeesTrack(trackName('de'));
    room.join('carol', { language: 'fr' });
    audience.update({ identity: 'carol', attributes: { language: 'fr' }, isAgent: false });
    let failures = 1;
    room.failSubscriptions = () => failures-- > 0;
    subscriptions.published('fr');
    subscriptions.published('de');
    await waitFor(() => subscriptions.idle, 'the retry');
    expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-fr']);

    room.failSubscriptions = () => true;
    room.setAttribute('carol', 'language', 'de');
    audience.update({ identity: 'carol', attributes: { language: 'de' }, isAgent: false });
    subscriptions.refresh('carol');
    room.leave('carol');
    audience.remove('carol');
    await waitFor(() => subscriptions.idle, 'the calls to stop');
    subscriptions.stop();
  });

  it('without RoomService access it says so and leaves audio alone; captions still follow the setting', async () => {
    const room = new MemoryRoom();
    const warnings: string[] = [];
    const delivery = ListenerDelivery.create({ room, profile: agentProfile({ listeners: stockClients }), logger: { warn: (message: string) => warnings.push(message) } as never });
    expect(delivery?.subscriptions).toBeUndefined();
    expect(warnings.join()).toMatch(/no RoomService access/);
    expect(ListenerDelivery.create({ room, profile: agentProfile({ listeners: { audio: 'all', captions: 'all' } }), logger })).toBeUndefined();
    expect(ListenerDelivery.create({ room, profile: agentProfile(), logger })).toBeUndefined();
  });
});

describe('listeners.captions: chosen-language', () => {
  const caption = (language: string, itemId = 'u1') => ({ speaker: 'alice', trackSid: 'TR_1', itemId, language, text: `[${language}] hello`, isFinal: true });

  it("sends a language's captions to its listeners only, none to a language nobody chose, to everyone above the cap", () => {
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('claire', { language: 'fr' });
    room.join('dave', { language: 'de' });
    room.join('bot', { language: 'en' }, { isAgent: true });
    room.join('speaker');
    const delivery = deliver(room, agentProfile({ listeners: { audio: 'all', captions: 'chosen-language' } }), { maxCaptionDestinations: 2 });
    const writer = new CaptionWriter(room, (error) => {
      throw error;
    }, (language) => delivery.captionDestinations(language));
    writer.send(caption('fr'));
    writer.send(caption('de'));
    writer.send(caption('en'));
    expect(room.texts.map((t) => [t.attributes.language, t.destinationIdentities?.sort()])).toEqual([
      ['fr', ['carol', 'claire']],
      ['de', ['dave']],
    ]);

    // A third French listener is past the cap of 2: French goes to everyone (clients filter on `language`).
    room.join('chloe', { language: 'fr' });
    room.setAttribute('dave', 'language', 'fr');
    room.leave('carol');
    writer.send(caption('fr', 'u2'));
    writer.send(caption('de', 'u2'));
    expect(room.texts.slice(2).map((t) => [t.attributes.language, t.destinationIdentities])).toEqual([['fr', undefined]]);
    room.leave('claire');
    writer.send(caption('fr', 'u3'));
    expect(room.texts.at(-1)!.destinationIdentities?.sort()).toEqual(['chloe', 'dave']);
  });

  it('is O(1) per join and leave: the destination list is kept per language, not rebuilt from the room', () => {
    const audience = new LanguageAudience(agentProfile({ languages: { source: 'auto', targets: [neuralTarget('fr'), neuralTarget('de')] } }));
    for (let i = 0; i < 4000; i++) audience.update({ identity: `p${i}`, attributes: { language: i < 10 ? 'de' : 'fr' }, isAgent: false });
    expect(audience.captionDestinations('fr')).toBe('everyone');
    expect(audience.captionDestinations('de')).toHaveLength(10);
    expect(audience.captionDestinations('en')).toBe('nobody');
    for (let i = 0; i < 10; i++) audience.remove(`p${i}`);
    expect(audience.captionDestinations('de')).toBe('nobody');
  });
});

describe('RoomInterpreter with listeners: chosen-language', () => {
  it("publishes, routes each listener to their track and sends each language's captions to its listeners only", async () => {
    const emulator = await startEmulator({ port: 0, keys: ['good-key'] });
    const room = new MemoryRoom();
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    room.join('alice');
    const profile = agentProfile({ listeners: stockClients, speakers: [{ identity: 'alice', language: 'en-US', personalVoice: false, translate: true }] });
    const interpreter = new RoomInterpreter({ room, profile, logger, subscriptions: room, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }) });
    try {
      await interpreter.start();
      for (const language of ['fr', 'de', 'en']) room.serverSeesTrack(trackName(language));
      await waitFor(() => interpreter.delivery!.subscriptions!.idle, 'the subscription calls');
      expect(room.subscriptionsNamed('carol')).toEqual(['interpretation-fr']);
      expect(room.subscriptionsNamed('dave')).toEqual(['interpretation-de']);
      expect(room.subscriptionsNamed('alice')).toHaveLength(3);

      room.publishMicrophone('alice');
      const english = fixture('speech-en.wav');
      await room.speak('alice', english.samples, english.sampleRate);
      await room.silence('alice', 1500, english.sampleRate);
      const finals = () => room.texts.filter((t) => t.topic === TRANSCRIPTION_TOPIC && t.attributes['lk.transcription_final'] === 'true');
      await waitFor(() => ['fr', 'de'].every((language) => finals().some((t) => t.attributes.language === language)), 'final French and German captions');
      const captions = room.texts.filter((t) => t.topic === TRANSCRIPTION_TOPIC);
      expect(captions.every((t) => t.destinationIdentities?.length === 1 && t.destinationIdentities[0] === (t.attributes.language === 'fr' ? 'carol' : 'dave'))).toBe(true);
    } finally {
      await interpreter.stop(0);
      await emulator.close();
    }
  });
});
