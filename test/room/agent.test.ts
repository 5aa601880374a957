/**
 * The interpreter agent process (`interpreter agent`) in a real LiveKit room, with the Speech
 * emulator standing in for Azure: it joins as `interpreter`, interprets a German speaker for a
 * French listener (audio on `interpretation-fr`, captions the listener attributes to the
 * speaker), and leaves with exit 0 when the room is deleted.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TrackKind, type Room } from '@livekit/rtc-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { envelope, publishRecording, recordTrack } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, nextTrack, startTestLiveKit } from './livekit.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const profiles = fileURLToPath(new URL('../fixtures/room-profiles', import.meta.url));

const emulator = await startEmulator({ detectLanguage: 'de' });
afterAll(() => emulator.close());
const livekit = await startTestLiveKit();

function startAgent(room: string) {
  const child = spawn(process.execPath, [bin, 'agent'], {
    env: {
      ...process.env,
      INTERPRETER_ROOM: room,
      INTERPRETER_PROFILE: 'room-test',
      INTERPRETER_PROFILES: profiles,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      AZURE_SPEECH_KEY: 'emulator',
      AZURE_SPEECH_ENDPOINT: emulator.url.toString(),
      AZURE_SPEECH_REGION: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => output };
}

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
    const agent = startAgent(room.name);
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
