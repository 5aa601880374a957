/**
 * The interpreter agent process (`interpreter agent`) in a real LiveKit room, with the Speech
 * emulator standing in for Azure: it joins as `interpreter`, interprets a German speaker for a
 * French listener (audio on `interpretation-fr`, captions the listener attributes to the
 * speaker), and leaves with exit 0 when the room is deleted.
 */
import { TrackKind, type Room } from '@livekit/rtc-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { envelope, publishRecording, recordTrack } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { startAgent } from './agent-process.ts';
import { eventually, nextTrack, startTestLiveKit } from './livekit.ts';

const emulator = await startEmulator({ detectLanguage: 'de' });
afterAll(() => emulator.close());
const livekit = await startTestLiveKit();

interface Caption {
  text: string;
  sender: string;
  attributes: Record<string, string>;
}

function captionsAt(room: Room): Caption[] {
  const captions: Caption[] = [];
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, participant) => {
    void reader.readAll().then((text) => captions.push({ text, sender: participant.identity, attributes: reader.info.attributes ?? {} }));
  });
  return captions;
}

describe('the interpreter agent in a real room', () => {
  it('interprets a German speaker for a French listener, then leaves when the room is deleted', async () => {
    const room = await livekit.rooms.createRoom({ name: 'e2e-agent' });
    const agent = startAgent(livekit, emulator, room.name);
    const listener = await livekit.join('listener', room.name, { attributes: { language: 'fr' } });
    const captions = captionsAt(listener);
    await eventually(() => listener.remoteParticipants.has('interpreter') || agent.child.exitCode !== null, 'the interpreter joining', 30_000);
    expect(agent.child.exitCode, agent.output()).toBeNull();

    const track = nextTrack(listener, (t, publication, participant) => t.kind === TrackKind.KIND_AUDIO && participant.identity === 'interpreter' && publication.name === 'interpretation-fr', 30_000);
    const speaker = await livekit.join('speaker', room.name);
    const { samples, sampleRate } = fixture('speech-de.wav');
    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate, { leadingSilenceMs: 500 });
    const { track: french } = await track;
    const recording = recordTrack(french, 16_000);
    await published.done;

    await eventually(() => envelope(recording.frames).filter((rms) => rms > 300).length > 25, 'audible French interpretation (0.5 s) at the listener', 30_000);
    await eventually(() => captions.some((c) => c.attributes['lk.transcription_final'] === 'true'), 'a final caption', 30_000);
    const finals = captions.filter((c) => c.attributes['lk.transcription_final'] === 'true');
    expect(finals.every((c) => c.sender === 'speaker')).toBe(true);
    expect(finals.some((c) => c.text.length > 0)).toBe(true);
    recording.stop();
    await published.stop();

    await livekit.rooms.deleteRoom(room.name);
    expect(await agent.exited, agent.output()).toBe(0);
  });
});
