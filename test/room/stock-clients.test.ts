/**
 * Stock LiveKit clients (autoSubscribe on, every transcription shown) with a profile that sets
 * `listeners: { audio: chosen-language, captions: chosen-language }`: the real agent process,
 * the real server, the Speech emulator. Two listeners swap languages halfway; each must hear and
 * read only the language they chose at that moment.
 *
 * rtc-node reports no unsubscription the server made (its TrackUnsubscribed fires only when the
 * client unsubscribes itself or the track is unpublished), and the server may reuse a freed
 * transceiver for a later subscription, whose audio would then reach the stale track. So the
 * room is set up with every track published before the listeners join (nothing subscribes
 * afterwards but what the agent asks for), and "not subscribed" is shown by what a client
 * receives: the other listener, subscribed to that language, hears a second and a half of it,
 * which the server forwards to every subscriber of the track at once, while this one hears none.
 */
import { AudioFrame, AudioSource, LocalAudioTrack, RoomEvent, TrackKind, TrackPublishOptions, TrackSource, type LocalParticipant, type RemoteTrack, type RemoteTrackPublication, type Room } from '@livekit/rtc-node';
import { afterAll, describe, expect, it } from 'vitest';
import { languageOfTrack } from '../../src/common/listener-protocol.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { recordTrack, type TrackRecording } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { startAgent } from './agent-process.ts';
import { eventually, startTestLiveKit } from './livekit.ts';
import { audibleMs, captionLanguage, captionsAt, isFinal, type Caption } from './stack.ts';

const emulator = await startEmulator({ detectLanguage: 'en' });
afterAll(() => emulator.close());
const livekit = await startTestLiveKit();

/** Everything a client receives on the interpreter's tracks, by language (a re-subscription is a new track). */
function heardBy(room: Room): { audible(language: string): number; subscriptions(language: string): number } {
  const recordings = new Map<string, TrackRecording[]>();
  const add = (track: RemoteTrack, publication: RemoteTrackPublication) => {
    const language = languageOfTrack(publication.name ?? '');
    if (!language || track.kind !== TrackKind.KIND_AUDIO) return;
    recordings.set(language, [...(recordings.get(language) ?? []), recordTrack(track, 16_000)]);
  };
  room.on(RoomEvent.TrackSubscribed, add);
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) if (publication.track) add(publication.track, publication as RemoteTrackPublication);
  }
  return {
    audible: (language) => (recordings.get(language) ?? []).reduce((ms, r) => ms + audibleMs(r), 0),
    subscriptions: (language) => recordings.get(language)?.length ?? 0,
  };
}

/** A microphone that sends silence until told to say something: one track for the whole test. */
async function liveMicrophone(participant: LocalParticipant, sampleRate: number) {
  const source = new AudioSource(sampleRate, 1);
  await participant.publishTrack(LocalAudioTrack.createAudioTrack('microphone', source), new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  const frame = sampleRate / 100;
  const queue: Int16Array[] = [];
  let stopped = false;
  let drained: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      await source.captureFrame(new AudioFrame(queue.shift() ?? new Int16Array(frame), sampleRate, 1, frame));
      if (queue.length === 0) drained?.();
    }
  })();
  return {
    say(samples: Int16Array): Promise<void> {
      for (let i = 0; i < samples.length; i += frame) {
        const chunk = new Int16Array(frame);
        chunk.set(samples.subarray(i, i + frame));
        queue.push(chunk);
      }
      return new Promise((resolve) => (drained = resolve));
    },
    async stop(): Promise<void> {
      stopped = true;
      await loop;
      await source.close();
    },
  };
}

/** How often the agent logged that it set this listener's tracks (one subscribed, one left), all calls done. */
function tracksSet(output: string, listener: string): number {
  return output.split('\n').filter((line) => {
    if (!line.includes('"listener interpretation tracks set"') || !line.endsWith('}')) return false;
    const entry = JSON.parse(line) as { listener?: string; subscribed?: string[]; unsubscribed?: string[] };
    return entry.listener === listener && entry.subscribed?.length === 1 && entry.unsubscribed?.length === 1;
  }).length;
}

const segments = (captions: Caption[], language: string) => new Set(captions.filter((c) => captionLanguage(c) === language).map((c) => c.attributes['lk.segment_id']));
const hasFinal = (captions: Caption[], language: string) => captions.some((c) => isFinal(c) && captionLanguage(c) === language);

