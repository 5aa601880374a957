/**
 * The speech gate on noisy fixtures (speech in room noise, speech over music, room noise alone),
 * first on its own, then through the real plugin against the emulator in its default mode, where
 * what matters is what audio reached the service, not only what came back.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startEmulator, type SpeechEmulator, type UtteranceInfo } from '../../src/emulator/index.ts';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { endSilenceFor, PHRASE_END_SILENCE_MS, SpeechGate, type GateSettings } from '../../src/agent/speech-gate.ts';
import { VoiceActivityDetector } from '../../src/agent/vad.ts';
import { UtteranceDetector } from '../../src/emulator/detector.ts';
import { TRANSCRIPTION_TOPIC } from '../../src/agent/room-io.ts';
import { CaptionAttributes } from '../../src/agent/captions.ts';
import type { Profile } from '../../src/profiles/types.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile, neuralTarget } from './profiles.ts';
import { fixture, waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const inNoise = fixture('speech-in-noise.wav');
const overMusic = fixture('speech-over-music.wav');
const noise = fixture('room-noise.wav');
const RATE = inNoise.sampleRate;
/** Where the speech starts and ends in the fixtures (make-fixtures.sh: 1.5 s of lead, then the recording). */
const SPEECH_START_MS = 1500;
const GATE: GateSettings = { enabled: true, preRollMs: 300, hangoverMs: 600 };

function frames(samples: Int16Array): AudioFrame[] {
  const n = RATE / 100;
  const out: AudioFrame[] = [];
  for (let i = 0; i + n <= samples.length; i += n) out.push(new AudioFrame(samples.slice(i, i + n), RATE, 1, n));
  return out;
}

/** Runs frames through a gate; returns when (input ms) the first frame went out and what went out. */
function gated(input: AudioFrame[], settings = GATE) {
  const sent: AudioFrame[] = [];
  const gate = new SpeechGate(settings, (f) => sent.push(f));
  let firstOutAtMs: number | undefined;
  input.forEach((frame, i) => {
    gate.push(frame);
    firstOutAtMs ??= sent.length > 0 ? i * 10 : undefined;
  });
  return { gate, sent, firstOutAtMs };
}

/** Milliseconds of utterances the emulator finds in a recording sent whole (its defaults: 500 RMS, 500 ms). */
function utteranceMsOf(samples: Int16Array): number {
  let ms = 0;
  const detector = new UtteranceDetector(
    { sampleRate: RATE, threshold: 500, endSilenceMs: 500 },
    { speechStart: () => undefined, speechProgress: () => undefined, utterance: (u) => (ms += ((u.endSample - u.startSample) / RATE) * 1000) },
  );
  detector.feed(samples);
  detector.feed(new Int16Array(RATE));
  detector.flush();
  return ms;
}
const heardMs = (utterances: readonly UtteranceInfo[]) => utterances.reduce((ms, u) => ms + u.durationMs, 0);

const silentFrames = (sent: readonly AudioFrame[]) => sent.filter((f) => f.data.every((s) => s === 0)).length;
const loop = (samples: Int16Array, times: number) => {
  const out = new Int16Array(samples.length * times);
  for (let i = 0; i < times; i++) out.set(samples, i * samples.length);
  return out;
};

