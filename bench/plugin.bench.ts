/**
 * The plugin's cost over the bare Speech SDK, measured in one run against the local emulator.
 *
 * Phase "bare": N TranslationRecognizers with the same configuration, fed the same 16 kHz audio
 * (exact ArrayBuffer copies, as the plugin writes them), handlers that only touch the results.
 * Phase "ours": N LiveInterpreterSessions fed the same audio as 10 ms AudioFrames, every
 * generation's text and audio stream read to the end, at the plugin's default output rate (16 kHz,
 * Azure's own: nothing resampled). Phase "ours24k": the same at 24 kHz, to show what resampling
 * costs a caller who asks for another rate.
 * The emulator runs in its default mode, the closest to the real v2 service (translation.response,
 * a WAV per chunk, one synthesis completion per stream).
 * Both feed at 2x real time, the pace the SDK sends at after its first 5 s (notes: azure-speech 2.1).
 *
 * The emulator runs in a child process so that process.cpuUsage() counts the client side only
 * (an in-process emulator would add the same cost to both phases and flatter the ratio).
 *
 * Env: BENCH_SESSIONS (8), BENCH_AUDIO_SECONDS (90 per session), BENCH_MEMORY_SESSIONS (40);
 * BENCH_ONLY=bare|ours|ours24k runs that feed phase alone and writes no result (for --cpu-prof).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initializeLogger, type llm } from '@livekit/agents';
import { AudioFrame, dispose } from '@livekit/rtc-node';
import * as sdk from 'microsoft-cognitiveservices-speech-sdk';
import { FRAME_RECEIVED_AT_KEY, LiveInterpreterModel, type LiveInterpreterSession } from '../src/azure/index.ts';
import { decodeWav } from '../src/common/wav.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';
import { percentile, writeResult } from './report.ts';

const KEY = 'bench-key';
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 8);
const AUDIO_SECONDS = Number(process.env.BENCH_AUDIO_SECONDS ?? 90);
const MEMORY_SESSIONS = Number(process.env.BENCH_MEMORY_SESSIONS ?? 40);
const PACE = 2; // x real time
const CHUNK_MS = 100;

type PhaseKind = 'bare' | 'ours' | 'ours24k';
interface PhaseResult {
  cpuMs: number;
  latenciesMs: number[];
  /** Per utterance: the first frame's added latency (what a listener waits for). */
  firstFrameLatenciesMs: number[];
  /** Frames read after the moment they would have to play (first frame read + audio before it). */
  lateFrames: number;
  utterances: number;
}

await main();
// rtc-node's FFI (AudioFrame) keeps the event loop alive; release it.
await dispose();

async function main(): Promise<void> {
  initializeLogger({ pretty: false, level: 'warn' });
  const only = process.env.BENCH_ONLY as PhaseKind | undefined;
  const phaseUrl = process.env.BENCH_PHASE_SPEECH_URL;
  if (phaseUrl && only) {
    // A feed phase in a process of its own: prints its result for the parent.
    const phase = await runPhase(only, new URL(phaseUrl), loopedSpeech(AUDIO_SECONDS));
    process.stdout.write(`${JSON.stringify(phase)}\n`);
    return;
  }
  const { url, stop } = await startEmulatorProcess();
  const endpoint = new URL('/speech/universal/v2', url);
  try {
    if (only) {
      const phase = await runPhase(only, endpoint, loopedSpeech(AUDIO_SECONDS));
      console.error(`${only}: ${(phase.cpuMs / (SESSIONS * AUDIO_SECONDS)).toFixed(2)} CPU ms per audio second, ${phase.utterances} utterances`);
      return;
    }
    // Each feed phase runs in a fresh process: one phase's garbage, JIT state and closing
    // sockets would otherwise be billed to the next (measured: ours 7.6 alone, 9.7 after bare).
    const bare = await phaseInChild('bare', endpoint);
    const ours = await phaseInChild('ours', endpoint);
    const ours24k = await phaseInChild('ours24k', endpoint);
    const memoryBare = await memoryPerSession(() => openBare(endpoint));
    const memoryOurs = await memoryPerSession(() => openOurs(endpoint));

    const audioSeconds = SESSIONS * AUDIO_SECONDS;
    const cpuPerAudioSecondOurs = ours.cpuMs / audioSeconds;
    const cpuPerAudioSecondBare = bare.cpuMs / audioSeconds;
    const cpuPerAudioSecond24k = ours24k.cpuMs / audioSeconds;
    const latencies = [...ours.latenciesMs].sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const firstFrames = [...ours.firstFrameLatenciesMs].sort((a, b) => a - b);
    const cpuRatio = cpuPerAudioSecondOurs / cpuPerAudioSecondBare;
    writeResult({
      name: 'plugin',
      metrics: {
        cpuMsPerAudioSecond: cpuPerAudioSecondOurs,
        cpuRatioToBare: cpuRatio,
        addedLatencyP50Ms: p50,
        addedLatencyP99Ms: p99,
        framesMeasured: latencies.length,
        firstFrameLatencyP50Ms: percentile(firstFrames, 50),
        firstFrameLatencyP99Ms: percentile(firstFrames, 99),
        lateFrames: ours.lateFrames,
        heapMbPerSession: memoryOurs.heapMb,
        rssMbPerSession: memoryOurs.rssMb,
        sessionsPerCore: 1000 / cpuPerAudioSecondOurs,
        utterances: ours.utterances,
        cpuMsPerAudioSecondAt24k: cpuPerAudioSecond24k,
        resamplingTo24kCpuMsPerAudioSecond: cpuPerAudioSecond24k - cpuPerAudioSecondOurs,
        lateFramesAt24k: ours24k.lateFrames,
      },
      baseline: {
        cpuMsPerAudioSecond: cpuPerAudioSecondBare,
        heapMbPerSession: memoryBare.heapMb,
        rssMbPerSession: memoryBare.rssMb,
        sessionsPerCore: 1000 / cpuPerAudioSecondBare,
        utterances: bare.utterances,
      },
      targets: [
        { metric: 'cpuRatioToBare', target: '<= 1.2x bare SDK', value: cpuRatio, pass: cpuRatio <= 1.2 },
        { metric: 'addedLatencyP99Ms', target: '< 5 ms', value: p99, pass: p99 < 5 },
        { metric: 'firstFrameLatencyP99Ms', target: '< 5 ms', value: percentile(firstFrames, 99), pass: percentile(firstFrames, 99) < 5 },
        { metric: 'lateFrames', target: '0 (no frame read after it would have to play)', value: ours.lateFrames, pass: ours.lateFrames === 0 },
        { metric: 'memoryMbPerSession', target: '< 5 MB', value: Math.max(memoryOurs.heapMb, memoryOurs.rssMb), pass: Math.max(memoryOurs.heapMb, memoryOurs.rssMb) < 5 },
      ],
      params: { sessions: SESSIONS, audioSecondsPerSession: AUDIO_SECONDS, paceXRealTime: PACE, memorySessions: MEMORY_SESSIONS, input: '16 kHz mono, 10 ms frames', output: '16 kHz (default; ours24k phase: 24 kHz)', emulator: 'default (v2) mode, separate process' },
    });
  } finally {
    await stop();
  }
}

