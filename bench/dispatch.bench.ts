/**
 * Time to interpreter with explicit dispatch, against the real LiveKit server and a real
 * `interpreter worker` (run it inside the WebRTC namespace: `scripts/netns.sh npm run bench
 * dispatch`). Measured from CreateRoom to the interpreter listed in the room, for rooms that find a
 * warm job process, against the floor of a plain rtc-node participant joining a new room (what any
 * agent must at least spend); then CreateRoom to the first interpreted frame at a listener while a
 * speaker talks from the start; then a burst of 20 rooms at once: CreateRoom to job accepted.
 * The dispatch is what the webhook handler does (DispatchLauncher); verifying the webhook itself is
 * the webhook benchmark's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AgentDispatchClient, ParticipantInfo, ParticipantInfo_State, RoomServiceClient } from 'livekit-server-sdk';
import { pino } from 'pino';
import { decodeWav } from '../src/common/wav.ts';
import { startEmulator } from '../src/emulator/index.ts';
import { resolveLiveKitServer } from '../src/local/livekit-binary.ts';
import { startLiveKit } from '../src/local/livekit-server.ts';
import { joinAsParticipant } from '../src/local/participant.ts';
import { envelope, publishRecording, recordTrack } from '../src/local/rtc-audio.ts';
import { DispatchLauncher } from '../src/orchestrator/dispatch-launcher.ts';
import { percentile, writeResult } from './report.ts';
import { readFileSync } from 'node:fs';
import { TrackKind, RoomEvent, type RemoteTrack } from '@livekit/rtc-node';

const ROOMS = Number(process.env.BENCH_DISPATCH_ROOMS ?? 10);
const BURST = Number(process.env.BENCH_DISPATCH_BURST ?? 20);
const root = fileURLToPath(new URL('../', import.meta.url));

const livekit = await startLiveKit({ binary: (await resolveLiveKitServer()).path, logLevel: 'warn' });
const emulator = await startEmulator({ detectLanguage: 'de' });
const access = { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret };
const rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
const launcher = new DispatchLauncher({ livekit: access, logger: pino({ level: 'silent' }) });
const now = () => performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One worker, CPU left out of its load (this machine also runs the server and the bench), room
// limit above the burst so the burst measures dispatch, not the limit.
const acceptedAt = new Map<string, number>();
let registered: () => void = () => undefined;
const ready = new Promise<void>((resolve) => (registered = resolve));
const worker: ChildProcess = spawn(process.execPath, [`${root}bin/interpreter.js`, 'worker', '--health-port', '0', '--ignore-cpu', '--max-rooms', String(BURST + 2), '--idle-processes', '2', '--profiles', `${root}configs`], {
  env: { ...process.env, LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret, AZURE_SPEECH_KEY: 'emulator', AZURE_SPEECH_ENDPOINT: emulator.url.toString(), AZURE_SPEECH_REGION: '', LOG_FORMAT: 'json' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
createInterface({ input: worker.stdout! }).on('line', (line) => {
  if (line.includes('"registered worker"')) registered();
  const accepted = /"msg":"accepted room ([^ ]+) /.exec(line);
  if (accepted?.[1]) acceptedAt.set(accepted[1], now());
});
let bareRegistered: () => void = () => undefined;
const bareReady = new Promise<void>((resolve) => (bareRegistered = resolve));
const bare: ChildProcess = spawn(process.execPath, ['--import', 'tsx', `${root}bench/lib/bare-worker.ts`], {
  env: { ...process.env, LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
createInterface({ input: bare.stdout! }).on('line', (line) => {
  if (line.includes('"registered worker"')) bareRegistered();
});
await Promise.all([ready, bareReady]);
await sleep(5_000); // the warm processes finish prewarming

/** Waits for the interpreter to be listed in the room (signalling joined), or to be ACTIVE (its media connected). */
async function interpreterIn(room: string, state: 'listed' | 'active' = 'listed', timeoutMs = 60_000): Promise<void> {
  const deadline = now() + timeoutMs;
  const there = (p: ParticipantInfo) => p.identity === 'interpreter' && (state === 'listed' || p.state === ParticipantInfo_State.ACTIVE);
  while (!(await rooms.listParticipants(room)).some(there)) {
    if (now() > deadline) throw new Error(`no interpreter ${state} in ${room}`);
    await sleep(10);
  }
}

