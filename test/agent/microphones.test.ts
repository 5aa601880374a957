/**
 * A speaker's microphone track replaced while they speak (republished after a reconnect, another
 * device): the newest track is the one interpreted, with the same sessions, and the old track
 * going away afterwards does not drop the speaker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile, neuralTarget } from './profiles.ts';
import { fixture, waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const speech = fixture('speech-en.wav');
let emulator: SpeechEmulator;
let interpreter: RoomInterpreter | undefined;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterEach(async () => {
  await interpreter?.stop(0);
  await emulator.close();
});

const utterances = () => emulator.connections.reduce((n, c) => n + c.utterances, 0);

describe('a replaced microphone', () => {
  it('interprets the newest track with the same sessions, and outlives the old one', async () => {
    const room = new MemoryRoom();
    room.join('alice');
    const profile = agentProfile({ targets: [neuralTarget('fr')] });
    interpreter = new RoomInterpreter({ room, profile, logger, openSession: sessionOpener(profile, { speechKey: 'k', speechEndpoint: emulator.url.toString() }) });
    await interpreter.start();

    const first = room.publishMicrophone('alice');
    const firstMic = room.microphoneOf('alice');
    await room.speak('alice', speech.samples, speech.sampleRate);
    await room.silence('alice', 1500, speech.sampleRate);
    await waitFor(() => utterances() === 1, 'the first utterance at the service');
    const sessions = emulator.connections.length;

    room.publishMicrophone('alice');
    room.unpublishMicrophone('alice', first, firstMic);
    await room.speak('alice', speech.samples, speech.sampleRate);
    await room.silence('alice', 1500, speech.sampleRate);
    await waitFor(() => utterances() === 2, 'the second utterance, spoken into the new track');
    expect(interpreter.speakers()).toEqual(['alice']);
    expect(emulator.connections).toHaveLength(sessions);
    expect(emulator.openConnections()).toBe(sessions);
  });
});
