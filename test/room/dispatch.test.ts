/**
 * Explicit dispatch against the real LiveKit server: `interpreter serve --launcher dispatch`
 * answers the server's own `room_started` with CreateDispatch, and real `@livekit/agents` workers
 * (`interpreter worker`) take the job, join as `interpreter` and interpret. Also the server's rules
 * the launcher works around (livekit-server v1.13.5): CreateDispatch recreates a missing room, a
 * dead worker's job is never re-dispatched by the server, and a draining worker takes no jobs.
 */
import { fileURLToPath } from 'node:url';
import { RoomEvent } from '@livekit/rtc-node';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AGENT_IDENTITY, parseDispatchMetadata } from '../../src/common/launch-contract.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { publishRecording } from '../../src/local/rtc-audio.ts';
import { freeTcpPort } from '../../src/local/ports.ts';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { WEBHOOK_CONTENT_TYPE, roomEventBody, signWebhookBody } from '../../src/orchestrator/signing.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, startTestLiveKit } from './livekit.ts';
import { spawnInterpreter, startServe, type InterpreterProcess, type LogLine } from './serve.ts';
import { audibleMs, captionLanguage, captionsAt, interpretationAt, isFinal } from './stack.ts';

const configs = fileURLToPath(new URL('../../configs', import.meta.url));
const emulator = await startEmulator({ detectLanguage: 'de' });
const servePort = await freeTcpPort();
const livekit = await startTestLiveKit({ webhookUrls: [`http://127.0.0.1:${servePort}/webhook`], departureTimeoutSeconds: 20 });
const env: NodeJS.ProcessEnv = {
  LIVEKIT_URL: livekit.url,
  LIVEKIT_API_KEY: livekit.apiKey,
  LIVEKIT_API_SECRET: livekit.apiSecret,
  AZURE_SPEECH_KEY: 'emulator',
  AZURE_SPEECH_ENDPOINT: emulator.url.toString(),
  AZURE_SPEECH_REGION: '',
};
// Reconcile often, and re-dispatch a room 25 s after its last dispatch (ICE timeout plus the
// framework's assignment timeout: sooner would race a job that is still being assigned).
const serve = await startServe(['--launcher', 'dispatch', '--reconcile-seconds', '3', '--relaunch-seconds', '25'], env, servePort);
const dispatches = new AgentDispatchClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);

const workers: InterpreterProcess[] = [];
async function startWorker(drainSeconds = 60, agentName = 'interpreter'): Promise<InterpreterProcess> {
  // Its own process group: killing it "as a crash" must take its job processes too.
  const args = ['worker', '--agent-name', agentName, '--health-port', '0', '--max-rooms', '4', '--idle-processes', '1', '--drain-seconds', String(drainSeconds), '--ignore-cpu', '--profiles', configs];
  const worker = spawnInterpreter(args, env, { detached: true });
  workers.push(worker);
  await worker.waitForLog((line) => line.msg === 'registered worker', 'the worker registered with LiveKit', 60_000);
  return worker;
}
const accepted = (room: string) => (line: LogLine) => typeof line.msg === 'string' && line.msg === `accepted room ${room} (profile board-meeting)`;
/** The worker whose job took `room`. */
async function workerOf(room: string): Promise<InterpreterProcess> {
  await eventually(() => workers.some((w) => w.logs.some(accepted(room))), `a worker accepting ${room}`, 60_000);
  return workers.find((w) => w.logs.some(accepted(room)))!;
}
function killGroup(worker: InterpreterProcess): void {
  try {
    process.kill(-worker.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}
afterAll(async () => {
  for (const worker of workers) {
    if (worker.child.exitCode === null) worker.child.kill('SIGTERM');
  }
  await Promise.all(workers.map((w) => w.stop()));
  workers.forEach(killGroup);
  await emulator.close();
});
afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const [index, worker] of workers.entries()) {
    const lines = worker.logs.slice(-40).map((line) => JSON.stringify(line).slice(0, 300));
    process.stderr.write(`\n--- worker ${index} log (last 40 lines) for "${context.task.name}" ---\n${lines.join('\n')}\n${worker.text().slice(-2000)}\n`);
  }
  process.stderr.write(`\n--- serve log (last 40 lines) ---\n${serve.logs.slice(-40).map((line) => JSON.stringify(line).slice(0, 300)).join('\n')}\n`);
});
await startWorker();

