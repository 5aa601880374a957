/**
 * Two LiveKit nodes sharing one Redis (Debian's `redis-server`), as production runs them: a room
 * created while only node B runs is interpreted by a worker registered at node A, started
 * afterwards. Room placement is random across nodes, so the room is made first, on B alone. The
 * dispatch goes through A's API (where the webhook handler points); the server routes it over Redis.
 * LiveKit Cloud's own dispatch cannot be tested here (docs/deploy.md).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_IDENTITY } from '../../src/common/launch-contract.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { freeTcpPort } from '../../src/local/ports.ts';
import { publishRecording } from '../../src/local/rtc-audio.ts';
import { DispatchLauncher } from '../../src/orchestrator/dispatch-launcher.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, startTestLiveKit } from './livekit.ts';
import { spawnInterpreter } from './serve.ts';
import { captionLanguage, captionsAt, isFinal } from './stack.ts';

const configs = fileURLToPath(new URL('../../configs', import.meta.url));
const redisPort = await freeTcpPort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
afterAll(() => {
  redis.kill('SIGKILL');
});
await new Promise<void>((resolve, reject) => {
  let output = '';
  redis.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('Ready to accept connections')) resolve();
  });
  redis.once('error', (error) => reject(new Error(`redis-server did not start (Debian: apt-get install redis-server): ${error.message}`)));
  redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
});
const redisAddress = `127.0.0.1:${redisPort}`;
const emulator = await startEmulator({ detectLanguage: 'de' });
afterAll(() => emulator.close());

describe('two LiveKit nodes sharing Redis', () => {
  it('a room created on node B alone is interpreted by a worker registered at node A, started afterwards', async () => {
    const nodeB = await startTestLiveKit({ redisAddress });
    const room = await nodeB.rooms.createRoom({ name: 'board-two-nodes', emptyTimeout: 120 });
    const nodeA = await startTestLiveKit({ redisAddress });
    // Both nodes see the room: it lives in Redis, on B.
    expect((await nodeA.rooms.listRooms(['board-two-nodes'])).map((r) => r.sid)).toEqual([room.sid]);

    const worker = spawnInterpreter(['worker', '--health-port', '0', '--ignore-cpu', '--idle-processes', '1', '--profiles', configs], {
      LIVEKIT_URL: nodeA.url,
      LIVEKIT_API_KEY: nodeA.apiKey,
      LIVEKIT_API_SECRET: nodeA.apiSecret,
      AZURE_SPEECH_KEY: 'emulator',
      AZURE_SPEECH_ENDPOINT: emulator.url.toString(),
      AZURE_SPEECH_REGION: '',
    }, { detached: true });
    afterAll(async () => {
      await worker.stop();
      try {
        process.kill(-worker.child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    });
    await worker.waitForLog((line) => line.msg === 'registered worker', 'the worker registered at node A', 60_000);

    const launcher = new DispatchLauncher({ livekit: { url: nodeA.url, apiKey: nodeA.apiKey, apiSecret: nodeA.apiSecret }, logger: pino({ level: 'silent' }) });
    expect(await launcher.launch({ room: room.name, roomSid: room.sid, profile: 'board-meeting', launchId: `${room.sid}-g1` })).toMatchObject({ status: 'launched' });
    await worker.waitForLog((line) => line.msg === 'accepted room board-two-nodes (profile board-meeting)', 'the worker at A accepting the room on B', 60_000);

    // People connect to node B, where the room is.
    const listener = await nodeB.join('listener', room.name, { attributes: { language: 'fr' } });
    const captions = captionsAt(listener);
    await eventually(() => listener.remoteParticipants.has(AGENT_IDENTITY), 'the interpreter in the room', 60_000);
    const speaker = await nodeB.join('speaker', room.name);
    const { samples, sampleRate } = fixture('speech-de.wav');
    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate, { leadingSilenceMs: 300 });
    await published.done;
    await eventually(() => captions.some((c) => isFinal(c) && captionLanguage(c) === 'fr' && c.sender === 'speaker'), 'a final French caption of the speaker', 30_000);
    await published.stop();
    await nodeB.rooms.deleteRoom(room.name);
  });
});