describe('stock clients: each listener gets only the language they chose', () => {
  it('an auto-subscribing listener of fr hears and reads only French; switching to de flips it', async () => {
    const room = await livekit.rooms.createRoom({ name: 'stock-swap' });
    // At debug level the agent logs each listener whose tracks it set: the test speaks after that.
    const agent = startAgent(livekit, emulator, room.name, 'stock-test', { LOG_LEVEL: 'debug' });
    // The agent publishes both languages at once (it routes listeners, so also with onDemand).
    const interpreterTracks = async () => (await livekit.rooms.listParticipants(room.name)).find((p) => p.identity === 'interpreter')?.tracks.length ?? 0;
    await eventually(async () => (await interpreterTracks()) === 2 || agent.child.exitCode !== null, "the interpreter's two tracks", 60_000);
    expect(agent.child.exitCode, agent.output()).toBeNull();
    const speaker = await livekit.join('speaker', room.name);
    const microphone = await liveMicrophone(speaker.localParticipant!, 16_000);

    const anna = await livekit.join('anna', room.name, { attributes: { language: 'fr' } });
    const ben = await livekit.join('ben', room.name, { attributes: { language: 'de' } });
    const [annaHears, benHears] = [heardBy(anna), heardBy(ben)];
    const [annaReads, benReads] = [captionsAt(anna), captionsAt(ben)];
    const english = fixture('speech-en.wav');
    // Both joined after the tracks were published, so the first set of their tracks is the one at
    // their connection coming up (the server's auto-subscription): speech before it could leak.
    await eventually(() => tracksSet(agent.output(), 'anna') > 0 && tracksSet(agent.output(), 'ben') > 0, "the agent setting both listeners' tracks", 30_000);

    await microphone.say(english.samples);
    await eventually(() => annaHears.audible('fr') >= 1500 && benHears.audible('de') >= 1500, 'a second and a half of French at anna and of German at ben', 60_000);
    await eventually(() => hasFinal(annaReads, 'fr') && hasFinal(benReads, 'de'), 'final captions in each language', 30_000);
    expect(annaHears.audible('de'), 'German heard by the French listener').toBe(0);
    expect(benHears.audible('fr'), 'French heard by the German listener').toBe(0);
    const [frenchBefore, germanBefore] = [segments(annaReads, 'fr'), segments(benReads, 'de')];

    // They swap. Each is subscribed again to the track they were taken off (a new TrackSubscribed),
    // then taken off the other: the agent logs each listener once both calls are done.
    const [annaDe, benFr] = [annaHears.subscriptions('de'), benHears.subscriptions('fr')];
    const [annaSet, benSet] = [tracksSet(agent.output(), 'anna'), tracksSet(agent.output(), 'ben')];
    await anna.localParticipant!.setAttributes({ language: 'de' });
    await ben.localParticipant!.setAttributes({ language: 'fr' });
    await eventually(() => annaHears.subscriptions('de') > annaDe && benHears.subscriptions('fr') > benFr, 'each listener subscribed to their new language', 30_000);
    await eventually(() => tracksSet(agent.output(), 'anna') > annaSet && tracksSet(agent.output(), 'ben') > benSet, "the agent done with both listeners' new tracks", 30_000);
    const at = { annaDe: annaHears.audible('de'), benFr: benHears.audible('fr') };
    await microphone.say(english.samples);
    // What each hears of the old language is counted from the moment the witness (now listening to
    // it) starts hearing the second utterance in it: the first one's last words, still playing at
    // the swap, are no part of the claim.
    const from: { annaFr?: number; benDe?: number } = {};
    await eventually(() => {
      if (from.annaFr === undefined && benHears.audible('fr') > at.benFr) from.annaFr = annaHears.audible('fr');
      if (from.benDe === undefined && annaHears.audible('de') > at.annaDe) from.benDe = benHears.audible('de');
      return annaHears.audible('de') - at.annaDe >= 1500 && benHears.audible('fr') - at.benFr >= 1500;
    }, 'a second and a half of the new language at each', 60_000);
    expect(annaHears.audible('fr') - from.annaFr!, 'French heard by anna after she chose German').toBe(0);
    expect(benHears.audible('de') - from.benDe!, 'German heard by ben after he chose French').toBe(0);
    await eventually(() => hasFinal(annaReads, 'de') && hasFinal(benReads, 'fr'), 'final captions in the new languages', 30_000);

    // Data from one sender arrives in order: the first utterance's captions went out before the
    // second's, so had any German one gone to anna it would be here, ahead of her German ones.
    expect([...segments(annaReads, 'de')].filter((id) => germanBefore.has(id))).toEqual([]);
    expect([...segments(benReads, 'fr')].filter((id) => frenchBefore.has(id))).toEqual([]);
    expect(annaReads.every((c) => c.sender === 'speaker')).toBe(true);
    await microphone.stop();
    await livekit.rooms.deleteRoom(room.name);
    expect(await agent.exited, agent.output()).toBe(0);
  });
});
