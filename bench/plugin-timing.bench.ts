/**
 * The phrase-timing trade-off: how long a listener waits after a sentence ends before its
 * interpretation starts, and into how many phrases the speech is cut, at segmentation silences of
 * 200, 500 and 1,000 ms (the plugin's `segmentation.silenceMs`, a profile's `timing.silenceMs`).
 *
 * Input: the speech fixtures one after another (meeting.wav, pause-600ms.wav, speech-en/de/fr.wav),
 * 1.5 s of silence between them, pushed in real time as 10 ms frames to one LiveInterpreterSession per
 * setting (the three run side by side). A "sentence" is the fixture's own: speech up to a pause of at
 * least 300 ms (espeak-ng's pause after a full stop is 390-500 ms, between words under 150 ms), found
 * once from the audio, the same for every setting.
 *
 * Per sentence: the time from its last loud 10 ms frame being pushed to the first interpreted audio
 * frame of the phrase that contains the sentence's end. The floor, from the same run, is the silence
 * itself: the service cannot end a phrase before it has heard that much silence. What the emulator
 * adds on top is its own (it answers at once, with no real recognition or synthesis time), so on Azure
 * every figure grows by the service's processing time; the differences between settings remain.
 *
 * The emulator runs in a child process (bench/lib), as in plugin.bench.ts.
 */
import { readFileSync } from 'node:fs';
import { initializeLogger, type llm } from '@livekit/agents';
import { AudioFrame, dispose } from '@livekit/rtc-node';
import { LiveInterpreterModel, type TranslationEvent } from '../src/azure/index.ts';
import { decodeWav } from '../src/common/wav.ts';
import { startEmulatorProcess } from './lib/emulator-process.ts';
import { percentile, writeResult } from './report.ts';

const SILENCES_MS = [200, 500, 1000] as const;
const FIXTURES = ['meeting.wav', 'pause-600ms.wav', 'speech-en.wav', 'speech-de.wav', 'speech-fr.wav'];
const GAP_MS = 1500;
const FRAME = 160; // 10 ms at 16 kHz
const LOUD_RMS = 500; // the emulator's speech threshold
const SENTENCE_PAUSE_MS = 300;

interface Phrase {
  startMs: number;
  endMs: number;
  firstAudioAt?: number;
}

interface SettingResult {
  silenceMs: number;
  phrases: number;
  delaysMs: number[];
  sentencesWithoutAudio: number;
}

await main();
await dispose();

async function main(): Promise<void> {
  initializeLogger({ pretty: false, level: 'warn' });
  const audio = programme();
  const sentences = sentenceEnds(audio);
  const { url, stop } = await startEmulatorProcess();
  try {
    const endpoint = new URL('/speech/universal/v2', url);
    const results = await runAll(endpoint, audio, sentences);
    const metrics: Record<string, number> = { sentences: sentences.length };
    const baseline: Record<string, number> = {};
    for (const r of results) {
      const sorted = [...r.delaysMs].sort((a, b) => a - b);
      metrics[`phrasesAt${r.silenceMs}ms`] = r.phrases;
      metrics[`delayP50At${r.silenceMs}ms`] = percentile(sorted, 50);
      metrics[`delayMaxAt${r.silenceMs}ms`] = sorted.at(-1) ?? Number.NaN;
      metrics[`sentencesWithoutAudioAt${r.silenceMs}ms`] = r.sentencesWithoutAudio;
      baseline[`delayFloorAt${r.silenceMs}ms`] = r.silenceMs;
    }
    const [fast, , slow] = results as [SettingResult, SettingResult, SettingResult];
    const median = (r: SettingResult) => percentile([...r.delaysMs].sort((a, b) => a - b), 50);
    writeResult({
      name: 'plugin-timing',
      metrics,
      baseline,
      targets: [
        { metric: 'phrasesAt200ms', target: '>= sentences (a short silence cuts at every sentence)', value: fast.phrases, pass: fast.phrases >= sentences.length },
        { metric: 'phrasesAt1000ms', target: '< sentences (a long silence keeps sentences together)', value: slow.phrases, pass: slow.phrases < sentences.length },
        { metric: 'delayP50At200ms', target: '< delayP50At1000ms', value: median(fast), pass: median(fast) < median(slow) },
        ...results.map((r) => ({
          metric: `sentencesWithoutAudioAt${r.silenceMs}ms`,
          target: '0 (every sentence is interpreted)',
          value: r.sentencesWithoutAudio,
          pass: r.sentencesWithoutAudio === 0,
        })),
      ],
      params: { fixtures: FIXTURES.join(' '), gapBetweenFixturesMs: GAP_MS, sentencePauseMs: SENTENCE_PAUSE_MS, audioSeconds: Math.round(audio.length / 16000), pace: 'real time, 10 ms frames', emulator: 'default (v2) mode, separate process' },
    });
  } finally {
    await stop();
  }
}

