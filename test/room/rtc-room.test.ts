/**
 * The agent's room adapter (`RtcRoomIO`) against the real LiveKit server: what the in-memory room
 * promises, checked where it cannot agree with us by construction.
 */
import { AudioFrame, AudioSource, LocalAudioTrack, ParticipantKind, Room, TrackKind, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import type { MicrophoneTrack, ParticipantInfo } from '../../src/agent/room-io.ts';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { RtcRoomIO } from '../../src/agent/rtc-room.ts';
import { envelope, publishRecording, recordTrack } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, nextTrack, startTestLiveKit } from './livekit.ts';

const livekit = await startTestLiveKit();

interface ReceivedText {
  text: string;
  sender: string;
  attributes: Record<string, string>;
}

function collectTexts(room: Room, topic: string): ReceivedText[] {
  const received: ReceivedText[] = [];
  room.registerTextStreamHandler(topic, (reader, participant) => {
    void reader.readAll().then((text) => received.push({ text, sender: participant.identity, attributes: reader.info.attributes ?? {} }));
  });
  return received;
}

async function interpreterIn(room: string): Promise<RtcRoomIO> {
  return RtcRoomIO.connect(livekit.url, await livekit.token('interpreter', room, { kind: 'agent' }), room);
}

const audible = (frames: Parameters<typeof envelope>[0]) => envelope(frames).filter((rms) => rms > 300).length;

