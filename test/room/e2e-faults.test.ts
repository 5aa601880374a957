/**
 * Faults of a real deployment, end to end: the agent process killed mid-meeting, the LiveKit
 * server killed and started again on the same ports (a single node keeps rooms in memory, so the
 * room comes back under a new sid), and launches for one room name racing. Afterwards there is
 * always exactly one interpreter, the listener hears interpretation again, and no Azure session
 * of a departed agent stays open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { publishRecording } from '../../src/local/rtc-audio.ts';
import { startLiveKit } from '../../src/local/livekit-server.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, liveKitBinary } from './livekit.ts';
import { agentLog, audibleMs, interpretationAt, startStack } from './stack.ts';

const stack = await startStack({ livekit: 'test', reconcileSeconds: 2, relaunchSeconds: 5 });
const speech = fixture('speech-de.wav');

async function interpreters(room: string): Promise<number> {
  const participants = await stack.rooms.listParticipants(room).catch(() => []);
  return participants.filter((p) => p.identity === 'interpreter').length;
}

/**
 * The speaker says one utterance; resolves when the listener has heard interpretation of it, with
 * the sid of the track it came on (pass it back to insist on a new agent's track).
 */
async function heardOnce(listener: Awaited<ReturnType<typeof stack.join>>, speaker: Awaited<ReturnType<typeof stack.join>>, which: { notTrack?: string; onlyTrack?: string } = {}): Promise<string> {
  // Speech before the (new) interpreter's track is there would go to nobody: wait for it first.
  const { track, recording } = await interpretationAt(listener, 'fr', which);
  const published = await publishRecording(speaker.localParticipant!, speech.samples, speech.sampleRate, { leadingSilenceMs: 300 });
  await published.done;
  try {
    await eventually(() => audibleMs(recording) >= 1000, 'a second of audible interpretation', 30_000);
  } catch (error) {
    // Which track was heard, against what the listener holds now: a stale track shows here.
    const held = [...listener.remoteParticipants.values()].map((p) => `${p.identity} ${p.sid ?? ''}: ${[...p.trackPublications.values()].map((pub) => `${pub.name ?? ''} ${pub.sid ?? ''}`).join(', ')}`);
    throw new Error(`${error instanceof Error ? error.message : String(error)} on track ${track.sid ?? ''} (${recording.frames.length} frames); the listener holds ${held.join('; ')}`);
  }
  recording.stop();
  await published.stop();
  return track.sid ?? '';
}