describe('the speech gate, on its own', () => {
  it('sends nothing of 20 s of room noise (pink noise at -45 dBFS and a hum)', () => {
    const { gate, sent } = gated(frames(loop(noise.samples, 5)));
    expect(gate.inputMs).toBeCloseTo(20_000, -2);
    expect(sent).toHaveLength(0);
  });

  it.each([
    ['speech in room noise', inNoise, 4550],
    ['speech over background music', overMusic, 3100],
  ] as const)('%s: the speech with its pre-roll, a hangover and the silence that ends the phrase, not the rest', (_name, recording, speechMs) => {
    const input = frames(recording.samples);
    const { gate, sent, firstOutAtMs } = gated(input);
    // The frame that opened the gate came with the 300 ms before it: the first syllable's onset is in.
    expect(firstOutAtMs).toBeGreaterThan(SPEECH_START_MS - 200);
    expect(firstOutAtMs).toBeLessThan(SPEECH_START_MS + 300);
    const firstSentIndex = input.indexOf(sent[0]!);
    expect(firstSentIndex * 10).toBeLessThanOrEqual(SPEECH_START_MS);
    expect(gate.sentMs).toBeGreaterThanOrEqual(speechMs);
    expect(gate.sentMs).toBeLessThan(speechMs + GATE.preRollMs + GATE.hangoverMs + PHRASE_END_SILENCE_MS + 600);
    expect(gate.sentMs).toBeLessThan(gate.inputMs * 0.8);
    // The phrase ends in digital silence, so the service ends it now.
    expect(silentFrames(sent.slice(-PHRASE_END_SILENCE_MS / 10))).toBe(PHRASE_END_SILENCE_MS / 10);
  });

  it('a muted microphone sends nothing, and muting mid-phrase ends the phrase with silence', () => {
    const sent: AudioFrame[] = [];
    const gate = new SpeechGate(GATE, (f) => sent.push(f));
    const input = frames(inNoise.samples);
    input.slice(0, 300).forEach((f) => gate.push(f)); // into the speech
    expect(gate.open).toBe(true);
    const before = sent.length;
    gate.setMuted(true);
    expect(sent.length - before).toBe(PHRASE_END_SILENCE_MS / 10);
    expect(silentFrames(sent.slice(before))).toBe(PHRASE_END_SILENCE_MS / 10);
    input.slice(300).forEach((f) => gate.push(f));
    expect(sent.length - before).toBe(PHRASE_END_SILENCE_MS / 10);
  });

  it('off, it sends everything but a muted microphone', () => {
    const sent: AudioFrame[] = [];
    const gate = new SpeechGate({ enabled: false, preRollMs: 300, hangoverMs: 600 }, (f) => sent.push(f));
    const input = frames(noise.samples);
    input.slice(0, 100).forEach((f) => gate.push(f));
    expect(sent).toHaveLength(100);
    gate.setMuted(true);
    input.slice(100, 200).forEach((f) => gate.push(f));
    expect(sent).toHaveLength(100 + PHRASE_END_SILENCE_MS / 10);
    gate.setMuted(false);
    input.slice(200, 300).forEach((f) => gate.push(f));
    expect(sent).toHaveLength(200 + PHRASE_END_SILENCE_MS / 10);
  });

  it("ends a phrase with more silence than the service's own phrase-end silence (timing.silenceMs)", () => {
    expect(endSilenceFor(undefined)).toBe(PHRASE_END_SILENCE_MS);
    expect(endSilenceFor(200)).toBe(PHRASE_END_SILENCE_MS);
    expect(endSilenceFor(1500)).toBe(1600);
    const { sent } = gated(frames(inNoise.samples), { ...GATE, endSilenceMs: 1600 });
    expect(silentFrames(sent.slice(-160))).toBe(160);
  });

  it("the detector's floor follows the room: it settles near the noise's level", () => {
    const vad = new VoiceActivityDetector(RATE);
    for (const f of frames(noise.samples)) vad.process(f.data, 10);
    expect(vad.inSpeech).toBe(false);
    expect(vad.noiseFloorDb).toBeGreaterThan(-70);
    expect(vad.noiseFloorDb).toBeLessThan(-40);
  });
});

