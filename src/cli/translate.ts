/**
 * `interpreter translate IN.wav --profile NAME --out DIR`: runs a recording through the plugin as
 * fast as the service takes it, with the sessions the profile calls for (one per spoken language,
 * one text-only for caption languages). Writes `<lang>.wav`, `<lang>.vtt` and `transcript.json`.
 * With no Azure settings it runs against an in-process emulator and says so.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { llm } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { AgentEnv } from '../common/launch-contract.ts';
import { WavError, encodeWav, readWavInput } from '../common/wav.ts';
import {
  DEFAULT_PROFILES_PATH,
  ProfileError,
  SpeechResourceError,
  captionGroups,
  findProfile,
  loadProfilesOrThrow,
  planSpeaker,
  speechResourceFromEnv,
  type SpeechResource,
} from '../profiles/index.ts';
import type { LiveInterpreterSession, TranslationEvent } from '../azure/index.ts';
import { layOut, type PlacedAudio } from './translate/timeline.ts';
import { webVtt, type Cue } from './translate/webvtt.ts';

const HELP = `Usage: interpreter translate IN.wav --profile NAME --out DIR [--speech-endpoint URL] [--profiles PATH]

Interprets a recording (WAV: 16/24/32-bit PCM or 32-bit float, any rate, mono or stereo) into the profile's languages:
  DIR/<lang>.wav         translated speech per spoken language, placed at the time of its source
  DIR/<lang>.vtt         WebVTT captions per target language
  DIR/transcript.json    utterances with timings, detected languages, every translation and the
                         milliseconds of translated speech per spoken language

Azure: AZURE_SPEECH_KEY with AZURE_SPEECH_REGION or AZURE_SPEECH_ENDPOINT, or --speech-endpoint
(e.g. a running \`interpreter emulator\`). With none of them an in-process emulator is used.`;

class UsageError extends Error {}

interface Utterance {
  offsetMs: number;
  durationMs: number;
  sourceLanguage?: string;
  transcript: string;
  translations: Record<string, string>;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        out: { type: 'string' },
        'speech-endpoint': { type: 'string' },
        profiles: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`interpreter translate: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const input = positionals[0];
  if (!input || !values.profile || !values.out) {
    console.error(`interpreter translate: ${!input ? 'an input WAV file' : !values.profile ? '--profile NAME' : '--out DIR'} is required\n\n${HELP}`);
    return 2;
  }
  try {
    return await translate(input, values.profile, values.out, values['speech-endpoint'], values.profiles ?? process.env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH);
  } catch (error) {
    if (error instanceof UsageError || error instanceof WavError || error instanceof ProfileError || error instanceof SpeechResourceError) {
      console.error(`interpreter translate: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function readInput(path: string) {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${path}` : code === 'EISDIR' ? `${path} is a folder, not a WAV file` : `cannot read ${path}: ${(error as Error).message}`);
  }
  const wav = readWavInput(bytes, basename(path));
  if (wav.samples.length === 0) throw new UsageError(`${path} holds no audio${wav.truncated ? ` (${wav.truncated})` : ''}`);
  // A cut-off recording is still worth interpreting as far as it goes; say what is missing.
  if (wav.truncated) console.error(`interpreter translate: warning: ${wav.truncated}; translating what is there`);
  return wav;
}

async function translate(input: string, profileName: string, outDir: string, endpointFlag: string | undefined, profilesPath: string): Promise<number> {
  const wav = await readInput(input);
  const profiles = await loadProfilesOrThrow(profilesPath);
  const profile = findProfile(profiles, profileName);
  if (!profile) throw new UsageError(`no profile named '${profileName}' in ${profilesPath} (have: ${profiles.map((p) => p.name).join(', ')})`);
  const speech = await speechService(endpointFlag);
  const plan = planSpeaker(profile, { identity: 'recording' }, speech.resource);
  const captionLanguages = profile.captions ? plan.captionOnly : [];
  if (plan.voiced.length === 0 && captionLanguages.length === 0) {
    await speech.close();
    throw new UsageError(`profile ${profile.name} has nothing to translate a recording into`);
  }

  const { channels, sampleRate } = wav.format;
  const durationMs = (wav.samples.length / channels / sampleRate) * 1000;
  const { LiveInterpreterModel } = await import('../azure/index.ts');
  const { initializeLogger } = await import('@livekit/agents');
  // The framework's realtime sessions log through its logger, which must exist first.
  initializeLogger({ pretty: false, level: process.env.LOG_LEVEL ?? 'warn' });
  const open = (spokenLanguage: string | null, targetLanguages: string[], voice?: string): LiveInterpreterSession =>
    new LiveInterpreterModel({
      ...speech.settings,
      targetLanguages,
      sourceLanguages: plan.source,
      spokenLanguage,
      ...(voice ? { voice } : {}),
      resourceKind: speech.resource.kind,
      tier: speech.resource.tier,
      sampleRate: profile.audio.sampleRate,
      profanity: profile.profanity,
    }).session();

  const sessions: { session: LiveInterpreterSession; languages: string[]; spoken: string | null }[] = [
    ...plan.voiced.map((v) => ({ session: open(v.language, [v.language], v.voice), languages: [v.language], spoken: v.language })),
    // The same text-only sessions the agent opens: two languages each on a Speech resource.
    ...captionGroups(captionLanguages, speech.resource.kind).map((languages) => ({ session: open(null, languages), languages, spoken: null })),
  ];
  const finals: Utterance[] = [];
  const audio = new Map<string, PlacedAudio[]>();
  const collecting: Promise<void>[] = [];
  const errors: string[] = [];
  const progress = new Progress(durationMs, sessions.length);

  for (const { session, spoken } of sessions) {
    let lastFinalOffset = 0;
    session.on('translation', (event: TranslationEvent) => {
      if (!event.isFinal) return;
      lastFinalOffset = event.offsetMs;
      finals.push({ offsetMs: event.offsetMs, durationMs: event.durationMs, ...(event.sourceLanguage ? { sourceLanguage: event.sourceLanguage } : {}), transcript: event.transcript, translations: event.translations });
      progress.heard(event.offsetMs + event.durationMs);
    });
    session.on('generation_created', (event: llm.GenerationCreatedEvent) => {
      // The final translation of an utterance is emitted just before its generation.
      const offsetMs = lastFinalOffset;
      if (spoken) collecting.push(collectSpeech(event, offsetMs, spoken, audio));
    });
    session.on('error', (event: llm.RealtimeModelError) => {
      if (!event.recoverable) errors.push(event.error.message);
    });
  }

  const frameSamples = Math.round(sampleRate / 100);
  for (let offset = 0; offset < wav.samples.length; offset += frameSamples * channels) {
    const data = wav.samples.slice(offset, Math.min(wav.samples.length, offset + frameSamples * channels));
    const frame = new AudioFrame(data, sampleRate, channels, data.length / channels);
    for (const { session } of sessions) session.pushAudio(frame);
  }
  // The service only ends the last utterance after some silence.
  const tail = new AudioFrame(new Int16Array(frameSamples * channels), sampleRate, channels, frameSamples);
  for (let i = 0; i < 100; i++) for (const { session } of sessions) session.pushAudio(tail);

  await Promise.all(sessions.map(({ session }) => session.finishInput()));
  await Promise.all(sessions.map(({ session }) => session.close()));
  await Promise.all(collecting);
  await speech.close();
  progress.done();
  if (errors.length > 0 && finals.length === 0) throw new UsageError(`the Speech service failed: ${errors[0]}`);

  const utterances = mergeUtterances(finals);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const { language } of plan.voiced) {
    const file = join(outDir, `${language}.wav`);
    await writeFile(file, encodeWav(layOut(audio.get(language) ?? [], profile.audio.sampleRate, durationMs), profile.audio.sampleRate));
    written.push(file);
  }
  for (const language of [...plan.voiced.map((v) => v.language), ...captionLanguages]) {
    const cues: Cue[] = utterances.flatMap((u) => (u.translations[language] ? [{ startMs: u.offsetMs, endMs: u.offsetMs + u.durationMs, text: u.translations[language]! }] : []));
    const file = join(outDir, `${language}.vtt`);
    await writeFile(file, webVtt(cues, language));
    written.push(file);
  }
  const transcript = {
    input: basename(input),
    profile: profile.name,
    service: speech.description,
    durationMs: Math.round(durationMs),
    languages: { spoken: plan.voiced.map((v) => ({ language: v.language, voice: v.voice })), captionsOnly: captionLanguages },
    utterances: utterances.map((u) => ({ ...u, offsetMs: Math.round(u.offsetMs), durationMs: Math.round(u.durationMs), speechMs: speechMsOf(u, audio, profile.audio.sampleRate) })),
    ...(errors.length > 0 ? { errors } : {}),
  };
  const transcriptFile = join(outDir, 'transcript.json');
  await writeFile(transcriptFile, `${JSON.stringify(transcript, null, 2)}\n`);
  written.push(transcriptFile);
  console.log(`${utterances.length} utterance(s) from ${basename(input)} (${(durationMs / 1000).toFixed(1)} s) via ${speech.description}; wrote:`);
  for (const file of written) console.log(`  ${file}`);
  return errors.length > 0 ? 1 : 0;
}

async function collectSpeech(event: llm.GenerationCreatedEvent, offsetMs: number, language: string, into: Map<string, PlacedAudio[]>): Promise<void> {
  void event.functionStream.cancel().catch(() => undefined);
  for await (const message of event.messageStream) {
    void message.textStream.cancel().catch(() => undefined);
    const chunks: Int16Array[] = [];
    for await (const frame of message.audioStream) chunks.push(frame.data.slice());
    const samples = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
    let position = 0;
    for (const chunk of chunks) {
      samples.set(chunk, position);
      position += chunk.length;
    }
    const parts = into.get(language) ?? [];
    parts.push({ offsetMs, samples });
    into.set(language, parts);
  }
}

/** Milliseconds of translated speech per spoken language that belong to the utterance (same start, within 300 ms). */
function speechMsOf(utterance: Utterance, audio: ReadonlyMap<string, readonly PlacedAudio[]>, sampleRate: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [language, parts] of audio) {
    const samples = parts.filter((p) => Math.abs(p.offsetMs - utterance.offsetMs) < 300).reduce((n, p) => n + p.samples.length, 0);
    if (samples > 0) out[language] = Math.round((samples * 1000) / sampleRate);
  }
  return out;
}