interface Client {
  /** 100 ms of 16 kHz mono audio, as ten 10 ms frames (what an rtc-node AudioStream hands out). */
  push(frames: AudioFrame[]): void;
  utterances(): number;
  latenciesMs: number[];
  firstFrameLatenciesMs: number[];
  lateFrames(): number;
  close(): Promise<void>;
}

async function feedPhase(count: number, speech: Int16Array, open: () => Client): Promise<PhaseResult> {
  global.gc?.();
  const clients = Array.from({ length: count }, open);
  const chunk = (16000 * CHUNK_MS) / 1000;
  const start = process.cpuUsage();
  for (let offset = 0; offset < speech.length; offset += chunk) {
    const part = speech.subarray(offset, offset + chunk);
    for (const client of clients) client.push(framesOf(part));
    await new Promise((r) => setTimeout(r, CHUNK_MS / PACE));
  }
  // Let the last utterances come back before stopping the clock.
  await new Promise((r) => setTimeout(r, 3000));
  const used = process.cpuUsage(start);
  const latenciesMs = clients.flatMap((c) => c.latenciesMs);
  const firstFrameLatenciesMs = clients.flatMap((c) => c.firstFrameLatenciesMs);
  const lateFrames = clients.reduce((n, c) => n + c.lateFrames(), 0);
  const utterances = clients.reduce((n, c) => n + c.utterances(), 0);
  await Promise.all(clients.map((c) => c.close()));
  return { cpuMs: (used.user + used.system) / 1000, latenciesMs, firstFrameLatenciesMs, lateFrames, utterances };
}

function openBare(endpoint: URL): Client {
  const config = sdk.SpeechTranslationConfig.fromEndpoint(endpoint, KEY);
  config.addTargetLanguage('fr');
  config.voiceName = 'fr-FR-DeniseNeural';
  config.setProperty(sdk.PropertyId.Recognizer_StopTimeoutMs, '2000');
  const languages = sdk.AutoDetectSourceLanguageConfig.fromOpenRange();
  languages.mode = sdk.LanguageIdMode.Continuous;
  const push = sdk.AudioInputStream.createPushStream(sdk.AudioStreamFormat.getWaveFormatPCM(16000, 16, 1));
  const recognizer = sdk.TranslationRecognizer.FromConfig(config, languages, sdk.AudioConfig.fromStreamInput(push));
  let utterances = 0;
  let audioBytes = 0;
  recognizer.recognized = (_s, e) => {
    if (e.result.translations?.get('fr', '')) utterances++;
  };
  recognizer.synthesizing = (_s, e) => {
    audioBytes += e.result.audio?.byteLength ?? 0;
  };
  recognizer.startContinuousRecognitionAsync();
  return {
    // The least a bare integration does: one exact 100 ms block per write.
    push: (frames) => {
      const block = new Int16Array(frames.reduce((n, f) => n + f.samplesPerChannel, 0));
      let offset = 0;
      for (const frame of frames) {
        block.set(frame.data, offset);
        offset += frame.samplesPerChannel;
      }
      push.write(block.buffer);
    },
    utterances: () => utterances,
    latenciesMs: [],
    firstFrameLatenciesMs: [],
    lateFrames: () => 0,
    close: async () => {
      push.close();
      await new Promise<void>((resolve) => recognizer.stopContinuousRecognitionAsync(resolve, () => resolve()));
      await new Promise<void>((resolve) => recognizer.close(resolve, () => resolve()));
      if (audioBytes < 0) throw new Error('unreachable');
    },
  };
}