/** Where the time goes, per room: CreateRoom, the launcher's calls, the worker's accept, the join. */
const legs = { created: [] as number[], dispatched: [] as number[], accepted: [] as number[], active: [] as number[] };

async function dispatchRoom(name: string): Promise<number> {
  const start = now();
  const room = await rooms.createRoom({ name, emptyTimeout: 30 });
  const created = now();
  await launcher.launch({ room: name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
  const dispatched = now();
  await interpreterIn(name);
  const end = now();
  await interpreterIn(name, 'active');
  legs.active.push(now() - start);
  legs.created.push(created - start);
  legs.dispatched.push(dispatched - created);
  const accepted = acceptedAt.get(name);
  if (accepted !== undefined) legs.accepted.push(accepted - dispatched);
  return end - start;
}

// Floor of a dispatch: the same path with a bare agents-js worker (bench/lib/bare-worker.ts) that
// accepts at once and only joins. The server's own share is in it: it waits 200 ms after the first
// worker's claim for better ones (psrpc v0.7.2 DefaultAffinityShortCircuit, pkg/client/rpc.go
// selectServer; livekit-server's JobRequest has affinity on).
const dispatchFloor = { listed: [] as number[], active: [] as number[] };
const bareDispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
for (let i = 0; i < ROOMS; i += 1) {
  const name = `floor-dispatch-${i}`;
  const start = now();
  await rooms.createRoom({ name, emptyTimeout: 30 });
  await bareDispatches.createDispatch(name, 'bare');
  const deadline = now() + 60_000;
  let listed: number | undefined;
  for (;;) {
    const bareOne = (await rooms.listParticipants(name)).find((p) => p.identity === 'bare');
    if (bareOne && listed === undefined) listed = now() - start;
    if (bareOne?.state === ParticipantInfo_State.ACTIVE) break;
    if (now() > deadline) throw new Error(`bare worker never joined ${name}`);
    await sleep(10);
  }
  dispatchFloor.listed.push(listed!);
  dispatchFloor.active.push(now() - start);
  await rooms.deleteRoom(name);
  await sleep(3_000); // the framework replaces the used warm process
}

// Floor: a plain participant joining a new room, listed by the server.
const floor: number[] = [];
for (let i = 0; i < ROOMS; i += 1) {
  const start = now();
  await rooms.createRoom({ name: `floor-${i}` });
  const participant = await joinAsParticipant(access, 'plain', `floor-${i}`);
  floor.push(now() - start);
  await participant.disconnect();
  await rooms.deleteRoom(`floor-${i}`);
}

const joined: number[] = [];
for (let i = 0; i < ROOMS; i += 1) {
  joined.push(await dispatchRoom(`board-bench-${i}`));
  await rooms.deleteRoom(`board-bench-${i}`);
  await sleep(3_000); // the framework replaces the used warm process
}

// CreateRoom to the first interpreted frame at a listener, a speaker talking from the start.
const wav = decodeWav(readFileSync(`${root}test/fixtures/audio/speech-de.wav`));
const firstFrame = await (async () => {
  const start = now();
  const room = await rooms.createRoom({ name: 'board-bench-frame', emptyTimeout: 30 });
  await launcher.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
  const listener = await joinAsParticipant(access, 'listener', room.name, { attributes: { language: 'fr' } });
  const track = new Promise<RemoteTrack>((resolve) =>
    listener.on(RoomEvent.TrackSubscribed, (t, publication, participant) => {
      if (t.kind === TrackKind.KIND_AUDIO && participant.identity === 'interpreter' && publication.name === 'interpretation-fr') resolve(t);
    }),
  );
  const speaker = await joinAsParticipant(access, 'speaker', room.name);
  // The speaker talks from the start and goes on (the recording three times): whatever the
  // interpreter joins in time to hear is interpreted, as in a meeting that starts at once.
  const talk = new Int16Array(wav.samples.length * 3);
  for (let i = 0; i < 3; i += 1) talk.set(wav.samples, i * wav.samples.length);
  const published = await publishRecording(speaker.localParticipant!, talk, wav.format.sampleRate);
  const spokenFor = wav.samples.length / wav.format.sampleRate;
  const recording = recordTrack(await track, 16_000);
  const deadline = now() + 60_000;
  while (!envelope(recording.frames, 20).some((rms) => rms > 300)) {
    if (now() > deadline) throw new Error('no interpreted audio');
    await sleep(5);
  }
  const ms = now() - start;
  recording.stop();
  await published.stop();
  await Promise.all([listener.disconnect(), speaker.disconnect()]);
  await rooms.deleteRoom(room.name);
  return { ms, spokenFor };
})();

// Burst: 20 rooms at once, CreateRoom to the worker's accept.
await sleep(3_000);
const burstStart = new Map<string, number>();
await Promise.all(
  Array.from({ length: BURST }, async (_, i) => {
    const name = `board-burst-${i}`;
    burstStart.set(name, now());
    const room = await rooms.createRoom({ name, emptyTimeout: 30 });
    await launcher.launch({ room: name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` });
  }),
);
const burstDeadline = now() + 60_000;
while (acceptedAt.size < ROOMS + 1 + BURST && now() < burstDeadline) await sleep(20);
const burst = [...burstStart].flatMap(([name, start]) => (acceptedAt.has(name) ? [acceptedAt.get(name)! - start] : []));
await Promise.allSettled([...burstStart.keys()].map((name) => rooms.deleteRoom(name)));

try {
  process.kill(-worker.pid!, 'SIGKILL');
} catch {
  // gone
}
try {
  process.kill(-bare.pid!, 'SIGKILL');
} catch {
  // gone
}
await emulator.close();
await livekit.stop(2_000);

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const p95 = percentile(sorted(joined), 95);
writeResult({
  name: 'dispatch',
  params: { rooms: ROOMS, burst: BURST, idleProcesses: 2, profile: 'board-meeting', capacityRoomsPerWorkerThisMachine: 6 },
  metrics: {
    joinedP50Ms: percentile(sorted(joined), 50),
    joinedP95Ms: p95,
    activeP50Ms: percentile(sorted(legs.active), 50),
    activeP95Ms: percentile(sorted(legs.active), 95),
    createRoomP50Ms: percentile(sorted(legs.created), 50),
    launcherP50Ms: percentile(sorted(legs.dispatched), 50),
    dispatchToAcceptP50Ms: percentile(sorted(legs.accepted), 50),
    firstFrameMs: firstFrame.ms,
    firstFrameSentenceSeconds: firstFrame.spokenFor,
    burstAccepted: burst.length,
    burstAcceptP50Ms: percentile(sorted(burst), 50),
    burstAcceptMaxMs: Math.max(...burst),
  },
  baseline: {
    bareDispatchJoinedP50Ms: percentile(sorted(dispatchFloor.listed), 50),
    bareDispatchJoinedP95Ms: percentile(sorted(dispatchFloor.listed), 95),
    bareDispatchActiveP50Ms: percentile(sorted(dispatchFloor.active), 50),
    serverClaimWaitMs: 200,
    plainJoinP50Ms: percentile(sorted(floor), 50), plainJoinP95Ms: percentile(sorted(floor), 95) },
  targets: [
    { metric: 'joinedP95Ms', label: 'dispatch: CreateRoom to interpreter joined, warm process, p95', target: '< 500 ms', value: p95, pass: p95 < 500 },
    { metric: 'burstAccepted', label: `dispatch: rooms of a burst of ${BURST} accepted by one worker`, target: `${BURST}`, value: burst.length, pass: burst.length === BURST },
  ],
});
process.exit(0);
