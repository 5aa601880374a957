import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../src/common/wav.ts';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const audio = (name: string) => `test/fixtures/audio/${name}`;
const outDirs: string[] = [];
let emulator: SpeechEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'translate-'));
  outDirs.push(dir);
  return dir;
}

function translate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.AZURE_SPEECH_KEY;
  delete env.AZURE_SPEECH_REGION;
  delete env.AZURE_SPEECH_ENDPOINT;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/interpreter.js', 'translate', ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe('interpreter translate', () => {
  it('interprets a recording with no account, via the built-in emulator, into audible WAVs, captions and a transcript', async () => {
    const out = outDir();
    const result = await translate([audio('meeting.wav'), '--profile', 'board-meeting', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('built-in Speech emulator');
    expect(readdirSync(out).sort()).toEqual(['de.vtt', 'de.wav', 'fr.vtt', 'fr.wav', 'ja.vtt', 'transcript.json']);
    for (const language of ['fr', 'de']) {
      const wav = decodeWav(readFileSync(join(out, `${language}.wav`)));
      expect(wav.format.sampleRate).toBe(24000);
      expect(wav.samples.length / 24000).toBeGreaterThan(12);
      expect(rms(wav.samples)).toBeGreaterThan(500);
    }
    const vtt = readFileSync(join(out, 'ja.vtt'), 'utf8');
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const cues = [...vtt.matchAll(/^(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})\n(.+)$/gm)];
    expect(cues).toHaveLength(3);
    expect(cues[0]![3]).toMatch(/^\[ja\] utterance 1/);
    expect(cues.every((c) => c[1]! < c[2]!)).toBe(true);
    const transcript = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as { utterances: { offsetMs: number; sourceLanguage: string; translations: Record<string, string> }[] };
    expect(transcript.utterances).toHaveLength(3);
    expect(transcript.utterances[1]!.offsetMs).toBeGreaterThan(4000);
    // With candidate languages the service reports the locale it matched (a real v2 capture: "pl-PL").
    expect(transcript.utterances[0]).toMatchObject({ sourceLanguage: 'en-US', translations: { fr: expect.any(String), de: expect.any(String), ja: expect.any(String) } });
  });

  it('uses --speech-endpoint and opens one voiced session per spoken language plus one text-only session', async () => {
    const out = outDir();
    const before = emulator.connections.length;
    const result = await translate([audio('stereo-44k.wav'), '--profile', 'board-meeting', '--out', out, '--speech-endpoint', emulator.url.toString()]);
    expect(result.code).toBe(0);
    const opened = emulator.connections.slice(before).map((c) => `${c.targetLanguages.join(',')}:${c.voice ?? 'none'}`).sort();
    expect(opened).toEqual(['de:de-DE-KatjaNeural', 'fr:fr-FR-HenriNeural', 'ja:none']);
  });

  it.each([
    ['a missing file', ['nope.wav'], /no such file: nope\.wav/],
    ['a file that is not a WAV', [audio('not-a-wav.wav')], /not a WAV file/],
    ['8-bit audio', [audio('pcm8.wav')], /8-bit samples; 16-bit PCM is required/],
  ])('rejects %s with a clear message', async (_name, input, message) => {
    const result = await translate([...input, '--profile', 'board-meeting', '--out', outDir()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the profiles there are when the profile is unknown, and asks for missing arguments', async () => {
    const unknown = await translate([audio('speech-en.wav'), '--profile', 'bored-meeting', '--out', outDir()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no profile named 'bored-meeting'.*board-meeting/);
    const missing = await translate([audio('speech-en.wav'), '--profile', 'board-meeting']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out DIR is required/);
  });
});