function openOurs(endpoint: URL, sampleRate: 16000 | 24000 = 16000): Client {
  const model = new LiveInterpreterModel({ speechKey: KEY, speechEndpoint: endpoint, targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural', sampleRate });
  const session: LiveInterpreterSession = model.session();
  const latenciesMs: number[] = [];
  const firstFrameLatenciesMs: number[] = [];
  let lateFrames = 0;
  let utterances = 0;
  session.on('error', () => {});
  session.on('generation_created', (event: llm.GenerationCreatedEvent) => {
    utterances++;
    void (async () => {
      for await (const message of event.messageStream) {
        void (async () => {
          for await (const _ of message.textStream);
        })();
        let firstReadAt: number | undefined;
        let playedMs = 0;
        for await (const frame of message.audioStream) {
          const now = performance.now();
          const receivedAt = frame.userdata[FRAME_RECEIVED_AT_KEY];
          if (typeof receivedAt === 'number') {
            latenciesMs.push(now - receivedAt);
            if (firstReadAt === undefined) firstFrameLatenciesMs.push(now - receivedAt);
          }
          firstReadAt ??= now;
          // A player that started with the first frame needs this one now: later is a gap.
          if (now > firstReadAt + playedMs) lateFrames++;
          playedMs += (frame.samplesPerChannel * 1000) / frame.sampleRate;
        }
      }
    })();
  });
  return {
    push: (frames) => {
      for (const frame of frames) session.pushAudio(frame);
    },
    utterances: () => utterances,
    latenciesMs,
    firstFrameLatenciesMs,
    lateFrames: () => lateFrames,
    close: () => session.close(),
  };
}

async function memoryPerSession(open: () => Client): Promise<{ heapMb: number; rssMb: number }> {
  const gc = global.gc;
  if (!gc) throw new Error('run with --expose-gc (npm run bench does)');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await settle();
  const before = process.memoryUsage();
  const clients = Array.from({ length: MEMORY_SESSIONS }, open);
  const second = loopedSpeech(1);
  for (const client of clients) for (let i = 0; i < second.length; i += 1600) client.push(framesOf(second.subarray(i, i + 1600)));
  await new Promise((r) => setTimeout(r, 3000));
  await settle();
  const after = process.memoryUsage();
  await Promise.all(clients.map((c) => c.close()));
  const mb = (bytes: number) => bytes / MEMORY_SESSIONS / 1024 / 1024;
  return { heapMb: mb(after.heapUsed + after.external - before.heapUsed - before.external), rssMb: mb(after.rss - before.rss) };
}

function framesOf(samples: Int16Array): AudioFrame[] {
  const frames: AudioFrame[] = [];
  for (let i = 0; i < samples.length; i += 160) {
    const data = samples.slice(i, i + 160);
    frames.push(new AudioFrame(data, 16000, 1, data.length));
  }
  return frames;
}

/** The meeting fixture (speech and pauses) repeated to `seconds`. */
function loopedSpeech(seconds: number): Int16Array {
  const file = decodeWav(readFileSync(new URL('../test/fixtures/audio/meeting.wav', import.meta.url)));
  const out = new Int16Array(seconds * 16000);
  for (let i = 0; i < out.length; i += file.samples.length) out.set(file.samples.subarray(0, Math.min(file.samples.length, out.length - i)), i);
  return out;
}

function runPhase(kind: PhaseKind, endpoint: URL, speech: Int16Array): Promise<PhaseResult> {
  return feedPhase(SESSIONS, speech, () => (kind === 'bare' ? openBare(endpoint) : openOurs(endpoint, kind === 'ours' ? 16000 : 24000)));
}

function phaseInChild(kind: PhaseKind, endpoint: URL): Promise<PhaseResult> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_ONLY: kind, BENCH_PHASE_SPEECH_URL: endpoint.href },
  });
  let out = '';
  child.stdout.on('data', (data: Buffer) => {
    out += data.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code === 0 && line) resolve(JSON.parse(line) as PhaseResult);
      else reject(new Error(`${kind} phase exited with ${code}`));
    });
  });
}

