/**
 * `interpreter translate` under every emulator mode, on the speech fixtures: each utterance's text
 * arrives in every language and its translated speech arrives whole (as long as the utterance:
 * the emulator speaks for exactly as long as the speaker did).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/common/wav.ts';
import { startEmulator, type EmulatorBehaviour } from '../../src/emulator/index.ts';
import { EMULATOR_MODES } from '../emulator/modes.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDirs: string[] = [];
afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

interface Transcript {
  utterances: { offsetMs: number; durationMs: number; translations: Record<string, string>; speechMs: Record<string, number> }[];
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AZURE_SPEECH_')));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/interpreter.js', 'translate', ...args], { cwd: root, env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Translates a fixture; `phrases` is how many utterances the emulator found (every session finds the same). */
async function translateIn(behaviour: EmulatorBehaviour, fixture: string): Promise<{ transcript: Transcript; out: string; phrases: number }> {
  const emulator = await startEmulator({ port: 0, ...behaviour });
  const out = mkdtempSync(join(tmpdir(), 'translate-mode-'));
  outDirs.push(out);
  try {
    const result = await run([`test/fixtures/audio/${fixture}`, '--profile', 'board-meeting', '--out', out, '--speech-endpoint', emulator.url.href]);
    expect(result.code, result.stderr).toBe(0);
    expect(emulator.connections).toHaveLength(3);
  } finally {
    await emulator.close();
  }
  const counts = new Set(emulator.connections.map((c) => c.utterances));
  expect(counts.size).toBe(1);
  return { transcript: JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as Transcript, out, phrases: [...counts][0]! };
}

function expectComplete(transcript: Transcript, utterances: number): void {
  expect(transcript.utterances).toHaveLength(utterances);
  transcript.utterances.forEach((u, i) => {
    // board-meeting: French and German spoken, Japanese as captions.
    for (const language of ['fr', 'de', 'ja']) expect(u.translations[language], `utterance ${i + 1} ${language}`).toMatch(new RegExp(`^\\[${language}\\] utterance \\d+ \\(`));
    for (const language of ['fr', 'de']) {
      expect(Math.abs((u.speechMs[language] ?? 0) - u.durationMs), `utterance ${i + 1} ${language} speech`).toBeLessThan(40);
    }
  });
}

// One at a time: each run is a process with three recognizers, and the machine runs other suites beside it.
const RUN_TIMEOUT_MS = 120_000;

describe('interpreter translate in every emulator mode', () => {
  it.each(EMULATOR_MODES)('$name: the meeting, three utterances, text and speech complete', { timeout: RUN_TIMEOUT_MS }, async ({ behaviour }) => {
    const { transcript, out, phrases } = await translateIn(behaviour, 'meeting.wav');
    expect(phrases).toBe(3);
    expectComplete(transcript, 3);
    const speech = decodeWav(readFileSync(join(out, 'fr.wav')));
    expect(speech.format.sampleRate).toBe(24000);
  });

  it.each(['speech-en.wav', 'speech-de.wav', 'speech-fr.wav'])('default mode: %s, every utterance complete', { timeout: RUN_TIMEOUT_MS }, async (fixture) => {
    const { transcript, phrases } = await translateIn({}, fixture);
    expect(phrases).toBeGreaterThan(0);
    expectComplete(transcript, phrases);
  });
});
