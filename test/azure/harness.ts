/**
 * Shared pieces of the plugin's integration tests: fixtures, a session wired to an emulator, event
 * recording, and readers for generation streams. Everything real: the SDK talks to the emulator
 * over a loopback WebSocket.
 */
import { readFileSync } from 'node:fs';
import type { llm } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { LiveInterpreterModel, type LiveInterpreterMetrics, type LiveInterpreterOptions, type LiveInterpreterSession, type TranslationEvent } from '../../src/azure/index.ts';
import { decodeWav } from '../../src/common/wav.ts';

export const TEST_KEY = 'test-key';

export function fixture(name: string): Int16Array {
  const wav = decodeWav(readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url)), name);
  if (wav.format.sampleRate !== 16000 || wav.format.channels !== 1) throw new Error(`${name} is not 16 kHz mono`);
  return wav.samples;
}

export function silence(ms: number, sampleRate = 16000): Int16Array {
  return new Int16Array((sampleRate * ms) / 1000);
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Pushes 16 kHz mono samples as 10 ms frames at `sampleRate`/`channels` (upsampled/duplicated). */
export function pushSpeech(session: LiveInterpreterSession, samples: Int16Array, sampleRate = 16000, channels = 1): void {
  const factor = sampleRate / 16000;
  const perFrame = 160;
  for (let start = 0; start < samples.length; start += perFrame) {
    const part = samples.subarray(start, Math.min(samples.length, start + perFrame));
    const outSamples = Math.floor(part.length * factor);
    const data = new Int16Array(outSamples * channels);
    for (let i = 0; i < outSamples; i++) {
      const value = part[Math.min(part.length - 1, Math.floor(i / factor))] ?? 0;
      for (let c = 0; c < channels; c++) data[i * channels + c] = value;
    }
    session.pushAudio(new AudioFrame(data, sampleRate, channels, outSamples));
  }
}

export interface GenerationResult {
  responseId: string | undefined;
  userInitiated: boolean;
  text: string;
  frames: AudioFrame[];
}

/** Reads a generation to its end, as the framework would. */
export async function readGeneration(event: llm.GenerationCreatedEvent): Promise<GenerationResult> {
  const result: GenerationResult = { responseId: event.responseId, userInitiated: event.userInitiated, text: '', frames: [] };
  const functions = (async () => {
    for await (const _ of event.functionStream) throw new Error('a translator must not call functions');
  })();
  for await (const message of event.messageStream) {
    const text = (async () => {
      for await (const chunk of message.textStream) result.text += typeof chunk === 'string' ? chunk : chunk.text;
    })();
    for await (const frame of message.audioStream) result.frames.push(frame);
    await text;
  }
  await functions;
  return result;
}

export interface Recording {
  names: string[];
  transcripts: llm.InputTranscriptionCompleted[];
  translations: TranslationEvent[];
  generations: Promise<GenerationResult>[];
  metrics: LiveInterpreterMetrics[];
  errors: llm.RealtimeModelError[];
}

export function record(session: LiveInterpreterSession): Recording {
  const rec: Recording = { names: [], transcripts: [], translations: [], generations: [], metrics: [], errors: [] };
  const note = (name: string) => rec.names.push(name);
  session.on('input_speech_started', () => note('input_speech_started'));
  session.on('input_speech_stopped', () => note('input_speech_stopped'));
  session.on('input_audio_transcription_completed', (ev: llm.InputTranscriptionCompleted) => {
    note(ev.isFinal ? 'transcript_final' : 'transcript_interim');
    rec.transcripts.push(ev);
  });
  session.on('translation', (ev) => {
    note(ev.isFinal ? 'translation_final' : 'translation_interim');
    rec.translations.push(ev);
  });
  session.on('generation_created', (ev: llm.GenerationCreatedEvent) => {
    note('generation_created');
    rec.generations.push(readGeneration(ev));
  });
  session.on('metrics_collected', (m) => {
    note('metrics_collected');
    rec.metrics.push(m);
  });
  session.on('error', (e: llm.RealtimeModelError) => {
    note(e.recoverable ? 'error_recoverable' : 'error_fatal');
    rec.errors.push(e);
  });
  session.on('session_reconnected', () => note('session_reconnected'));
  return rec;
}

export function modelFor(url: URL, options: Partial<LiveInterpreterOptions> = {}): LiveInterpreterModel {
  return new LiveInterpreterModel({
    speechKey: TEST_KEY,
    speechEndpoint: new URL('/speech/universal/v2', url),
    targetLanguages: ['fr'],
    voice: 'fr-FR-DeniseNeural',
    ...options,
  });
}

/** Polls until `check` holds; fails with `what` after `timeoutMs` (a guard, not a timing assertion). */
export async function until(what: string | (() => string), check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function totalMs(frames: AudioFrame[]): number {
  return frames.reduce((ms, f) => ms + (f.samplesPerChannel * 1000) / f.sampleRate, 0);
}

export function peak(frames: AudioFrame[]): number {
  let max = 0;
  for (const f of frames) for (let i = 0; i < f.samplesPerChannel * f.channels; i++) max = Math.max(max, Math.abs(f.data[i] ?? 0));
  return max;
}
