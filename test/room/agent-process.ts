/**
 * The real interpreter agent (`interpreter agent`) as a child process for one room, with the
 * Speech emulator standing in for Azure and the room tests' profile. Call it inside a test: it is
 * killed when that test finishes, if it has not exited by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { SpeechEmulator } from '../../src/emulator/index.ts';
import type { TestLiveKit } from './livekit.ts';

const bin = fileURLToPath(new URL('../../bin/interpreter.js', import.meta.url));
const profiles = fileURLToPath(new URL('../fixtures/room-profiles', import.meta.url));

export interface AgentProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
}

export function startAgent(livekit: TestLiveKit, emulator: SpeechEmulator, room: string, profile = 'room-test', env: NodeJS.ProcessEnv = {}): AgentProcess {
  const child = spawn(process.execPath, [bin, 'agent'], {
    env: {
      ...process.env,
      INTERPRETER_ROOM: room,
      INTERPRETER_PROFILE: profile,
      INTERPRETER_PROFILES: profiles,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      AZURE_SPEECH_KEY: 'emulator',
      AZURE_SPEECH_ENDPOINT: emulator.url.toString(),
      AZURE_SPEECH_REGION: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => output };
}