/** Each session reports every utterance; the same utterance (same start, within 300 ms) becomes one entry. */
function mergeUtterances(finals: readonly Utterance[]): Utterance[] {
  const merged: Utterance[] = [];
  for (const final of [...finals].sort((a, b) => a.offsetMs - b.offsetMs)) {
    const same = merged.find((m) => Math.abs(m.offsetMs - final.offsetMs) < 300);
    if (same) Object.assign(same.translations, final.translations);
    else merged.push({ ...final, translations: { ...final.translations } });
  }
  return merged;
}

interface SpeechService {
  settings: { speechKey?: string; speechRegion?: string; speechEndpoint?: string };
  resource: SpeechResource;
  description: string;
  close: () => Promise<void>;
}

async function speechService(endpointFlag: string | undefined): Promise<SpeechService> {
  const env = process.env;
  const key = env[AgentEnv.azureSpeechKey];
  if (endpointFlag) {
    if (!URL.canParse(endpointFlag)) throw new UsageError(`--speech-endpoint is not a URL: ${endpointFlag}`);
    const resource = speechResourceFromEnv(env, new URL(endpointFlag));
    return { settings: { speechKey: key ?? 'local', speechEndpoint: endpointFlag }, resource, description: endpointFlag, close: async () => {} };
  }
  if (key) {
    const endpoint = env[AgentEnv.azureSpeechEndpoint];
    const region = env[AgentEnv.azureSpeechRegion];
    const resource = speechResourceFromEnv(env, endpoint && URL.canParse(endpoint) ? new URL(endpoint) : undefined);
    return { settings: { speechKey: key, ...(endpoint ? { speechEndpoint: endpoint } : {}), ...(region ? { speechRegion: region } : {}) }, resource, description: endpoint ?? `Azure (${region ?? 'no region'})`, close: async () => {} };
  }
  const { startEmulator } = await import('../emulator/index.ts');
  const emulator = await startEmulator({ port: 0 });
  console.error('No AZURE_SPEECH_KEY and no --speech-endpoint: using the built-in Speech emulator (placeholder translations, speech-shaped audio).');
  const resource = speechResourceFromEnv(env, emulator.url);
  return { settings: { speechKey: 'emulator', speechEndpoint: emulator.url.toString() }, resource, description: 'the built-in emulator', close: () => emulator.close() };
}

/** A progress bar on a terminal; a few plain lines otherwise. */
class Progress {
  private heardMs = 0;
  private lastPrinted = -1;
  constructor(
    private readonly totalMs: number,
    private readonly sessions: number,
  ) {
    this.render();
  }
  heard(untilMs: number): void {
    this.heardMs = Math.max(this.heardMs, Math.min(untilMs, this.totalMs));
    this.render();
  }
  done(): void {
    this.heardMs = this.totalMs;
    this.render();
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
  private render(): void {
    const percent = Math.round((this.heardMs / this.totalMs) * 100);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${this.sessions} session(s)`);
    } else if (percent >= this.lastPrinted + 25 || (percent === 100 && this.lastPrinted !== 100)) {
      this.lastPrinted = percent;
      process.stderr.write(`translated ${percent}%\n`);
    }
  }
}

