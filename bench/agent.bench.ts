/**
 * How many speaker x language sessions one agent process sustains. Speakers (an in-memory room)
 * play speech in real time into a `RoomInterpreter`; the real plugin talks to the emulator (in its
 * default, v2-like mode), which runs in its own process. Measured per step: CPU, memory per
 * session, underruns (frames of an utterance already playing that reached the track's source after
 * its queue ran dry: gaps a listener hears), the mixer's delay from a translated frame's arrival to
 * its playout (utterances from silence, which must not wait, and all of them, which may wait behind
 * another speaker's queued audio), and event-loop stalls. Sessions per core = sessions / CPU share.
 * Baseline in the same run: the same sessions fed the same audio without the RoomInterpreter.
 *
 * Env: BENCH_AGENT_SECONDS (30 measured per step, after BENCH_AGENT_WARMUP = 5 s not measured),
 * BENCH_AGENT_SPEAKERS (2,4,8), BENCH_AGENT_RATE (16000,
 * Azure's own: nothing resampled). The emulator sends a phrase's whole synthesis at once, which is
 * harder on the process than a service that streams it.
 */
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AudioFrame } from '@livekit/rtc-node';
import { initializeLogger } from '@livekit/agents';
import { pino } from 'pino';
import { MIXER_QUEUE_MS, RoomInterpreter } from '../src/agent/interpreter.ts';
import { sessionOpener } from '../src/agent/run.ts';
import { decodeWav } from '../src/common/wav.ts';
import type { Profile } from '../src/profiles/types.ts';
import { MemoryRoom } from '../test/agent/memory-room.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';
import { percentile, writeResult } from './report.ts';

initializeLogger({ pretty: false, level: 'silent' });
const SECONDS = Number(process.env.BENCH_AGENT_SECONDS ?? 30);
/** CPU and event-loop figures start this long into each step: connecting and JIT warm-up are not the steady state. */
const WARMUP_SECONDS = Number(process.env.BENCH_AGENT_WARMUP ?? 5);
const SPEAKER_STEPS = (process.env.BENCH_AGENT_SPEAKERS ?? '2,4,8').split(',').map(Number);
const LANGUAGES = ['fr', 'de'];
const speech = decodeWav(readFileSync(fileURLToPath(new URL('../test/fixtures/audio/meeting.wav', import.meta.url))));
const rate = speech.format.sampleRate;
const frameSamples = rate / 100;

const profile: Profile = {
  name: 'bench',
  priority: 0,
  match: { rooms: ['*'], metadata: {} },
  languages: { source: ['en-US'], targets: [{ language: 'fr', voice: { kind: 'neural', name: 'fr-FR-DeniseNeural' } }, { language: 'de', voice: { kind: 'neural', name: 'de-DE-KatjaNeural' } }] },
  speakers: [],
  audio: { sampleRate: Number(process.env.BENCH_AGENT_RATE ?? 16000) as 16000 | 24000 },
  captions: true,
  profanity: 'masked',
  limits: { maxSessionMinutes: 60, maxSpeakers: 100, emptyRoomTimeoutSeconds: 60 },
  onDemand: false,
  origin: { file: 'bench', line: 1 },
};