describe('RtcRoomIO in the real LiveKit server', () => {
  it('sees participants, their attributes and changes to them; others see it as an agent', async () => {
    const speaker = await livekit.join('speaker', 'adapter-people', { attributes: { language: 'de' } });
    const io = await interpreterIn('adapter-people');
    expect(io.participants()).toEqual([{ identity: 'speaker', attributes: { language: 'de' }, isAgent: false }]);

    const joined: ParticipantInfo[] = [];
    const changed: ParticipantInfo[] = [];
    io.on('participantJoined', (p) => joined.push(p));
    io.on('attributesChanged', (p) => changed.push(p));
    const listener = await livekit.join('listener', 'adapter-people', { attributes: { language: 'fr' } });
    await eventually(() => joined.some((p) => p.identity === 'listener'), 'the listener joining');
    expect(joined.find((p) => p.identity === 'listener')).toEqual({ identity: 'listener', attributes: { language: 'fr' }, isAgent: false });

    await listener.localParticipant!.setAttributes({ language: 'ja' });
    await eventually(() => changed.some((p) => p.identity === 'listener' && p.attributes.language === 'ja'), 'the attribute change');

    await eventually(() => speaker.remoteParticipants.has('interpreter'), 'the interpreter at the speaker');
    expect(speaker.remoteParticipants.get('interpreter')!.kind).toBe(ParticipantKind.AGENT);
    await io.disconnect();
  });

  it("receives a speaker's microphone frames and publishes a track another participant hears", async () => {
    const io = await interpreterIn('adapter-audio');
    const microphones: MicrophoneTrack[] = [];
    io.on('microphoneSubscribed', (track) => microphones.push(track));
    const speaker = await livekit.join('speaker', 'adapter-audio');
    const listener = await livekit.join('listener', 'adapter-audio');
    const { samples, sampleRate } = fixture('speech-de.wav');

    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate);
    await eventually(() => microphones.length === 1, "the speaker's microphone at the interpreter");
    expect(microphones[0]).toMatchObject({ participant: 'speaker', trackSid: published.trackSid });
    const heard: Parameters<typeof envelope>[0][number][] = [];
    void (async () => {
      for await (const frame of microphones[0]!.frames) heard.push(frame);
    })();
    await published.done;
    await eventually(() => audible(heard) > 50, 'audible microphone frames at the interpreter (1 s of speech)');

    const sink = await io.publishAudio('interpretation-fr', sampleRate);
    const track = nextTrack(listener, (t, publication) => t.kind === TrackKind.KIND_AUDIO && publication.name === 'interpretation-fr');
    const { track: remote, participant } = await track;
    expect(participant.identity).toBe('interpreter');
    const recording = recordTrack(remote, sampleRate);
    const frameSamples = sampleRate / 100;
    for (let i = 0; i + frameSamples <= samples.length; i += frameSamples) {
      await sink.captureFrame(new AudioFrame(samples.slice(i, i + frameSamples), sampleRate, 1, frameSamples));
    }
    await eventually(() => audible(recording.frames) > 50, 'audible interpretation at the listener (1 s of speech)');
    recording.stop();
    await sink.close();
    await published.stop();
    await io.disconnect();
  });

  it('writes captions that listeners attribute to the speaker, and only to the listeners it names', async () => {
    const io = await interpreterIn('adapter-captions');
    const french = await livekit.join('listener-fr', 'adapter-captions');
    const german = await livekit.join('listener-de', 'adapter-captions');
    const toFrench = collectTexts(french, TRANSCRIPTION_TOPIC);
    const toGerman = collectTexts(german, TRANSCRIPTION_TOPIC);
    await eventually(() => io.participants().length === 2, 'both listeners at the interpreter');

    const attributes = { 'lk.segment_id': 'u1-fr', 'lk.transcription_final': 'true', language: 'fr' };
    await io.sendText('Bonjour à tous', { topic: TRANSCRIPTION_TOPIC, attributes, senderIdentity: 'speaker', destinationIdentities: ['listener-fr'] });
    // One stream to everyone afterwards: data from one sender arrives in order, so once it is at
    // the German listener, the French-only caption would have been there before it.
    await io.sendText('Guten Tag', { topic: TRANSCRIPTION_TOPIC, attributes: { ...attributes, 'lk.segment_id': 'u1-de', language: 'de' }, senderIdentity: 'speaker' });

    await eventually(() => toFrench.length === 2 && toGerman.length === 1, 'the captions');
    expect(toFrench[0]).toEqual({ text: 'Bonjour à tous', sender: 'speaker', attributes });
    expect(toGerman).toEqual([{ text: 'Guten Tag', sender: 'speaker', attributes: { ...attributes, 'lk.segment_id': 'u1-de', language: 'de' } }]);
    await io.disconnect();
  });

  it('a participant that is not an agent cannot caption in another name: the server re-stamps it', async () => {
    const listener = await livekit.join('listener', 'adapter-restamp');
    const texts = collectTexts(listener, TRANSCRIPTION_TOPIC);
    const impostor = await RtcRoomIO.connect(livekit.url, await livekit.token('impostor', 'adapter-restamp'), 'adapter-restamp');
    await eventually(() => impostor.participants().length === 1, 'the listener at the impostor');
    await impostor.sendText('fake', { topic: TRANSCRIPTION_TOPIC, attributes: {}, senderIdentity: 'speaker' });
    await eventually(() => texts.length === 1, 'the text');
    expect(texts[0]!.sender).toBe('impostor');
    await impostor.disconnect();
  });

  it("reports a joining participant active once its connection is up, its own tracks' sids and first subscriber", async () => {
    const io = await interpreterIn('adapter-active');
    const events: string[] = [];
    io.on('participantJoined', (p) => events.push(`joined ${p.identity}`));
    io.on('participantActive', (identity) => events.push(`active ${identity}`));
    io.on('ownTrackSubscribed', (name) => events.push(`subscribed ${name}`));
    const sink = await io.publishAudio('interpretation-fr', 16_000);
    const sid = io.trackSid('interpretation-fr');
    expect(sid).toMatch(/^TR_/);
    expect(io.trackSid('interpretation-de')).toBeUndefined();

    const listener = await livekit.join('listener', 'adapter-active');
    const heard = nextTrack(listener, (_t, publication) => publication.name === 'interpretation-fr');
    // Frames make the server see the track's media, which is when it subscribes auto-subscribers.
    const frames = (async () => {
      for (let i = 0; i < 300 && events.every((e) => !e.startsWith('subscribed')); i++) await sink.captureFrame(new AudioFrame(new Int16Array(160), 16_000, 1, 160));
    })();
    const { publication } = await heard;
    expect(publication.sid).toBe(sid);
    await eventually(() => events.includes('active listener') && events.includes('subscribed interpretation-fr'), 'the listener active and subscribed');
    await frames;
    expect(events.indexOf('joined listener')).toBeLessThan(events.indexOf('active listener'));
    expect(events.filter((e) => e === 'active listener')).toHaveLength(1);
    await sink.close();
    await io.disconnect();
  });

  it('reports DeleteRoom as room-deleted', async () => {
    const io = await interpreterIn('adapter-delete');
    const reasons: string[] = [];
    io.on('disconnected', (reason) => reasons.push(reason));
    await livekit.rooms.deleteRoom('adapter-delete');
    await eventually(() => reasons.length > 0, 'the disconnect');
    expect(reasons).toEqual(['room-deleted']);
  });
  it('reports a microphone unpublished, a participant leaving, no other audio as a microphone, and a second interpreter as replaced', async () => {
    const io = await interpreterIn('adapter-leave');
    const events: string[] = [];
    io.on('microphoneSubscribed', (m) => events.push(`microphone ${m.participant} ${m.trackSid}`));
    io.on('microphoneUnsubscribed', (identity, trackSid) => events.push(`gone ${identity} ${trackSid}`));
    io.on('participantLeft', (identity) => events.push(`left ${identity}`));
    io.on('attributesChanged', (p) => events.push(`attributes ${p.identity}`));
    const reasons: string[] = [];
    io.on('disconnected', (reason) => reasons.push(reason));

    const speaker = await livekit.join('speaker', 'adapter-leave');
    // Screen-share audio is audio, but not a microphone: nobody is interpreted from it.
    const screen = new AudioSource(16_000, 1);
    await speaker.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack('screen', screen), new TrackPublishOptions({ source: TrackSource.SOURCE_SCREENSHARE_AUDIO }));
    const { samples, sampleRate } = fixture('speech-de.wav');
    const published = await publishRecording(speaker.localParticipant!, samples.subarray(0, 16_000), sampleRate);
    await eventually(() => events.includes(`microphone speaker ${published.trackSid}`), "the speaker's microphone");
    await published.stop();
    await eventually(() => events.includes(`gone speaker ${published.trackSid}`), 'the microphone unpublished');
    expect(events.filter((e) => e.startsWith('microphone'))).toEqual([`microphone speaker ${published.trackSid}`]);

    // The agent's own attributes reach the others, and are not reported to it as someone's change.
    const watcher = await livekit.join('watcher', 'adapter-leave');
    await io.setAttributes({ 'lk.agent.state': 'listening' });
    await eventually(() => watcher.remoteParticipants.get('interpreter')?.attributes['lk.agent.state'] === 'listening', 'the attribute at the watcher');
    expect(events.filter((e) => e.startsWith('attributes'))).toEqual([]);

    await speaker.disconnect();
    await eventually(() => events.includes('left speaker'), 'the speaker leaving');
    await screen.close();

    // Another participant with the interpreter's identity takes its place: the server removes this one.
    const second = await livekit.join('interpreter', 'adapter-leave', { kind: 'agent' });
    await eventually(() => reasons.length > 0, 'the disconnect');
    expect(reasons).toEqual(['replaced']);
    await second.disconnect();
  });

  it('wraps a room someone else connects: those already there are reported active after connected()', async () => {
    const early = await livekit.join('early', 'adapter-wrap');
    const room = new Room();
    const io = RtcRoomIO.wrap(room, 'adapter-wrap');
    expect(io.name).toBe('adapter-wrap');
    const active: string[] = [];
    io.on('participantActive', (identity) => active.push(identity));
    await room.connect(livekit.url, await livekit.token('interpreter', 'adapter-wrap', { kind: 'agent' }), { autoSubscribe: true, dynacast: false });
    expect(active).toEqual([]);
    io.connected();
    await eventually(() => active.includes('early'), 'the participant already there, active');
    expect(await io.sid()).toMatch(/^RM_/);
    await io.disconnect();
    await early.disconnect();
  });
});
