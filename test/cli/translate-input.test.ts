/**
 * What `interpreter translate` reads: 16/24/32-bit integer PCM, 32-bit float, each also as
 * WAVE_FORMAT_EXTENSIBLE, and a truncated file as far as it goes, with a warning saying what is
 * missing. Unit tests of `readWavInput`, then the command on such files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WavError, decodeWav, readWavInput } from '../../src/common/wav.ts';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const speech = decodeWav(readFileSync(join(root, 'test/fixtures/audio/speech-en.wav')));
const dir = mkdtempSync(join(tmpdir(), 'translate-input-'));
let emulator: SpeechEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

type Encoding = { tag: 1 | 3; bits: 16 | 24 | 32; extensible?: boolean };

/** A WAV of `samples` (16-bit values) stored in another encoding, as sox or a DAW would write it. */
function wavOf(samples: Int16Array, rate: number, channels: number, encoding: Encoding, declaredData?: number): Buffer {
  const bytes = encoding.bits / 8;
  const data = Buffer.alloc(samples.length * bytes);
  samples.forEach((sample, i) => {
    if (encoding.tag === 3) data.writeFloatLE(sample / 32768, i * 4);
    else if (encoding.bits === 16) data.writeInt16LE(sample, i * 2);
    else if (encoding.bits === 24) data.writeIntLE(sample * 256 + 0x55, i * 3, 3);
    else data.writeInt32LE(sample * 65536 + 0x1234, i * 4);
  });
  const fmtSize = encoding.extensible ? 40 : 16;
  const fmt = Buffer.alloc(fmtSize);
  fmt.writeUInt16LE(encoding.extensible ? 0xfffe : encoding.tag, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate, 4);
  fmt.writeUInt32LE(rate * channels * bytes, 8);
  fmt.writeUInt16LE(channels * bytes, 12);
  fmt.writeUInt16LE(encoding.bits, 14);
  if (encoding.extensible) {
    fmt.writeUInt16LE(22, 16); // cbSize
    fmt.writeUInt16LE(encoding.bits, 18); // valid bits
    fmt.writeUInt32LE(channels === 1 ? 4 : 3, 20); // channel mask
    // Sub-format GUID: the format tag, then the fixed tail 00000000-0010-0080-00AA00389B71.
    Buffer.from([encoding.tag, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]).copy(fmt, 24);
  }
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(4 + 8 + fmtSize + 8 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  const chunk = (id: string, size: number) => {
    const c = Buffer.alloc(8);
    c.write(id, 0, 'ascii');
    c.writeUInt32LE(size, 4);
    return c;
  };
  return Buffer.concat([header, chunk('fmt ', fmtSize), fmt, chunk('data', declaredData ?? data.length), data]);
}

const ramp = Int16Array.from({ length: 480 }, (_, i) => Math.round(Math.sin(i / 7) * 20000));

describe('readWavInput', () => {
  it.each<[string, Encoding]>([
    ['16-bit PCM', { tag: 1, bits: 16 }],
    ['24-bit PCM', { tag: 1, bits: 24 }],
    ['32-bit PCM', { tag: 1, bits: 32 }],
    ['32-bit float', { tag: 3, bits: 32 }],
    ['24-bit PCM, WAVE_FORMAT_EXTENSIBLE', { tag: 1, bits: 24, extensible: true }],
    ['32-bit float, WAVE_FORMAT_EXTENSIBLE', { tag: 3, bits: 32, extensible: true }],
  ])('reads %s as the same 16-bit samples', (_name, encoding) => {
    const input = readWavInput(wavOf(ramp, 16000, 2, encoding));
    expect(input.format).toMatchObject({ sampleRate: 16000, channels: 2, bitsPerSample: encoding.bits, formatTag: encoding.tag });
    expect(input.truncated).toBeUndefined();
    expect(input.samples).toHaveLength(ramp.length);
    // Integer formats keep their top 16 bits exactly; float is within one step.
    for (let i = 0; i < ramp.length; i++) expect(Math.abs(input.samples[i]! - ramp[i]!)).toBeLessThanOrEqual(encoding.tag === 3 ? 1 : 0);
  });

  it('clamps float samples beyond full scale', () => {
    const file = wavOf(new Int16Array(4), 16000, 1, { tag: 3, bits: 32 });
    file.writeFloatLE(1.5, file.length - 16);
    file.writeFloatLE(-7, file.length - 12);
    expect(Array.from(readWavInput(file).samples)).toEqual([32767, -32767, 0, 0]);
  });

  it('reads a file cut inside its data as far as it goes, and says how much is missing', () => {
    const whole = wavOf(ramp, 16000, 1, { tag: 1, bits: 24 });
    const cut = whole.subarray(0, whole.length - 301);
    const input = readWavInput(cut, 'meeting.wav');
    expect(input.samples).toHaveLength(Math.floor((ramp.length * 3 - 301) / 3));
    expect(input.truncated).toMatch(/^meeting\.wav is truncated: its data chunk declares 1440 bytes \(0\.0 s\) but the file holds 1139 .* missing$/);
  });

  it('refuses a file that ends before its audio, 8-bit audio and other encodings, with what to do', () => {
    const whole = wavOf(ramp, 16000, 1, { tag: 1, bits: 16 });
    expect(() => readWavInput(whole.subarray(0, 30), 'cut.wav')).toThrow(/cut\.wav is truncated: it ends before its audio/);
    const eightBit = wavOf(ramp, 16000, 1, { tag: 1, bits: 16 });
    eightBit.writeUInt16LE(8, 34);
    expect(() => readWavInput(eightBit)).toThrow(/8-bit samples; 16-bit PCM is required/);
    const alaw = wavOf(ramp, 16000, 1, { tag: 1, bits: 16 });
    alaw.writeUInt16LE(6, 20);
    expect(() => readWavInput(alaw)).toThrow(WavError);
  });
});

function translate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/interpreter.js', 'translate', ...args, '--speech-endpoint', emulator.url.toString()], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function utterances(out: string): number {
  return (JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as { utterances: unknown[] }).utterances.length;
}

describe('interpreter translate on other encodings and truncated files', () => {
  it.each<[string, Encoding]>([
    ['32-bit float', { tag: 3, bits: 32 }],
    ['24-bit PCM (WAVE_FORMAT_EXTENSIBLE)', { tag: 1, bits: 24, extensible: true }],
    ['32-bit PCM', { tag: 1, bits: 32 }],
  ])('interprets a %s recording', async (name, encoding) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.wav`);
    writeFileSync(file, wavOf(speech.samples, speech.format.sampleRate, speech.format.channels, encoding));
    const out = join(dir, `out-${name.replace(/\W+/g, '-')}`);
    const result = await translate([file, '--profile', 'board-meeting', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/warning/);
    expect(utterances(out)).toBeGreaterThan(0);
  });

  it('interprets a truncated recording as far as it goes, with a warning naming what is missing', async () => {
    const whole = wavOf(speech.samples, speech.format.sampleRate, speech.format.channels, { tag: 1, bits: 16 });
    const file = join(dir, 'truncated.wav');
    writeFileSync(file, whole.subarray(0, 44 + Math.floor((whole.length - 44) * 0.7)));
    const out = join(dir, 'out-truncated');
    const result = await translate([file, '--profile', 'board-meeting', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: truncated\.wav is truncated: its data chunk declares \d+ bytes \([\d.]+ s\) but the file holds \d+ \([\d.]+ s\); the last [\d.]+ s are missing; translating what is there/);
    expect(utterances(out)).toBeGreaterThan(0);
  });
});
