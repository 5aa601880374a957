/**
 * A profile's terminology and timing reach the Azure sessions the agent opens: the profile's phrases,
 * weight, category and segmentation in every session; a speaker rule's phrases only in that speaker's.
 * In-memory room, real plugin, real Speech SDK, the emulator recording each `speech.context`.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pino } from 'pino';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile } from './profiles.ts';
import { waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CATEGORY = 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH';
let emulator: SpeechEmulator;
let interpreter: RoomInterpreter | undefined;

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, keys: ['good-key'] });
});
afterEach(async () => {
  await interpreter?.stop(0);
  interpreter = undefined;
  await emulator.close();
});

it("sends the profile's terminology and timing to every session, and a speaker's own phrases only to that speaker's", async () => {
  const profile = agentProfile({
    speakers: [
      { identity: 'alice', language: 'en-US', personalVoice: false, translate: true, phrases: ['Alice Liddell'] },
      { identity: 'bob', language: 'de-DE', personalVoice: false, translate: true },
    ],
    terminology: { phrases: ['Contoso', 'Fabrikam'], weight: 1.5, translatorCategory: CATEGORY },
    timing: { segmentation: 'default', silenceMs: 300 },
  });
  const room = new MemoryRoom();
  room.join('alice');
  room.join('bob');
  interpreter = new RoomInterpreter({ room, profile, logger, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }) });
  await interpreter.start();
  room.publishMicrophone('alice');
  room.publishMicrophone('bob');
  // alice (en-US) is heard in fr and de, bob (de-DE) in fr and en: four sessions.
  await waitFor(() => emulator.connections.length === 4 && emulator.connections.every((c) => c.speechContext !== undefined), 'four sessions with their speech.context');

  const sessions = emulator.connections.map((c) => ({ targets: c.targetLanguages.join(','), phrases: c.phrases }));
  const alice = sessions.filter((s) => s.phrases?.includes('Alice Liddell'));
  const others = sessions.filter((s) => !s.phrases?.includes('Alice Liddell'));
  expect(alice.map((s) => s.targets).sort()).toEqual(['de', 'fr']);
  expect(alice.every((s) => JSON.stringify(s.phrases) === JSON.stringify(['Contoso', 'Fabrikam', 'Alice Liddell']))).toBe(true);
  expect(others.map((s) => s.targets).sort()).toEqual(['en', 'fr']);
  expect(others.every((s) => JSON.stringify(s.phrases) === JSON.stringify(['Contoso', 'Fabrikam']))).toBe(true);
  for (const connection of emulator.connections) {
    expect(connection.phraseWeight).toBe(1.5);
    expect(connection.translationCategory).toBe(CATEGORY);
    expect(connection.segmentation).toEqual({ mode: 'Custom', segmentationSilenceTimeoutMs: 300 });
  }
});

it('sends no phrase list, category or segmentation for a profile without terminology or timing', async () => {
  const profile = agentProfile({ speakers: [{ identity: 'alice', language: 'en-US', personalVoice: false, translate: true }] });
  const room = new MemoryRoom();
  room.join('alice');
  interpreter = new RoomInterpreter({ room, profile, logger, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }) });
  await interpreter.start();
  room.publishMicrophone('alice');
  await waitFor(() => emulator.connections.length === 2 && emulator.connections.every((c) => c.speechContext !== undefined), "alice's two sessions");
  for (const connection of emulator.connections) {
    expect(connection.phrases).toBeUndefined();
    expect(connection.translationCategory).toBeUndefined();
    expect(connection.segmentation).toBeUndefined();
  }
});