/** The fixtures in a row, GAP_MS of silence after each. */
function programme(): Int16Array {
  const parts = FIXTURES.map((name) => decodeWav(readFileSync(new URL(`../test/fixtures/audio/${name}`, import.meta.url)), name).samples);
  const gap = (GAP_MS * 16000) / 1000;
  const out = new Int16Array(parts.reduce((n, p) => n + p.length + gap, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length + gap;
  }
  return out;
}

/** Frame index (10 ms) after the last loud frame of each sentence. */
function sentenceEnds(audio: Int16Array): number[] {
  const ends: number[] = [];
  let lastLoud = -1;
  for (let frame = 0; frame * FRAME + FRAME <= audio.length; frame++) {
    let sum = 0;
    for (let i = frame * FRAME; i < frame * FRAME + FRAME; i++) sum += (audio[i] ?? 0) ** 2;
    const loud = Math.sqrt(sum / FRAME) >= LOUD_RMS;
    if (!loud) continue;
    if (lastLoud >= 0 && (frame - lastLoud - 1) * 10 >= SENTENCE_PAUSE_MS) ends.push(lastLoud + 1);
    lastLoud = frame;
  }
  if (lastLoud >= 0) ends.push(lastLoud + 1);
  return ends;
}

async function runAll(endpoint: URL, audio: Int16Array, sentences: number[]): Promise<SettingResult[]> {
  const sessions = SILENCES_MS.map((silenceMs) => {
    const session = new LiveInterpreterModel({ speechKey: 'bench-key', speechEndpoint: endpoint, targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural', segmentation: { silenceMs } }).session();
    const phrases: Phrase[] = [];
    session.on('error', () => {});
    session.on('translation', (event: TranslationEvent) => {
      if (event.isFinal) phrases.push({ startMs: event.offsetMs, endMs: event.offsetMs + event.durationMs });
    });
    session.on('generation_created', (event: llm.GenerationCreatedEvent) => {
      // The session announces a phrase's generation right after its final translation.
      const phrase = phrases.at(-1);
      void (async () => {
        for await (const message of event.messageStream) {
          void (async () => {
            for await (const _ of message.textStream);
          })();
          for await (const _ of message.audioStream) if (phrase) phrase.firstAudioAt ??= performance.now();
        }
      })();
    });
    return { silenceMs, session, phrases };
  });
  // Real time, by the clock: frame k goes out at start + 10k ms, whatever the timers' drift.
  const pushedAt: number[] = [];
  const start = performance.now();
  const frames = Math.floor(audio.length / FRAME);
  for (let k = 0; k < frames; ) {
    const due = Math.min(frames, Math.floor((performance.now() - start) / 10) + 1);
    for (; k < due; k++) {
      const data = audio.slice(k * FRAME, (k + 1) * FRAME);
      pushedAt[k] = performance.now();
      for (const { session } of sessions) session.pushAudio(new AudioFrame(data, 16000, 1, FRAME));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(sessions.map(({ session }) => session.finishInput()));
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all(sessions.map(({ session }) => session.close()));
  return sessions.map(({ silenceMs, phrases }) => {
    const delaysMs: number[] = [];
    let sentencesWithoutAudio = 0;
    for (const end of sentences) {
      const endMs = end * 10;
      // The phrase holding the sentence's end (phrase bounds are the service's, to the 10 ms frame).
      const phrase = phrases.find((p) => p.startMs <= endMs && p.endMs >= endMs - 30);
      const endedAt = pushedAt[end - 1];
      if (!phrase?.firstAudioAt || endedAt === undefined) {
        sentencesWithoutAudio++;
        continue;
      }
      delaysMs.push(Math.round(phrase.firstAudioAt - endedAt));
    }
    return { silenceMs, phrases: phrases.length, delaysMs, sentencesWithoutAudio };
  });
}
