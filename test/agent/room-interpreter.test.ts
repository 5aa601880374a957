/**
 * The room agent through its seam: an in-memory room, the real plugin and the real Speech SDK
 * talking to the emulator over a real socket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { superviseRoom } from '../../src/agent/lifecycle.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { CaptionAttributes } from '../../src/agent/captions.ts';
import { NOTICE_TOPIC, TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import type { SessionSpec } from '../../src/agent/speaker-pipeline.ts';
import type { Profile } from '../../src/profiles/types.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile, neuralTarget } from './profiles.ts';
import { audibleMs, fixture, fullScale, peak, waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const english = fixture('speech-en.wav');
const german = fixture('speech-de.wav');
let emulator: SpeechEmulator;
let interpreters: RoomInterpreter[] = [];

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, keys: ['good-key'] });
});
afterEach(async () => {
  await Promise.all(interpreters.map((i) => i.stop(0)));
  interpreters = [];
  await emulator.close();
});

function start(room: MemoryRoom, profile: Profile, open?: (spec: SessionSpec) => ReturnType<ReturnType<typeof sessionOpener>>) {
  const interpreter = new RoomInterpreter({
    room,
    profile,
    logger,
    openSession: open ?? sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }),
  });
  interpreters.push(interpreter);
  return interpreter;
}

const declared = (extra: Parameters<typeof agentProfile>[0] = {}) =>
  agentProfile({
    speakers: [
      { identity: 'alice', language: 'en-US', personalVoice: false, translate: true },
      { identity: 'bob', language: 'de-DE', personalVoice: false, translate: true },
      { identity: 'interp-1', personalVoice: false, translate: false },
    ],
    ...extra,
  });

const noLinger = { maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60, languageLingerSeconds: 0 };

describe('RoomInterpreter', () => {
  it('interprets two speakers in different languages for three listeners: one track and captions per language', async () => {
    const room = new MemoryRoom();
    for (const [who, language] of [['carol', 'fr'], ['dave', 'de'], ['erin', 'en']] as const) room.join(who, { language });
    room.join('alice');
    room.join('bob');
    const interpreter = start(room, declared());
    await interpreter.start();
    expect([...room.published.keys()].sort()).toEqual(['interpretation-de', 'interpretation-en', 'interpretation-fr']);

    const aliceTrack = room.publishMicrophone('alice');
    room.publishMicrophone('bob');
    await waitFor(() => emulator.openConnections() === 4, 'four sessions (alice: fr+de, bob: fr+en)');
    const asked = emulator.connections.map((c) => ({ languages: c.targetLanguages.join(','), voice: c.voice })).sort((a, b) => a.languages.localeCompare(b.languages));
    expect(asked).toEqual([
      { languages: 'de', voice: 'de-DE-KatjaNeural' },
      { languages: 'en', voice: 'en-US-JennyNeural' },
      { languages: 'fr', voice: 'fr-FR-DeniseNeural' },
      { languages: 'fr', voice: 'fr-FR-DeniseNeural' },
    ]);
    expect(emulator.connections.every((c) => c.sourceLanguages.length <= 1)).toBe(true);

    await Promise.all([
      room.speak('alice', english.samples, english.sampleRate).then(() => room.silence('alice', 1500, english.sampleRate)),
      room.speak('bob', german.samples, german.sampleRate).then(() => room.silence('bob', 1500, german.sampleRate)),
    ]);
    const captions = () => room.texts.filter((t) => t.topic === TRANSCRIPTION_TOPIC && t.attributes[CaptionAttributes.final] === 'true');
    await waitFor(() => new Set(captions().map((c) => `${c.senderIdentity}:${c.attributes[CaptionAttributes.language]}`)).size === 4, 'final captions for every speaker and language');
    await waitFor(() => audibleMs(room.published.get('interpretation-fr')!.frames) > 2500, 'French speech from both speakers');
    expect(audibleMs(room.published.get('interpretation-de')!.frames)).toBeGreaterThan(1000);
    expect(audibleMs(room.published.get('interpretation-en')!.frames)).toBeGreaterThan(1000);

    const aliceFrench = captions().find((c) => c.senderIdentity === 'alice' && c.attributes[CaptionAttributes.language] === 'fr')!;
    expect(aliceFrench.text).toMatch(/^\[fr\]/);
    expect(aliceFrench.attributes).toMatchObject({ [CaptionAttributes.trackId]: aliceTrack, [CaptionAttributes.final]: 'true' });
    expect(aliceFrench.attributes[CaptionAttributes.segmentId]).toMatch(/-fr$/);
    expect(room.texts.some((t) => t.topic === TRANSCRIPTION_TOPIC && t.attributes[CaptionAttributes.final] === 'false')).toBe(true);
  });

  it('opens caption-only languages in text-only sessions of two on a Speech resource, all in one on an AI Foundry resource', async () => {
    const captionsOnly = agentProfile({ targets: ['ja', 'ko', 'it'].map((language) => ({ language, voice: { kind: 'none' as const } })) });
    const room = new MemoryRoom();
    room.join('alice');
    const speech = start(room, captionsOnly);
    await speech.start();
    room.publishMicrophone('alice');
    await waitFor(() => emulator.openConnections() === 2, 'two text-only sessions');
    expect(emulator.connections.map((c) => c.targetLanguages.join(',')).sort()).toEqual(['it,ja', 'ko']);
    expect(emulator.connections.every((c) => c.voice === undefined)).toBe(true);
    await speech.stop(0);
    await waitFor(() => emulator.openConnections() === 0, 'the sessions closed');

    const foundry = { kind: 'foundry' as const, tier: 'S0' as const };
    const other = new MemoryRoom();
    other.join('bob');
    const interpreter = new RoomInterpreter({ room: other, profile: captionsOnly, logger, resource: foundry, openSession: sessionOpener(captionsOnly, { speechKey: 'good-key', speechEndpoint: emulator.url.toString(), resource: foundry }) });
    interpreters.push(interpreter);
    await interpreter.start();
    other.publishMicrophone('bob');
    await waitFor(() => emulator.openConnections() === 1, 'one text-only session');
    expect(emulator.connections.at(-1)?.targetLanguages).toEqual(['it', 'ja', 'ko']);
  });

  it('on a free (F0) resource: one session at most, and the neural fallback instead of personal voice', async () => {
    const profile = agentProfile({
      targets: [{ language: 'fr', voice: { kind: 'personal', fallback: 'fr-FR-HenriNeural' } }],
      speakers: [{ identity: 'ceo', language: 'en-US', personalVoice: true, translate: true }],
    });
    const f0 = { kind: 'speech' as const, tier: 'F0' as const };
    const room = new MemoryRoom();
    room.join('ceo');
    room.join('guest');
    const interpreter = new RoomInterpreter({ room, profile, logger, resource: f0, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString(), resource: f0 }) });
    interpreters.push(interpreter);
    await interpreter.start();
    room.publishMicrophone('ceo');
    await waitFor(() => emulator.openConnections() === 1, "the ceo's session");
    expect(emulator.connections[0]).toMatchObject({ targetLanguages: ['fr'], voice: 'fr-FR-HenriNeural' });
    room.publishMicrophone('guest');
    await waitFor(() => room.texts.some((t) => t.topic === NOTICE_TOPIC && /guest is not being interpreted: the Azure Speech quota of 1 concurrent sessions/.test(t.text)), 'the quota notice');
    expect(interpreter.sessionCount()).toBe(1);
  });

  it('captions an open-range speaker from final results alone (the service sends no interim ones), on their behalf', async () => {
    const room = new MemoryRoom();
    room.join('zoe');
    const interpreter = start(room, agentProfile({ targets: [neuralTarget('fr'), { language: 'ja', voice: { kind: 'none' } }] }));
    await interpreter.start();
    const track = room.publishMicrophone('zoe');
    await waitFor(() => emulator.openConnections() === 2, 'the French and the caption session');
    await room.speak('zoe', english.samples, english.sampleRate);
    await room.silence('zoe', 1500, english.sampleRate);
    const captions = () => room.texts.filter((t) => t.topic === TRANSCRIPTION_TOPIC);
    await waitFor(() => new Set(captions().map((c) => c.attributes[CaptionAttributes.language])).size === 2, 'captions in French and Japanese');
    expect(captions().every((c) => c.attributes[CaptionAttributes.final] === 'true' && c.senderIdentity === 'zoe')).toBe(true);
    expect(captions().map((c) => c.attributes[CaptionAttributes.trackId])).toEqual([track, track]);
    await waitFor(() => audibleMs(room.published.get('interpretation-fr')!.frames) > 1000, 'the French speech');
  });

  it('never interprets a speaker with translate: false', async () => {
    const room = new MemoryRoom();
    room.join('interp-1');
    room.join('alice');
    const interpreter = start(room, declared({ targets: [neuralTarget('fr')] }));
    await interpreter.start();
    room.publishMicrophone('interp-1');
    // Microphones are admitted in the order they come: once alice's is, interp-1's was decided.
    room.publishMicrophone('alice');
    await waitFor(() => interpreter.speakers().includes('alice'), 'alice interpreted');
    await waitFor(() => emulator.openConnections() === 1, "alice's French session");
    expect(interpreter.speakers()).toEqual(['alice']);
    expect(emulator.connections).toHaveLength(1);
  });

  it('opens on-demand languages as listeners choose them and closes them when they leave (no linger)', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    const interpreter = start(room, declared({ onDemand: true, targets: [neuralTarget('fr'), neuralTarget('de'), neuralTarget('es')], limits: noLinger }));
    await interpreter.start();
    expect(room.published.size).toBe(0);
    room.publishMicrophone('alice');
    // Admitted with no listener for any language: no session at all.
    await waitFor(() => interpreter.speakers().includes('alice'), 'alice admitted');
    expect(interpreter.sessionCount()).toBe(0);
    expect(emulator.connections).toHaveLength(0);

    room.join('carol', { language: 'fr' });
    await waitFor(() => emulator.openConnections() === 1, 'the French session');
    room.join('dave');
    room.setAttribute('dave', 'language', 'de');
    await waitFor(() => emulator.openConnections() === 2, 'French and German sessions');
    expect(emulator.connections.map((c) => c.targetLanguages[0]).sort()).toEqual(['de', 'fr']);
    room.leave('carol');
    await waitFor(() => emulator.openConnections() === 1, 'only German left');
    expect(emulator.connections.filter((c) => c.closedAt === undefined).map((c) => c.targetLanguages[0])).toEqual(['de']);
  });

  it.each(['bare', 'locale'] as const)('drops the session of the language a speaker is detected speaking (reported as a %s tag)', async (languageForm) => {
    await emulator.close();
    emulator = await startEmulator({ port: 0, keys: ['good-key'], detectLanguage: 'de', languageForm });
    const room = new MemoryRoom();
    room.join('zoe');
    const interpreter = start(room, agentProfile({ targets: [neuralTarget('fr'), neuralTarget('de')] }));
    await interpreter.start();
    room.publishMicrophone('zoe');
    await waitFor(() => emulator.openConnections() === 2, 'fr and de sessions');
    await room.speak('zoe', german.samples, german.sampleRate);
    await room.silence('zoe', 1500, german.sampleRate);
    await waitFor(() => emulator.openConnections() === 1, 'the German session closed');
    expect(emulator.connections.filter((c) => c.closedAt === undefined).map((c) => c.targetLanguages[0])).toEqual(['fr']);
  });

  // That overlapping speakers are heard in the same frames, and the limiter's curve, are checked on
  // the mixer's samples in mixer.test.ts; this checks the whole path keeps under full scale.
  it('plays the translations of two speakers talking at once at full scale with no sample at full scale', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    room.join('bob');
    const interpreter = start(room, declared({ targets: [neuralTarget('fr')] }));
    await interpreter.start();
    room.publishMicrophone('alice');
    room.publishMicrophone('bob');
    await waitFor(() => emulator.openConnections() === 2, 'two French sessions');
    const loud = fullScale(english.samples.subarray(0, english.sampleRate * 3));
    await Promise.all(['alice', 'bob'].map((who) => room.speak(who, loud, english.sampleRate).then(() => room.silence(who, 1500, english.sampleRate))));
    const french = room.published.get('interpretation-fr')!;
    await waitFor(() => (room.texts.filter((t) => t.attributes[CaptionAttributes.final] === 'true').length >= 2), 'both translations');
    const mixer = await interpreter.mixer('fr')!;
    // Every translation played out: nothing left in the mixer or queued in the track.
    await waitFor(() => audibleMs(french.frames) > 2000 && mixer.activeSources === 0 && mixer.queuedMs === 0, 'all the French speech played');
    expect(peak(french.frames)).toBeLessThan(32767);
    expect(mixer.peakSample).toBeLessThan(32767);
  });

  it("keeps everyone else interpreted when one speaker's session fails, and tells the room", async () => {
    const room = new MemoryRoom();
    room.join('alice');
    room.join('bob');
    const profile = declared({ targets: [neuralTarget('fr')] });
    const good = sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() });
    const bad = sessionOpener(profile, { speechKey: 'revoked-key', speechEndpoint: emulator.url.toString() });
    let opened = 0;
    const interpreter = start(room, profile, (spec) => (opened++ === 0 ? bad(spec) : good(spec)));
    await interpreter.start();
    room.publishMicrophone('alice');
    await waitFor(() => room.texts.some((t) => t.topic === NOTICE_TOPIC), 'a notice about the failed session');
    expect(room.texts.find((t) => t.topic === NOTICE_TOPIC)!.text).toMatch(/alice into fr stopped/);
    room.publishMicrophone('bob');
    await waitFor(() => emulator.openConnections() === 1, "bob's session");
    await room.speak('bob', german.samples, german.sampleRate);
    await room.silence('bob', 1500, german.sampleRate);
    await waitFor(() => audibleMs(room.published.get('interpretation-fr')!.frames) > 1000, "bob's French speech");
  });

  it('skips the newest speaker past the speaker limit, with a notice', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    room.join('bob');
    const interpreter = start(room, declared({ targets: [neuralTarget('fr')], limits: { maxSessionMinutes: 60, maxSpeakers: 1, emptyRoomTimeoutSeconds: 60 } }));
    await interpreter.start();
    room.publishMicrophone('alice');
    room.publishMicrophone('bob');
    await waitFor(() => room.texts.some((t) => t.topic === NOTICE_TOPIC), 'the notice');
    expect(interpreter.speakers()).toEqual(['alice']);
    expect(room.texts.find((t) => t.topic === NOTICE_TOPIC)!.text).toMatch(/bob is not being interpreted: the profile allows 1/);

    // When alice leaves, the slot goes to bob, whose microphone was read (not left to pile up) meanwhile.
    room.leave('alice');
    await waitFor(() => interpreter.speakers().join() === 'bob', 'bob interpreted');
    await waitFor(() => room.texts.some((t) => t.topic === NOTICE_TOPIC && /bob is now being interpreted/.test(t.text)), 'the second notice');
    await waitFor(() => emulator.openConnections() === 1, "bob's session");
  });

  it('keeps within the Azure quota when listeners ask for more languages, and gives sessions back when it frees up', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    const profile = declared({ onDemand: true, targets: [neuralTarget('fr'), neuralTarget('de'), neuralTarget('es')], limits: noLinger });
    const interpreter = new RoomInterpreter({ room, profile, logger, maxAzureSessions: 2, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }) });
    interpreters.push(interpreter);
    await interpreter.start();
    room.publishMicrophone('alice');
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    await waitFor(() => emulator.openConnections() === 2, 'French and German');
    room.join('erin', { language: 'es' });
    await waitFor(() => room.texts.some((t) => t.topic === NOTICE_TOPIC && /alice into es is unavailable: the Azure Speech quota of 2/.test(t.text)), 'the quota notice');
    // The notice is given where the quota refuses the language: what runs now is what will run.
    expect(interpreter.sessionCount()).toBe(2);
    expect(emulator.openConnections()).toBe(2);
    // The sessions already running were kept; the newcomer's language waits.
    expect(emulator.connections.filter((c) => c.closedAt === undefined).map((c) => c.targetLanguages[0]).sort()).toEqual(['de', 'fr']);

    room.leave('dave');
    await waitFor(() => emulator.connections.filter((c) => c.closedAt === undefined).map((c) => c.targetLanguages[0]).sort().join() === 'es,fr', 'Spanish once German is gone');
  });

  it('on SIGTERM lets the utterance in progress finish into the track before leaving', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    const interpreter = start(room, declared({ targets: [neuralTarget('fr')] }));
    await interpreter.start();
    room.publishMicrophone('alice');
    await waitFor(() => emulator.openConnections() === 1, 'the session');
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal, drainMs: 8000 });
    await room.speak('alice', english.samples, english.sampleRate);
    await room.silence('alice', 700, english.sampleRate);
    stop.abort();
    expect(await supervised).toBe('stop-requested');
    expect(audibleMs(room.published.get('interpretation-fr')!.frames)).toBeGreaterThan(1000);
    expect(room.published.get('interpretation-fr')!.closed).toBe(true);
    expect(room.disconnected).toBe(true);
    expect(emulator.openConnections()).toBe(0);
  });
});