async function postWebhook(body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(serve.webhookUrl, { method: 'POST', headers: { 'content-type': WEBHOOK_CONTENT_TYPE, authorization: await signWebhookBody(body, livekit.apiKey, livekit.apiSecret) }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const ourDispatches = async (room: string) => (await dispatches.listDispatch(room)).filter((d) => d.agentName === 'interpreter');

async function speakAndHearFrench(room: string, who: string): Promise<void> {
  const listener = await livekit.join(`listener-${who}`, room, { attributes: { language: 'fr' } });
  const captions = captionsAt(listener);
  await eventually(() => listener.remoteParticipants.has(AGENT_IDENTITY), `the interpreter in ${room}`, 60_000);
  const french = interpretationAt(listener, 'fr');
  const speaker = await livekit.join(who, room);
  const { samples, sampleRate } = fixture('speech-de.wav');
  const published = await publishRecording(speaker.localParticipant!, samples, sampleRate, { leadingSilenceMs: 300 });
  const { recording } = await french;
  await published.done;
  await eventually(() => captions.some((c) => isFinal(c) && captionLanguage(c) === 'fr' && c.sender === who), `a final French caption of ${who}`, 30_000);
  await eventually(() => audibleMs(recording) >= 1000, 'a second of audible French interpretation', 30_000);
  recording.stop();
  await published.stop();
  await Promise.all([listener.disconnect(), speaker.disconnect()]);
}

describe('explicit dispatch to interpreter workers', () => {
  it('the webhook handler dispatches the room; a worker joins as interpreter and interprets a speaker for a listener', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-dispatch' });
    await workerOf('board-dispatch');
    await speakAndHearFrench('board-dispatch', 'anna');
    const listed = await ourDispatches('board-dispatch');
    expect(listed).toHaveLength(1);
    expect(parseDispatchMetadata(listed[0]!.metadata)).toMatchObject({ profile: 'board-meeting', roomSid: room.sid });
    await livekit.rooms.deleteRoom('board-dispatch');
  });

  it('20 concurrent room_started deliveries (distinct event ids) and a redelivery make one dispatch', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-burst' });
    const bodies = Array.from({ length: 20 }, () => roomEventBody({ event: 'room_started', room: room.name, sid: room.sid }));
    const answers = await Promise.all([...bodies, bodies[0]!].map(postWebhook));
    expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
    // 21 distinct events about this sid reach the launch claim (20 of ours, the server's own): one wins.
    const outcomes = () => serve.logs.filter((l) => l.room === 'board-burst' && (l.msg === 'agent duplicate' || l.msg === 'agent launched'));
    await eventually(() => outcomes().length >= 21, 'every delivery of room_started handled', 30_000);
    expect(outcomes().filter((l) => l.msg === 'agent launched')).toHaveLength(1);
    await workerOf('board-burst');
    const interpreters = async () => (await livekit.rooms.listParticipants('board-burst')).filter((p) => p.identity === AGENT_IDENTITY).length;
    await eventually(async () => (await interpreters()) === 1, 'the interpreter in the room', 60_000);
    expect(await ourDispatches('board-burst')).toHaveLength(1);
    await livekit.rooms.deleteRoom('board-burst');
  });

  it('a room_started replayed after the room finished makes no dispatch and does not recreate the room', async () => {
    const room = await livekit.rooms.createRoom({ name: 'board-replay' });
    await workerOf('board-replay');
    await livekit.rooms.deleteRoom('board-replay');
    await serve.waitForLog((l) => l.room === 'board-replay' && l.msg === 'room finished', 'room_finished handled');
    const replay = await postWebhook(roomEventBody({ event: 'room_started', room: room.name, sid: room.sid }));
    expect(replay.body).toMatchObject({ action: 'duplicate' });
    // A launcher that has lost its ledger (a new process) still does not resurrect it: ListRooms first.
    const fresh = new DispatchLauncher({ livekit: { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret }, logger: pino({ level: 'silent' }) });
    expect(await fresh.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g9` })).toEqual({ status: 'already-running' });
    expect(await livekit.rooms.listRooms(['board-replay'])).toHaveLength(0);
  });

  it('CreateDispatch for a missing room creates it (the server rule); that room_started is not answered with another dispatch, and workers decline its job', async () => {
    // What a dispatch racing a room's end does: the server creates the room again under a new sid.
    const ghost = await dispatches.createDispatch('board-ghost', 'interpreter', { metadata: JSON.stringify({ profile: 'board-meeting', roomSid: 'RM_endedEarlier' }) });
    const [created] = await livekit.rooms.listRooms(['board-ghost']);
    expect(created?.sid).toMatch(/^RM_/);
    await serve.waitForLog((l) => l.room === 'board-ghost' && l.msg === 'room was created by a dispatch for an earlier sid; not dispatching', 'serve recognising the dispatch-made room', 30_000);
    await eventually(() => workers.some((w) => w.logs.some((l) => l.room === 'board-ghost' && typeof l.msg === 'string' && l.msg.startsWith('declined room board-ghost'))), 'a worker declining the job', 30_000);
    expect((await ourDispatches('board-ghost')).map((d) => d.id)).toEqual([ghost.id]);
    expect((await livekit.rooms.listParticipants('board-ghost')).some((p) => p.identity === AGENT_IDENTITY)).toBe(false);
    await livekit.rooms.deleteRoom('board-ghost');
  });

  it('a worker killed mid-meeting: the server does not re-dispatch; reconcile does, and another worker interprets the room', async () => {
    await startWorker();
    const room = await livekit.rooms.createRoom({ name: 'board-killed' });
    const victim = await workerOf('board-killed');
    const [first] = await ourDispatches('board-killed');
    const watcher = await livekit.join('watcher', 'board-killed');
    await eventually(() => watcher.remoteParticipants.has(AGENT_IDENTITY), 'the interpreter in the room');
    const left = new Promise<void>((resolve) => watcher.on(RoomEvent.ParticipantDisconnected, (p) => p.identity === AGENT_IDENTITY && resolve()));
    killGroup(victim);
    await left;
    await serve.waitForLog((l) => typeof l.reconcile === 'object' && l.reconcile !== null && (l.reconcile as { launched: string[] }).launched.includes('board-killed'), 'reconcile re-dispatching the room', 90_000);
    const now = await ourDispatches('board-killed');
    expect(now.map((d) => d.id)).not.toContain(first!.id);
    expect(now).toHaveLength(1);
    await eventually(() => workers.some((w) => w !== victim && w.logs.some(accepted('board-killed'))), 'a surviving worker accepting the room', 60_000);
    await speakAndHearFrench(room.name, 'ben');
    await watcher.disconnect();
    await livekit.rooms.deleteRoom('board-killed');
  });

  it('SIGTERM drains: no new rooms for that worker, its room goes on, and it leaves at the drain deadline', async () => {
    // Workers of their own agent name, dispatched to directly, in rooms no profile matches (so
    // serve's own dispatch stays out): which worker gets which room is then no coin toss.
    const drainEnv = { agentName: 'interpreter-drain' };
    const draining = await startWorker(40, drainEnv.agentName);
    const launcher = new DispatchLauncher({ livekit: { url: livekit.url, apiKey: livekit.apiKey, apiSecret: livekit.apiSecret }, logger: pino({ level: 'silent' }), ...drainEnv });
    const dispatchTo = async (name: string) => {
      const room = await livekit.rooms.createRoom({ name });
      expect(await launcher.launch({ room: name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` })).toMatchObject({ status: 'launched' });
    };
    await dispatchTo('solo-drain');
    expect(await workerOf('solo-drain')).toBe(draining);
    const watcher = await livekit.join('drain-watcher', 'solo-drain');
    await eventually(() => watcher.remoteParticipants.has(AGENT_IDENTITY), 'the interpreter in the room');
    const left = new Promise<void>((resolve) => watcher.on(RoomEvent.ParticipantDisconnected, (p) => p.identity === AGENT_IDENTITY && resolve()));
    draining.child.kill('SIGTERM');
    await draining.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('draining: no new rooms'), 'the worker draining');

    // The drained room is still interpreted until the deadline.
    await speakAndHearFrench('solo-drain', 'clara');
    // A room dispatched now goes to the other worker of that name: the draining one reports itself full.
    const other = await startWorker(60, drainEnv.agentName);
    await dispatchTo('solo-after-drain');
    expect(await workerOf('solo-after-drain')).toBe(other);
    await left;
    expect(await draining.stop()).toBe(0);
    expect(draining.logs.some((l) => l.msg === 'drain deadline reached: asking the remaining rooms to leave')).toBe(true);
    expect(draining.logs.some(accepted('solo-after-drain'))).toBe(false);
    await watcher.disconnect();
    await Promise.all([livekit.rooms.deleteRoom('solo-drain'), livekit.rooms.deleteRoom('solo-after-drain')]);
  });
});
