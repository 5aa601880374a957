/**
 * The whole local stack for end-to-end room tests: `interpreter serve` (local launcher: one agent
 * process per room) with either the LiveKit server serve starts itself (as `npm start` does) or
 * one the test owns (to kill and restart it), and a Speech emulator the test owns, so it can see
 * which Azure sessions the agents opened and closed.
 */
import { TrackKind, type RemoteTrack, type Room } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, afterEach, type TestContext } from 'vitest';
import { TRANSCRIPTION_TOPIC, captionLanguage as languageOf } from '../../src/common/listener-protocol.ts';
import { startEmulator, type EmulatorOptions, type SpeechEmulator } from '../../src/emulator/index.ts';
import { envelope, recordTrack, type TrackRecording } from '../../src/local/rtc-audio.ts';
import { joinAsParticipant, type LiveKitAccess } from '../../src/local/participant.ts';
import { freeTcpPort } from '../../src/local/ports.ts';
import { nextTrack, startTestLiveKit, type TestLiveKit } from './livekit.ts';
import { startServe, type LogLine, type ServeProcess } from './serve.ts';

export interface Stack {
  serve: ServeProcess;
  access: LiveKitAccess;
  rooms: RoomServiceClient;
  emulator: SpeechEmulator;
  /** Set when the test owns the LiveKit server. */
  livekit?: TestLiveKit;
  join(identity: string, room: string, attributes?: Record<string, string>): Promise<Room>;
}

export interface StackOptions {
  /** `serve`: serve starts LiveKit itself (npm start); `test`: the test owns it. Default `serve`. */
  livekit?: 'serve' | 'test';
  profiles?: string;
  reconcileSeconds?: number;
  relaunchSeconds?: number;
  emulator?: EmulatorOptions;
  /** LiveKit room timeouts when the test owns the server. */
  departureTimeoutSeconds?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({ detectLanguage: 'de', ...options.emulator });
  afterAll(() => emulator.close());
  const env: NodeJS.ProcessEnv = { AZURE_SPEECH_KEY: 'emulator', AZURE_SPEECH_ENDPOINT: emulator.url.toString(), AZURE_SPEECH_REGION: '' };
  const args = ['--launcher', 'local', '--reconcile-seconds', String(options.reconcileSeconds ?? 0), '--relaunch-seconds', String(options.relaunchSeconds ?? 60), ...(options.profiles ? ['--profiles', options.profiles] : [])];
  const joined: Room[] = [];
  afterAll(async () => {
    await Promise.allSettled(joined.map((room) => room.disconnect()));
  });

  let livekit: TestLiveKit | undefined;
  let serve: ServeProcess;
  let access: LiveKitAccess;
  if (options.livekit === 'test') {
    const servePort = await freeTcpPort();
    livekit = await startTestLiveKit({ webhookUrls: [`http://127.0.0.1:${servePort}/webhook`], departureTimeoutSeconds: options.departureTimeoutSeconds ?? 20 });
    access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
    serve = await startServe(args, { ...env, LIVEKIT_URL: access.url, LIVEKIT_API_KEY: access.apiKey, LIVEKIT_API_SECRET: access.apiSecret }, servePort);
  } else {
    serve = await startServe([...args, '--livekit-port', '0', '--livekit-rtc-tcp-port', '0', '--livekit-rtc-udp-port', '0'], { ...env, LIVEKIT_URL: '', LIVEKIT_API_KEY: '', LIVEKIT_API_SECRET: '' });
    const up = await serve.waitForLog((line) => typeof line.livekit === 'string' && typeof line.msg === 'string' && line.msg.startsWith('LiveKit server up'), "serve's LiveKit server up");
    access = { url: String(up.livekit), apiKey: String(up.apiKey), apiSecret: 'secret' };
  }
  afterEach((context: TestContext) => {
    if (context.task.result?.state !== 'fail') return;
    const lines = serve.logs.slice(-60).map((line) => JSON.stringify(line).slice(0, 400));
    process.stderr.write(`\n--- serve log (last 60 lines) for "${context.task.name}" ---\n${lines.join('\n')}\n${serve.text().slice(-4000)}\n`);
  });
  const rooms = new RoomServiceClient(access.url.replace(/^ws/, 'http'), access.apiKey, access.apiSecret);
  return {
    serve,
    access,
    rooms,
    emulator,
    ...(livekit ? { livekit } : {}),
    join: async (identity, room, attributes) => {
      const participant = await joinAsParticipant(access, identity, room, attributes ? { attributes } : {});
      joined.push(participant);
      return participant;
    },
  };
}

export interface Caption {
  text: string;
  sender: string;
  attributes: Record<string, string>;
}

export function captionsAt(room: Room): Caption[] {
  const captions: Caption[] = [];
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, participant) => {
    // A stream cut off (its room deleted mid-caption) is no caption, and no unhandled rejection.
    void reader.readAll().then(
      (text) => captions.push({ text, sender: participant.identity, attributes: reader.info.attributes ?? {} }),
      () => undefined,
    );
  });
  return captions;
}

export const isFinal = (caption: Caption) => caption.attributes['lk.transcription_final'] === 'true';
export const captionLanguage = (caption: Caption) => languageOf(caption.attributes);

/** Resolves with the listener's recording of the interpreter's track for `language`. */
export async function interpretationAt(listener: Room, language: string, options: { timeoutMs?: number; notTrack?: string; onlyTrack?: string } = {}): Promise<{ track: RemoteTrack; recording: TrackRecording }> {
  const { track } = await nextTrack(
    listener,
    (t, publication, participant) =>
      t.kind === TrackKind.KIND_AUDIO &&
      participant.identity === 'interpreter' &&
      publication.name === `interpretation-${language}` &&
      publication.sid !== options.notTrack &&
      (options.onlyTrack === undefined || publication.sid === options.onlyTrack),
    options.timeoutMs ?? 60_000,
  );
  return { track, recording: recordTrack(track, 16_000) };
}

/** Milliseconds of the recording louder than speech level (100 ms windows). */
export function audibleMs(recording: TrackRecording): number {
  return envelope(recording.frames, 100).filter((rms) => rms > 300).length * 100;
}

export const agentLog = (room: string, text: string) => (line: LogLine) => line.room === room && typeof line.msg === 'string' && line.msg.includes(text);
