/**
 * The whole loop, as `npm start` runs it: `interpreter serve` starts the real LiveKit server with
 * its webhooks pointed back at itself; a room created with RoomService gets an agent process
 * through the server's own `room_started`; the agent interprets a German speaker for a French
 * listener; DeleteRoom ends it. Then the README's `speak` / `listen` against the same stack.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/common/wav.ts';
import { envelope, publishRecording } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually } from './livekit.ts';
import { agentLog, audibleMs, captionLanguage, captionsAt, interpretationAt, isFinal, startStack } from './stack.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const stack = await startStack();

describe('npm start: serve, its LiveKit server, an agent per room', () => {
  it('interprets a German speaker for a French listener, attributed to the speaker, and leaves on DeleteRoom', async () => {
    const room = await stack.rooms.createRoom({ name: 'board-e2e' });
    await stack.serve.waitForLog(agentLog('board-e2e', 'agent started'), 'the agent process for board-e2e');
    const listener = await stack.join('listener', room.name, { language: 'fr' });
    const captions = captionsAt(listener);
    await eventually(() => listener.remoteParticipants.has('interpreter'), 'the interpreter in the room', 60_000);
    const french = interpretationAt(listener, 'fr');

    const speaker = await stack.join('speaker', room.name);
    const { samples, sampleRate } = fixture('speech-de.wav');
    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate, { leadingSilenceMs: 300 });
    const { recording } = await french;
    await published.done;
    await eventually(() => audibleMs(recording) >= 1000, 'a second of audible French interpretation at the listener', 30_000);
    await eventually(() => captions.some((c) => isFinal(c) && captionLanguage(c) === 'fr'), 'a final French caption', 30_000);
    const french_ = captions.filter((c) => isFinal(c) && captionLanguage(c) === 'fr');
    expect(french_.every((c) => c.sender === 'speaker' && c.text.length > 0)).toBe(true);
    recording.stop();
    await published.stop();

    await stack.rooms.deleteRoom(room.name);
    const exit = await stack.serve.waitForLog(agentLog('board-e2e', 'exited'), 'the agent process exiting');
    expect(exit).toMatchObject({ code: 0 });
  });

  it('two speakers at once are both heard on the listener\'s track, and both captioned', async () => {
    await stack.rooms.createRoom({ name: 'board-overlap' });
    const listener = await stack.join('listener', 'board-overlap', { language: 'fr' });
    const captions = captionsAt(listener);
    await eventually(() => listener.remoteParticipants.has('interpreter'), 'the interpreter in the room', 60_000);
    const french = interpretationAt(listener, 'fr');
    const [anna, ben] = await Promise.all([stack.join('anna', 'board-overlap'), stack.join('ben', 'board-overlap')]);
    const anna_ = fixture('speech-de.wav');
    const ben_ = fixture('speech-en.wav');
    // Ben starts a second after Anna and talks on after she stops: their speech overlaps, and
    // both interpretations must reach the listener (how the mixer adds overlapping replies is
    // checked sample by sample in test/agent).
    const first = await publishRecording(anna.localParticipant!, anna_.samples, anna_.sampleRate, { leadingSilenceMs: 300 });
    const second = await publishRecording(ben.localParticipant!, ben_.samples, ben_.sampleRate, { leadingSilenceMs: 300 + 1_000 });
    const { recording } = await french;
    await Promise.all([first.done, second.done]);
    await eventually(() => ['anna', 'ben'].every((who) => captions.some((c) => isFinal(c) && c.sender === who && captionLanguage(c) === 'fr')), 'final French captions from both speakers', 30_000);
    // Each reply follows its utterance's loudness: together they are audible for longer than
    // either alone would be.
    const spoken = (audio: { samples: Int16Array; sampleRate: number }) =>
      envelope([{ data: audio.samples, sampleRate: audio.sampleRate, samplesPerChannel: audio.samples.length, channels: 1 } as never], 100).filter((rms) => rms > 300).length * 100;
    const alone = Math.max(spoken(anna_), spoken(ben_));
    await eventually(() => audibleMs(recording) > alone + 1_000, `more than ${alone + 1_000} ms of audible interpretation (have ${audibleMs(recording)})`, 30_000);
    recording.stop();
    await Promise.all([first.stop(), second.stop()]);
    await stack.rooms.deleteRoom('board-overlap');
  });

  it('the README\'s try-it: `interpreter listen` hears and captions what `interpreter speak` says', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'listen-')), 'fr.wav');
    const env = { ...process.env, LIVEKIT_URL: stack.access.url, LIVEKIT_API_KEY: stack.access.apiKey, LIVEKIT_API_SECRET: stack.access.apiSecret };
    const listen = spawn(process.execPath, [bin, 'listen', '--room', 'board-q3', '--language', 'fr', '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let heard = '';
    listen.stdout.on('data', (chunk: Buffer) => (heard += chunk.toString('utf8')));
    const listenDone = new Promise<number | null>((resolve) => listen.on('exit', resolve));
    await eventually(() => heard.includes('listening to board-q3'), 'listen joined');

    const speak = spawn(process.execPath, [bin, 'speak', '--room', 'board-q3', fileURLToPath(new URL('../fixtures/audio/speech-de.wav', import.meta.url))], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    speak.stdout.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    expect(await new Promise((resolve) => speak.on('exit', resolve))).toBe(0);
    expect(said).toMatch(/speaking .* in board-q3 as speaker/);
    await eventually(() => /^speaker: .+/m.test(heard), 'a caption line "speaker: ..." from listen', 30_000);
    // Each "[heard N s]" line is one stretch of sound (it ends at half a second of quiet, so a
    // phrase may come as several): together they are more than a second of French.
    const heardSeconds = () => [...heard.matchAll(/^\[heard (\d+\.\d) s of fr\]/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    await eventually(() => heardSeconds() > 1, 'listen reporting more than a second of heard French', 30_000);

    listen.kill('SIGINT');
    expect(await listenDone).toBe(0);
    expect(existsSync(out)).toBe(true);
    const wav = decodeWav(readFileSync(out));
    let loud = 0;
    for (const sample of wav.samples) if (Math.abs(sample) > 1000) loud++;
    expect(loud / wav.format.sampleRate, 'seconds of loud samples in the recording').toBeGreaterThan(0.2);
    await stack.rooms.deleteRoom('board-q3');
  });

  it('serves the listener app and its token endpoint beside the webhook, and the token joins', async () => {
    const base = `http://127.0.0.1:${stack.serve.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    const answer = await fetch(`${base}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room: 'board-web', identity: 'browser-1', language: 'fr' }) });
    expect(answer.status).toBe(200);
    const { token, url } = (await answer.json()) as { token: string; url: string };
    expect(url).toBe(stack.access.url);
    const { Room } = await import('@livekit/rtc-node');
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    expect(room.localParticipant?.identity).toBe('browser-1');
    expect(room.localParticipant?.attributes.language).toBe('fr');
    await room.disconnect();
    // The interpreter's identity is not for browsers.
    const impostor = await fetch(`${base}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room: 'board-web', identity: 'interpreter' }) });
    expect(impostor.status).toBe(400);
  });
});