describe('faults end to end', () => {
  it('an agent process killed mid-meeting is relaunched by reconcile, and the listener hears it again', async () => {
    await stack.rooms.createRoom({ name: 'board-killed' });
    const started = await stack.serve.waitForLog(agentLog('board-killed', 'agent started'), 'the first agent');
    const listener = await stack.join('listener', 'board-killed', { language: 'fr' });
    const speaker = await stack.join('speaker', 'board-killed');
    await eventually(() => listener.remoteParticipants.has('interpreter'), 'the interpreter in the room', 60_000);
    const before = await heardOnce(listener, speaker);

    process.kill(Number(started.pid), 'SIGKILL');
    await stack.serve.waitForLog((line) => agentLog('board-killed', 'agent started')(line) && line.pid !== started.pid, 'a relaunched agent', 60_000);
    // The dead agent lingers in the room until the server times it out; the new one, joining
    // with the same identity, replaces it: one interpreter, on a new track.
    await heardOnce(listener, speaker, { notTrack: before });
    expect(await interpreters('board-killed')).toBe(1);
    await stack.rooms.deleteRoom('board-killed');
  });

  it('the LiveKit server restarted mid-meeting: one interpreter afterwards, the old one gone with its Azure sessions, the listener hears again', async () => {
    const livekit = stack.livekit!;
    const before = await stack.rooms.createRoom({ name: 'board-restart' });
    const first = await stack.serve.waitForLog(agentLog('board-restart', 'agent started'), 'the first agent');
    const listener = await stack.join('listener', 'board-restart', { language: 'fr' });
    const speaker = await stack.join('speaker', 'board-restart');
    await eventually(() => listener.remoteParticipants.has('interpreter'), 'the interpreter in the room', 60_000);
    const trackBefore = await heardOnce(listener, speaker);
    const openedBefore = stack.emulator.connections.filter((c) => c.closedAt === undefined).map((c) => c.id);
    expect(openedBefore.length).toBeGreaterThan(0);

    // SIGKILL, then the same server again on the same ports: it remembers no room.
    process.kill(livekit.pid, 'SIGKILL');
    await livekit.exited;
    const killedAt = Date.now();
    const restarted = await startLiveKit({ binary: await liveKitBinary(), port: livekit.settings.port, rtcTcpPort: livekit.settings.rtcTcpPort, rtcUdpPort: livekit.settings.rtcUdpPort, webhookUrls: livekit.settings.webhookUrls });
    afterAll(() => restarted.stop(2_000));

    // The clients come back into a room of the same name with a new sid, which gets an agent.
    await eventually(async () => (await stack.rooms.listRooms(['board-restart'])).some((room) => room.sid !== before.sid), 'the room recreated under a new sid', 60_000);
    const second = await stack.serve.waitForLog((line) => agentLog('board-restart', 'agent started')(line) && line.pid !== first.pid, 'an agent for the new sid', 60_000);
    const firstExit = await stack.serve.waitForLog((line) => agentLog('board-restart', 'exited')(line) && line.pid === first.pid, 'the old agent gone', 60_000);
    // The old agent may have rejoined the new room (rtc-node's full reconnect) and republished
    // before it saw the new sid; killed, it stays listed until the new agent, joining under the
    // same identity, replaces it. "One interpreter" means the new agent's, on its own track.
    const secondStartedMs = Date.parse(String(second.time));
    let newTrack = '';
    await eventually(
      async () => {
        const present = (await stack.rooms.listParticipants('board-restart').catch(() => [])).filter((p) => p.identity === 'interpreter');
        const fresh = present.length === 1 && Number(present[0]!.joinedAtMs) >= secondStartedMs ? present[0]! : undefined;
        newTrack = fresh?.tracks.find((t) => t.name === 'interpretation-fr')?.sid ?? '';
        return newTrack !== '' && newTrack !== trackBefore;
      },
      "one interpreter in the room, the new agent's",
      60_000,
    );
    const oneInterpreterMs = Date.now() - killedAt;
    // Every Azure session the old agent had open is closed.
    await eventually(() => openedBefore.every((id) => stack.emulator.connections.find((c) => c.id === id)?.closedAt !== undefined), "the old agent's Azure sessions closed", 30_000);
    await heardOnce(listener, speaker, { onlyTrack: newTrack });
    const hearingAgainMs = Date.now() - killedAt;
    console.log(`livekit restart: one interpreter ${oneInterpreterMs} ms after the kill, interpretation heard again ${hearingAgainMs} ms after (including a 3 s utterance); new agent pid ${String(second.pid)}; the old one exited with ${String(firstExit.signal ?? `code ${String(firstExit.code)}`)}`);
    await stack.rooms.deleteRoom('board-restart');
  });

  it('a room deleted and created again under the same name gets one interpreter, never two', async () => {
    const firstRoom = await stack.rooms.createRoom({ name: 'board-again' });
    const first = await stack.serve.waitForLog(agentLog('board-again', 'agent started'), 'the first agent');
    await stack.rooms.deleteRoom('board-again');
    const secondRoom = await stack.rooms.createRoom({ name: 'board-again' });
    expect(secondRoom.sid).not.toBe(firstRoom.sid);
    const listener = await stack.join('listener', 'board-again', { language: 'fr' });
    await stack.serve.waitForLog((line) => agentLog('board-again', 'agent started')(line) && line.pid !== first.pid, 'an agent for the new sid', 60_000);
    await eventually(async () => (await interpreters('board-again')) === 1 && listener.remoteParticipants.has('interpreter'), 'one interpreter', 60_000);
    const speaker = await stack.join('speaker', 'board-again');
    await heardOnce(listener, speaker);
    expect(await interpreters('board-again')).toBe(1);
    const starts = stack.serve.logs.filter(agentLog('board-again', 'agent started'));
    expect(starts.map((line) => line.sid)).toEqual([firstRoom.sid, secondRoom.sid]);
    await stack.rooms.deleteRoom('board-again');
  });
});