describe('the speech gate through the plugin, against the emulator', () => {
  let emulator: SpeechEmulator | undefined;
  let interpreter: RoomInterpreter | undefined;
  afterEach(async () => {
    await interpreter?.stop(0);
    await emulator?.close();
    interpreter = undefined;
    emulator = undefined;
  });

  const profile = (enabled: boolean): Profile =>
    agentProfile({
      targets: [neuralTarget('fr')],
      speakers: [{ identity: 'alice', language: 'en-US', personalVoice: false, translate: true }],
      speechGate: { enabled, preRollMs: 300, hangoverMs: 600, speakingShare: 0.25 },
    });

  async function setUp(enabled: boolean, options: { idleCloseMs?: number; emulatorFaults?: { idleCloseMs?: number } } = {}) {
    const utterances: UtteranceInfo[] = [];
    emulator = await startEmulator({
      port: 0,
      keys: ['good-key'],
      detectLanguage: (u) => (utterances.push(u), 'en'),
      ...(options.emulatorFaults ? { faults: options.emulatorFaults } : {}),
    });
    const room = new MemoryRoom();
    room.join('alice');
    const p = profile(enabled);
    interpreter = new RoomInterpreter({ room, profile: p, logger, openSession: sessionOpener(p, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }), ...(options.idleCloseMs ? { idleCloseMs: options.idleCloseMs } : {}) });
    await interpreter.start();
    room.publishMicrophone('alice');
    const e = emulator;
    await waitFor(() => e.openConnections() === 1, 'the French session');
    const finals = () => room.texts.filter((t) => t.topic === TRANSCRIPTION_TOPIC && t.attributes[CaptionAttributes.final] === 'true');
    const sentBytes = () => e.connections.reduce((n, c) => n + c.audioBytes, 0);
    /** Waits until the agent has read `ms` of the microphone and the service has what the gate sent of it. */
    const settled = async (ms: number) => {
      await waitFor(() => (interpreter!.audioStats().alice?.inputMs ?? 0) >= ms, 'the microphone read');
      const sent = interpreter!.audioStats().alice!.sentMs;
      await waitFor(() => sentBytes() >= (sent - 200) * 32, 'what the gate sent at the service');
    };
    return { room, emulator: e, utterances, finals, sentBytes, settled };
  }

  it('sends the speech in a noisy room and not the room: the same translation for far less audio, first syllable included', async () => {
    const results: { bytes: number; utteranceMs: number; captions: number }[] = [];
    const fedMs = ((inNoise.samples.length + noise.samples.length) / RATE) * 1000;
    for (const enabled of [false, true]) {
      const { room, utterances, finals, sentBytes, settled } = await setUp(enabled);
      await room.speak('alice', inNoise.samples, RATE);
      await room.speak('alice', noise.samples, RATE);
      await settled(fedMs);
      await waitFor(() => finals().length >= 1 && utterances.length >= 1, 'the translated phrase');
      results.push({ bytes: sentBytes(), utteranceMs: heardMs(utterances), captions: finals().length });
      await interpreter!.stop(0);
      await emulator!.close();
    }
    const [off, on] = results as [(typeof results)[0], (typeof results)[0]];
    expect(on.captions).toBe(off.captions);
    // 12.5 s in; with the gate about the 4.5 s of speech plus pre-roll, hangover and the phrase's end.
    const fedBytes = (inNoise.samples.length + noise.samples.length) * 2;
    expect(off.bytes).toBeGreaterThanOrEqual(fedBytes * 0.95);
    expect(on.bytes).toBeLessThan(fedBytes * 0.55);
    expect(on.bytes).toBeGreaterThan(4550 * 32);
    // The service heard the whole speech: nothing of its start or end was cut.
    expect(off.utteranceMs).toBeGreaterThanOrEqual(utteranceMsOf(inNoise.samples) - 100);
    expect(on.utteranceMs).toBeGreaterThanOrEqual(off.utteranceMs - 50);
  });

  it('sends nothing from a microphone that only hears the room', async () => {
    const { room, emulator: e, sentBytes } = await setUp(true);
    await room.speak('alice', loop(noise.samples, 2), RATE);
    await room.silence('alice', 500, RATE);
    expect(e.openConnections()).toBe(1);
    expect(sentBytes()).toBeLessThan(3200);
  });

  it('with the gate off, a muted microphone sends nothing; unmuted, it is heard again', async () => {
    const { room, finals, sentBytes, utterances } = await setUp(false);
    room.muteMicrophone('alice', true);
    const before = sentBytes();
    await room.speak('alice', inNoise.samples, RATE);
    await room.silence('alice', 1000, RATE);
    expect(utterances).toHaveLength(0);
    expect(sentBytes() - before).toBeLessThan(3200);
    room.muteMicrophone('alice', false);
    await room.speak('alice', inNoise.samples, RATE);
    await room.silence('alice', 1500, RATE);
    await waitFor(() => finals().length >= 1, 'the phrase spoken after unmuting');
    expect(sentBytes() - before).toBeGreaterThan(inNoise.samples.length * 2 * 0.8);
  });

  it('closes the sessions while nothing is sent, and reopens them on speech with the pre-roll and the same languages', async () => {
    const { room, emulator: e, utterances, finals } = await setUp(true, { idleCloseMs: 1500 });
    await room.speak('alice', loop(noise.samples, 1), RATE, 1);
    await waitFor(() => e.openConnections() === 0, 'the idle session closed');
    const first = e.connections[0]!;
    expect(first.closeCode).toBe(1000);
    await room.speak('alice', inNoise.samples, RATE);
    await room.speak('alice', noise.samples, RATE);
    await waitFor(() => finals().length >= 1, 'the phrase after the reopen');
    expect(e.connections).toHaveLength(2);
    const second = e.connections[1]!;
    expect({ languages: second.targetLanguages, voice: second.voice }).toEqual({ languages: first.targetLanguages, voice: first.voice });
    expect(heardMs(utterances)).toBeGreaterThanOrEqual(utteranceMsOf(inNoise.samples) - 50);
    expect(interpreter!.audioStats().alice!.reopens).toBe(1);
    expect(interpreter!.audioStats().alice!.idleCloses).toBeGreaterThanOrEqual(1);
  });

  it('carries on after the service drops a connection for silence (its ~30 s): the next phrase is translated', async () => {
    const { room, emulator: e, finals } = await setUp(true, { emulatorFaults: { idleCloseMs: 1500 } });
    await waitFor(() => e.connections[0]!.closedAt !== undefined, 'the service closing the silent connection');
    await room.speak('alice', inNoise.samples, RATE);
    await room.speak('alice', noise.samples, RATE);
    await waitFor(() => finals().length >= 1, 'the phrase after the drop');
    // Whoever reconnected (the SDK, or the plugin), every connection asked for the same language.
    expect(e.connections.length).toBeGreaterThan(1);
    expect(e.connections.every((c) => c.targetLanguages.join() === 'fr')).toBe(true);
    expect(Math.max(...e.connections.slice(1).map((c) => c.audioBytes))).toBeGreaterThan(4550 * 32);
  });
});
