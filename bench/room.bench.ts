/**
 * `interpreter bench room`: speakers and listeners in one room of the real LiveKit server, with the
 * real agent launched by `interpreter serve --launcher local` from the server's own webhook, and
 * the Speech emulator in this process (run inside the WebRTC namespace: `scripts/netns.sh node
 * bin/interpreter.js bench room`). Speakers take turns (utterances never overlap), each turn the
 * English fixture; listeners hear French and German.
 *
 * Measured:
 * - CreateRoom to the interpreter listed in the room, and to the first audible interpreted frame
 *   at a listener with speech time excluded: the time to the interpreter joining plus the time from
 *   the end of the first utterance's speech to a listener hearing it (speakers start once the
 *   interpreter hears them). The emulator's own end-of-phrase silence (500 ms, the service's
 *   documented default) stays in: real Azure waits for it too.
 *   BENCH_ROOM_LAUNCHER=local (default: a process per room, handed to the warm agent serve keeps
 *   loaded; BENCH_ROOM_WARM_AGENTS=0 starts it for the room) or dispatch (a warm `interpreter
 *   worker`, what `npm start` runs; `bench room-dispatch`); results in room.json, room-cold.json and room-dispatch.json.
 * - The delay our pipeline adds, per utterance and language, in two legs apart from the
 *   emulator's processing. Leg 1, speaker to emulator: the speech onset's real-time due time at
 *   the speaker (AudioSource queues, so the due time, not the capture call) to the emulator
 *   receiving the audio block holding it. Leg 2, emulator to listener: the emulator writing the
 *   synthesis (its audible onset, offset within the synthesized speech) to that onset arriving at
 *   the listener. Onsets by an energy threshold (RMS 300 over 10 ms) on both sides; every time is
 *   `Date.now()`, one clock across processes.
 * - Interpreted audio lost or late at listeners within utterances: WebRTC's non-silent
 *   concealment and lost packets from `room.getRtcStats()` between an utterance's first synthesis
 *   and its end, plus the agent's mixer underruns (it logs them when it stops).
 * - The floor, in the same run: one hop through LiveKit, a speaker's onset due time to its arrival
 *   at a plain participant subscribed to the microphone (each leg crosses LiveKit once), and the
 *   Speech SDK's own 100 ms upload blocks (its push stream holds a partial block: notes §2).
 * - CPU of the LiveKit server and of the agent, per interpreted stream (speaker x spoken language).
 *
 * Env: BENCH_ROOM_SPEAKERS (2), BENCH_ROOM_TURNS (6), BENCH_ROOM_LISTENERS per language (1).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RoomEvent, TrackKind, type RemoteTrack, type Room } from '@livekit/rtc-node';
import { RoomServiceClient } from 'livekit-server-sdk';
import { decodeWav } from '../src/common/wav.ts';
import { startEmulator } from '../src/emulator/index.ts';
import { resolveLiveKitServer } from '../src/local/livekit-binary.ts';
import { startLiveKit } from '../src/local/livekit-server.ts';
import { joinAsParticipant } from '../src/local/participant.ts';
import { freeTcpPort } from '../src/local/ports.ts';
import { publishRecording, recordTrack, type TrackRecording } from '../src/local/rtc-audio.ts';
import { spawnInterpreter as spawnCommand } from '../test/support/interpreter-process.ts';
import { loudWindows, onsetIn, processCpuSeconds, processGroupCpuSeconds, rtcConcealment, type Concealment } from './lib/room-measures.ts';
import { concat } from '../test/azure/harness.ts';
import { percentile, writeResult } from './report.ts';

// BENCH_VERBOSE: the children's non-JSON output (stack traces, the LiveKit server's lines) as it comes.
const spawnInterpreter = (args: string[], env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}) => spawnCommand(args, env, { ...options, echoText: Boolean(process.env.BENCH_VERBOSE) });

const SPEAKERS = Number(process.env.BENCH_ROOM_SPEAKERS ?? 2);
const TURNS = Number(process.env.BENCH_ROOM_TURNS ?? 6);
const LISTENERS = Number(process.env.BENCH_ROOM_LISTENERS ?? 1);
const LANGUAGES = ['fr', 'de'];
const LAUNCHER = process.env.BENCH_ROOM_LAUNCHER === 'dispatch' ? 'dispatch' : 'local';
// Local launcher: agents serve keeps loaded ahead (its default, 1); 0 measures a process started per room.
const WARM_AGENTS = Number(process.env.BENCH_ROOM_WARM_AGENTS ?? 1);
const VARIANT = LAUNCHER === 'dispatch' ? 'dispatch' : WARM_AGENTS > 0 ? 'local, warm agent' : 'local, process started per room';
const GAP_MS = 4_000;
const LEAD_MS = 500;
const root = fileURLToPath(new URL('../', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// What the emulator received and sent, per connection.
const received = new Map<string, { at: number; samples: Int16Array; rate: number }[]>();
const synthesized = new Map<string, { utterance: number; at: number; samples: Int16Array; rate: number }[]>();
const emulator = await startEmulator({
  detectLanguage: 'en',
  observer: {
    audio: (id, samples, rate, at) => (received.get(id) ?? received.set(id, []).get(id)!).push({ at, samples, rate }),
    synthesis: (id, utterance, samples, rate, at) => (synthesized.get(id) ?? synthesized.set(id, []).get(id)!).push({ utterance, at, samples, rate }),
  },
});
const servePort = await freeTcpPort();
const livekit = await startLiveKit({ binary: (await resolveLiveKitServer()).path, logLevel: 'warn', webhookUrls: [`http://127.0.0.1:${servePort}/webhook`] });
const access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
const env = {
  LIVEKIT_URL: access.url,
  LIVEKIT_API_KEY: access.apiKey,
  LIVEKIT_API_SECRET: access.apiSecret,
  AZURE_SPEECH_KEY: 'emulator',
  AZURE_SPEECH_ENDPOINT: emulator.url.toString(),
  AZURE_SPEECH_REGION: '',
  LOG_FORMAT: 'json',
};
const serve = spawnInterpreter(['serve', '--port', String(servePort), '--profiles', `${root}configs`, '--launcher', LAUNCHER, '--reconcile-seconds', '0', '--warm-agents', String(WARM_AGENTS)], env);
await serve.waitForLog((l) => String(l.msg).startsWith('listening for LiveKit webhooks'), 'serve listening');
// Local: the warm agent serve keeps loaded (what a running serve has), like the worker's warm process below.
if (LAUNCHER === 'local' && WARM_AGENTS > 0) await serve.waitForLog((l) => l.msg === 'warm agent ready for a room', 'the warm agent loaded');
// Dispatch: one warm worker (its CPU left out of its load: this machine runs everything else too).
const worker = LAUNCHER === 'dispatch' ? spawnInterpreter(['worker', '--health-port', '0', '--ignore-cpu', '--idle-processes', '1', '--profiles', `${root}configs`], env, { detached: true }) : undefined;
if (worker) {
  await worker.waitForLog((l) => l.msg === 'registered worker', 'the worker registered');
  await sleep(5_000); // its warm process finishes prewarming
}
const rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);

// Each speaker's whole part: silence, and the fixture at its turns.
const fixture = decodeWav(readFileSync(`${root}test/fixtures/audio/speech-en.wav`));
const rate = fixture.format.sampleRate;
const loud = loudWindows(fixture.samples, rate);
const speechStart = (loud[0] ?? 0) * (rate / 100);
const speechEnd = ((loud.at(-1) ?? 0) + 1) * (rate / 100);
const turnSamples = fixture.samples.length + (GAP_MS * rate) / 1000;
const lead = (LEAD_MS * rate) / 1000;
const parts = Array.from({ length: SPEAKERS }, (_, s) => {
  const part = new Int16Array(lead + TURNS * turnSamples);
  for (let turn = s; turn < TURNS; turn += SPEAKERS) part.set(fixture.samples, lead + turn * turnSamples);
  return part;
});

const name = 'board-bench-room';
const t0 = Date.now();
await rooms.createRoom({ name, emptyTimeout: 30 });
const joining = (async () => {
  for (;;) {
    if ((await rooms.listParticipants(name)).some((p) => p.identity === 'interpreter')) return Date.now();
    await sleep(10);
  }
})();
const listeners: { room: Room; language: string; recording: Promise<TrackRecording> }[] = [];
for (const language of LANGUAGES) {
  for (let i = 0; i < LISTENERS; i += 1) {
    const room = await joinAsParticipant(access, `listener-${language}-${i}`, name, { attributes: { language }, autoSubscribe: false });
    const recording = new Promise<TrackRecording>((resolve) => {
      const take = (publication: { name?: string; setSubscribed(on: boolean): void }) => {
        if (publication.name === `interpretation-${language}`) publication.setSubscribed(true);
      };
      room.on(RoomEvent.TrackPublished, (publication) => take(publication));
      for (const participant of room.remoteParticipants.values()) for (const publication of participant.trackPublications.values()) take(publication);
      room.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, publication) => {
        if (track.kind === TrackKind.KIND_AUDIO && publication.name === `interpretation-${language}`) resolve(recordTrack(track, 48_000));
      });
    });
    listeners.push({ room, language, recording });
  }
}
// The transport floor: a plain participant hearing each speaker's microphone directly.
const mirror = await joinAsParticipant(access, 'mirror', name, { autoSubscribe: false });
const heardDirectly = new Map<string, TrackRecording>();
mirror.on(RoomEvent.TrackPublished, (publication, participant) => {
  if (participant.identity.startsWith('speaker-')) publication.setSubscribed(true);
});
mirror.on(RoomEvent.TrackSubscribed, (track: RemoteTrack, _publication, participant) => {
  if (track.kind === TrackKind.KIND_AUDIO && participant.identity.startsWith('speaker-')) heardDirectly.set(participant.identity, recordTrack(track, 48_000));
});
const speakers = await Promise.all(parts.map((_, s) => joinAsParticipant(access, `speaker-${s}`, name)));
// Speech starts once the interpreter and the mirror take every microphone: a source nobody takes
// queues its audio (up to 1 s) and plays everything late ever after, which would be measured as ours.
let allHeard: () => void = () => undefined;
const heardAll = new Promise<void>((resolve) => (allHeard = resolve));
const interpreterSubscribed = (async () => {
  for (;;) {
    const info = await rooms.listParticipants(name);
    const speakerTracks = info.filter((p) => p.identity.startsWith('speaker-')).flatMap((p) => p.tracks.map((t) => t.sid));
    if (speakerTracks.length === SPEAKERS && heardDirectly.size === SPEAKERS && info.some((p) => p.identity === 'interpreter')) return;
    await sleep(20);
  }
})();
void interpreterSubscribed.then(() => allHeard());
const published = await Promise.all(speakers.map((speaker, s) => publishRecording(speaker.localParticipant!, parts[s]!, rate, { startAfter: heardAll })));
const joinedAt = await joining;

// WebRTC concealment at each listener, sampled through the run.
const concealment: Concealment[][] = listeners.map(() => []);
let sampling = !process.env.BENCH_ROOM_NO_STATS;
const sampler = (async () => {
  while (sampling) {
    await Promise.all(listeners.map(async (l, i) => concealment[i]!.push(await rtcConcealment(l.room))));
    await sleep(200);
  }
})();

// The agent: its process (local), or the worker's whole process group (the room's job among them).
const agentCpu = worker
  ? () => processGroupCpuSeconds(worker.child.pid!)
  : await serve.waitForLog((l) => String(l.msg).startsWith(`agent started for room ${name}`), 'the agent started').then((line) => () => processCpuSeconds(Number(line.pid)));
const cpuStart = { at: Date.now(), livekit: processCpuSeconds(livekit.pid), agent: agentCpu() };
await Promise.all(published.map((p) => p.done));
await sleep(GAP_MS);
const cpuEnd = { at: Date.now(), livekit: processCpuSeconds(livekit.pid), agent: agentCpu() };
sampling = false;
await sampler;
const recordings = await Promise.all(listeners.map((l) => l.recording));
for (const r of [...recordings, ...heardDirectly.values()]) r.stop();
await rooms.deleteRoom(name);
const playedOut = await (worker ?? serve).waitForLog((l) => String(l.msg).includes('interpretation tracks played out'), "the agent's mixer report", 30_000).catch(() => undefined);
// Local: serve relays the agent's lines (the line is its msg); dispatch: the job's own line.
const report = playedOut ? ((playedOut.underruns ?? (JSON.parse(String(playedOut.msg)) as { underruns: unknown }).underruns) as Record<string, number>) : undefined;
const underruns = report ? Object.values(report).reduce((a, b) => a + b, 0) : Number.NaN;

// Due times of each turn's speech at its speaker.
const dueAt = (speaker: number, sample: number) => {
  const frames = published[speaker]!.frameDueAt;
  const frame = Math.floor(sample / (rate / 100));
  return (frames[frame] ?? Number.NaN) + ((sample % (rate / 100)) * 1000) / rate;
};
const turns = Array.from({ length: TURNS }, (_, turn) => {
  const speaker = turn % SPEAKERS;
  const base = lead + turn * turnSamples;
  return { turn, speaker, onsetDue: dueAt(speaker, base + speechStart), endDue: dueAt(speaker, base + speechEnd) };
});

// Leg 1: each connection that heard a turn's onset. Leg 2: that connection's synthesis of the turn to its listeners.
const connections = emulator.connections.map((c) => ({ id: c.id, language: c.targetLanguages[0] ?? '' }));
const leg1: number[] = [];
const leg2: number[] = [];
const total: number[] = [];
const windows: { from: number; to: number; listener: number }[] = [];
let firstAudible = Number.POSITIVE_INFINITY;
let firstTurn: (typeof turns)[number] | undefined;
for (const connection of connections) {
  const blocks = received.get(connection.id) ?? [];
  const chunks = synthesized.get(connection.id) ?? [];
  for (const turn of turns) {
    const heard = onsetIn(blocks, turn.onsetDue - 50, turn.onsetDue + 2_000);
    // The synthesis of this turn: the first utterance whose first chunk left after the turn's speech ended.
    const first = chunks.find((c) => c.at > turn.endDue && c.at < turn.endDue + GAP_MS);
    if (!first) continue;
    const utterance = chunks.filter((c) => c.utterance === first.utterance);
    const voiced = loudWindows(concat(...utterance.map((c) => c.samples)), first.rate)[0];
    if (voiced === undefined) continue;
    const synthesisOnset = first.at + voiced * 10;
    const synthesisMs = (utterance.reduce((n, c) => n + c.samples.length, 0) * 1000) / first.rate;
    listeners.forEach((listener, index) => {
      if (listener.language !== connection.language) return;
      windows.push({ from: first.at, to: first.at + synthesisMs, listener: index });
    });
    for (const [index, recording] of recordings.entries()) {
      if (listeners[index]!.language !== connection.language) continue;
      const arrived = onsetIn(recording.frames.map((frame, i) => ({ at: recording.arrivedAt[i]!, samples: frame.data, rate: frame.sampleRate })), first.at, first.at + synthesisMs);
      if (arrived === undefined) continue;
      if (arrived < firstAudible) {
        firstAudible = arrived;
        firstTurn = turn;
      }
      if (heard === undefined) continue;
      leg1.push(heard - turn.onsetDue);
      leg2.push(arrived - synthesisOnset);
      total.push(heard - turn.onsetDue + (arrived - synthesisOnset));
    }
  }
}
// Speech starts only once the interpreter hears it: the time to the first frame is the time to the
// interpreter joining plus the time from the end of that first utterance's speech to a listener
// hearing its interpretation (the speaking itself, and the wait for it to begin, left out).
const afterSpeechMs = firstTurn ? firstAudible - firstTurn.endDue : Number.NaN;
const firstFrameMs = joinedAt - t0 + afterSpeechMs;

// Concealment inside utterance windows only (between utterances nothing is sent, by design).
let lostOrLateMs = 0;
let packetsLost = 0;
for (const { from, to, listener } of windows) {
  const samples = concealment[listener]!;
  for (let i = 1; i < samples.length; i += 1) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    if (a.at < from || b.at > to) continue;
    lostOrLateMs += ((b.concealedSamples - a.concealedSamples) * 1000) / 48_000;
    packetsLost += b.packetsLost - a.packetsLost;
  }
}

const transport: number[] = [];
for (const turn of turns) {
  const direct = heardDirectly.get(`speaker-${turn.speaker}`);
  if (!direct) continue;
  const arrived = onsetIn(direct.frames.map((frame, i) => ({ at: direct.arrivedAt[i]!, samples: frame.data, rate: frame.sampleRate })), turn.onsetDue - 50, turn.onsetDue + 2_000);
  if (arrived !== undefined) transport.push(arrived - turn.onsetDue);
}
await Promise.allSettled([...listeners.map((l) => l.room.disconnect()), ...speakers.map((s) => s.disconnect()), mirror.disconnect()]);
await serve.stop();
if (worker) {
  try {
    process.kill(-worker.child.pid!, 'SIGKILL');
  } catch {
    // gone
  }
}
await emulator.close();
await livekit.stop(2_000);

const wallSeconds = (cpuEnd.at - cpuStart.at) / 1000;
const streams = SPEAKERS * LANGUAGES.length;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const p95 = percentile(sorted(total), 95);
writeResult({
  name: LAUNCHER === 'dispatch' ? 'room-dispatch' : WARM_AGENTS > 0 ? 'room' : 'room-cold',
  params: { speakers: SPEAKERS, turns: TURNS, listenersPerLanguage: LISTENERS, languages: LANGUAGES.join(','), profile: 'board-meeting', launcher: LAUNCHER, ...(LAUNCHER === 'local' ? { warmAgents: WARM_AGENTS } : {}), emulator: 'default (v2) mode, in the bench process' },
  metrics: {
    joinedMs: joinedAt - t0,
    firstFrameMs,
    firstFrameAfterSpeechMs: afterSpeechMs,
    pipelineDelayP50Ms: percentile(sorted(total), 50),
    pipelineDelayP95Ms: p95,
    // Both legs cross LiveKit once each: what is left over two one-hop floors is ours (and the SDK's 100 ms blocks).
    pipelineOverTransportP95Ms: p95 - 2 * percentile(sorted(transport), 50),
    speakerToEmulatorP50Ms: percentile(sorted(leg1), 50),
    speakerToEmulatorP95Ms: percentile(sorted(leg1), 95),
    emulatorToListenerP50Ms: percentile(sorted(leg2), 50),
    emulatorToListenerP95Ms: percentile(sorted(leg2), 95),
    utterancesMeasured: total.length,
    lostOrLateMs,
    packetsLost,
    mixerUnderruns: underruns,
    agentCpuPercentPerStream: ((cpuEnd.agent - cpuStart.agent) / wallSeconds / streams) * 100,
    livekitCpuPercentPerStream: ((cpuEnd.livekit - cpuStart.livekit) / wallSeconds / streams) * 100,
  },
  // One hop through LiveKit, speaker to a plain participant: each leg crosses it once.
  baseline: { transportP50Ms: percentile(sorted(transport), 50), transportP95Ms: percentile(sorted(transport), 95), sdkBlockMs: 100 },
  targets: [
    { metric: 'firstFrameMs', label: `room: CreateRoom to first interpreted frame at a listener, speech time excluded (${LAUNCHER === 'dispatch' ? 'warm worker' : WARM_AGENTS > 0 ? 'local launcher, warm agent' : 'local launcher, process started per room'})`, target: '< 1500 ms', value: firstFrameMs, pass: firstFrameMs < 1500 },
    { metric: 'pipelineDelayP95Ms', label: `room: delay our pipeline adds (speaker to emulator + emulator to listener), p95 (${VARIANT})`, target: '< 150 ms', value: p95, pass: p95 < 150 },
    { metric: 'lostOrLate', label: `room: interpreted audio lost or late at listeners within utterances (ms) + mixer underruns (${VARIANT})`, target: '0', value: lostOrLateMs + (Number.isNaN(underruns) ? 0 : underruns), pass: lostOrLateMs === 0 && underruns === 0 },
  ],
});
process.exit(0);