/** Plays the fixture in a loop into `push` in real time, 10 ms frames, for `seconds`. */
async function playRealtime(push: Array<(frame: AudioFrame) => void>, seconds: number, startOffsetFrames = 0): Promise<void> {
  const start = performance.now() - startOffsetFrames * 10;
  let sent = startOffsetFrames;
  const total = startOffsetFrames + seconds * 100;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / 10));
    for (; sent < due; sent++) {
      const offset = ((sent * frameSamples) % (speech.samples.length - frameSamples));
      for (const [i, p] of push.entries()) {
        // Speakers are offset so they do not all talk in lockstep.
        const shifted = (offset + i * 3 * rate) % (speech.samples.length - frameSamples);
        p(new AudioFrame(speech.samples.slice(shifted, shifted + frameSamples), rate, 1, frameSamples));
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Heap and buffers outside it (audio lives there); RSS moves in allocator-sized steps and went negative. */
function memoryMb(): number {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 1e6;
}

async function withInterpreter(url: string, speakers: number) {
  const room = new MemoryRoom();
  const latencies: number[] = [];
  const fromSilence: number[] = [];
  const before = memoryMb();
  const onMixLatency = (ms: number, silent: boolean) => (silent ? fromSilence : latencies).push(ms);
  const interpreter = new RoomInterpreter({ room, profile, logger: pino({ level: 'silent' }), openSession: sessionOpener(profile, { speechKey: 'bench', speechEndpoint: url }), onMixLatency });
  await interpreter.start();
  const names = Array.from({ length: speakers }, (_, i) => `speaker-${i}`);
  for (const name of names) {
    room.join(name);
    room.publishMicrophone(name);
  }
  const pushes = names.map((name) => (frame: AudioFrame) => void room.speak(name, frame.data, rate, 1e6));
  await playRealtime(pushes, WARMUP_SECONDS);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  // GC pauses apart: a stall of the event loop that is not a GC is the host not running us (a shared machine).
  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  await playRealtime(pushes, SECONDS, WARMUP_SECONDS * 100);
  const used = process.cpuUsage(cpu);
  loop.disable();
  gc.disconnect();
  const sessions = interpreter.sessionCount();
  const mixers = await Promise.all(LANGUAGES.map((language) => interpreter.mixer(language)));
  // Read before the forced GC below: its pause would starve the mixers and count against them.
  const underruns = mixers.reduce((n, m) => n + (m?.underruns ?? 0), 0);
  const framesSent = mixers.reduce((n, m) => n + (m?.framesSent ?? 0), 0);
  const mb = (memoryMb() - before) / Math.max(1, sessions);
  await interpreter.stop(2000);
  const all = [...latencies, ...fromSilence].sort((a, b) => a - b);
  fromSilence.sort((a, b) => a - b);
  const cpuMsPerSecond = (used.user + used.system) / 1000 / SECONDS;
  return {
    gcMaxMs,
    loopMaxMs: loop.max / 1e6,
    loopP999Ms: loop.percentile(99.9) / 1e6,
    loopP99Ms: loop.percentile(99) / 1e6,
    sessions,
    silentP50: percentile(fromSilence, 50),
    silentP99: percentile(fromSilence, 99),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    utterances: all.length,
    fromSilence: fromSilence.length,
    underruns,
    framesSent,
    mbPerSession: mb,
    cpuMsPerSecond,
    sessionsPerCore: sessions / (cpuMsPerSecond / 1000),
  };
}

async function pluginAlone(url: string, speakers: number) {
  const before = memoryMb();
  const open = sessionOpener(profile, { speechKey: 'bench', speechEndpoint: url });
  const sessions = Array.from({ length: speakers }, () => LANGUAGES.map((language) => open({ key: language, spokenLanguage: language, targetLanguages: [language], sourceLanguages: ['en-US'] }))).flat();
  for (const session of sessions) session.on('error', () => undefined);
  const pushes = Array.from({ length: speakers }, (_, i) => (frame: AudioFrame) => {
    for (const s of sessions.slice(i * LANGUAGES.length, (i + 1) * LANGUAGES.length)) s.pushAudio(frame);
  });
  await playRealtime(pushes, WARMUP_SECONDS);
  const cpu = process.cpuUsage();
  await playRealtime(pushes, SECONDS, WARMUP_SECONDS * 100);
  const mb = (memoryMb() - before) / sessions.length;
  const used = process.cpuUsage(cpu);
  await Promise.all(sessions.map((s) => s.close()));
  return { sessions: sessions.length, mbPerSession: mb, cpuMsPerSecond: (used.user + used.system) / 1000 / SECONDS };
}

const emulator = await startEmulatorProcess();
try {
  const steps: Record<string, number> = {};
  let worst: Awaited<ReturnType<typeof withInterpreter>> | undefined;
  let underruns = 0;
  for (const speakers of SPEAKER_STEPS) {
    const result = await withInterpreter(emulator.url.href, speakers);
    console.error(
      `${speakers} speakers x ${LANGUAGES.length} languages: ${result.sessions} sessions, ${result.cpuMsPerSecond.toFixed(0)} CPU ms/s (${result.sessionsPerCore.toFixed(0)} sessions/core), ` +
        `${result.underruns} underruns in ${result.framesSent} frames, mixer from silence p50 ${result.silentP50.toFixed(1)} / p99 ${result.silentP99.toFixed(1)} ms (${result.fromSilence} utterances), ` +
        `all p50 ${result.p50.toFixed(1)} / p99 ${result.p99.toFixed(1)} ms (${result.utterances}), ${result.mbPerSession.toFixed(2)} MB/session, ` +
        `event-loop delay p99 ${result.loopP99Ms.toFixed(1)} ms, p99.9 ${result.loopP999Ms.toFixed(1)} ms, max ${result.loopMaxMs.toFixed(1)} ms (longest GC pause ${result.gcMaxMs.toFixed(1)} ms)`,
    );
    steps[`underruns_${result.sessions}sessions`] = result.underruns;
    steps[`eventLoopP99Ms_${result.sessions}sessions`] = result.loopP99Ms;
    steps[`eventLoopMaxMs_${result.sessions}sessions`] = result.loopMaxMs;
    steps[`gcMaxPauseMs_${result.sessions}sessions`] = result.gcMaxMs;
    steps[`fromSilenceP99Ms_${result.sessions}sessions`] = result.silentP99;
    steps[`allUtterancesP99Ms_${result.sessions}sessions`] = result.p99;
    steps[`cpuMsPerSecond_${result.sessions}sessions`] = result.cpuMsPerSecond;
    underruns += result.underruns;
    worst = result;
  }
  if (!worst) throw new Error('BENCH_AGENT_SPEAKERS names no step');
  const baseline = await pluginAlone(emulator.url.href, SPEAKER_STEPS[SPEAKER_STEPS.length - 1] ?? 2);
  writeResult({
    name: 'agent',
    params: { secondsPerStep: SECONDS, warmupSecondsPerStep: WARMUP_SECONDS, speakers: SPEAKER_STEPS.join(','), languages: LANGUAGES.join(','), outputRate: profile.audio.sampleRate, mixerQueueMs: MIXER_QUEUE_MS, emulator: 'separate process, default (v2) mode', room: 'in-memory seam' },
    metrics: {
      largestStepSessions: worst.sessions,
      sessionsPerCore: worst.sessionsPerCore,
      underruns,
      mixerFromSilenceP50Ms: worst.silentP50,
      mixerFromSilenceP99Ms: worst.silentP99,
      mixerAllP50Ms: worst.p50,
      mixerAllP99Ms: worst.p99,
      mbPerSession: worst.mbPerSession,
      cpuMsPerSecond: worst.cpuMsPerSecond,
      ...steps,
    },
    baseline: { pluginOnlySessions: baseline.sessions, mbPerSession: baseline.mbPerSession, cpuMsPerSecond: baseline.cpuMsPerSecond, sessionsPerCore: baseline.sessions / (baseline.cpuMsPerSecond / 1000) },
    targets: [
      { metric: 'underruns', target: '0 (every step)', value: underruns, pass: underruns === 0 },
      { metric: 'sessionsPerCore', target: `>= 50 at real time (largest step, ${worst.sessions} sessions)`, value: worst.sessionsPerCore, pass: worst.sessionsPerCore >= 50 },
      { metric: 'mixerFromSilenceP99Ms', target: `< 20 ms at ${worst.sessions} sessions (an utterance from silence never waits behind the queue)`, value: worst.silentP99, pass: worst.silentP99 < 20 },
    ],
  });
} finally {
  await emulator.stop();
}
