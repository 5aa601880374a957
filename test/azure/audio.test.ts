import { readFileSync } from 'node:fs';
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { BlockWriter, InputAudioConverter } from '../../src/azure/audio-input.ts';
import { SynthesisDecoder } from '../../src/azure/synthesis-decoder.ts';
import { decodeWav, encodeWav, wavHeader } from '../../src/common/wav.ts';

const speech = decodeWav(readFileSync(new URL('../fixtures/audio/speech-en.wav', import.meta.url)));

function tone(sampleRate: number, ms: number, hz = 440): Int16Array {
  const n = (sampleRate * ms) / 1000;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return out;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe('InputAudioConverter', () => {
  it('downmixes 48 kHz stereo to 16 kHz mono, keeping duration and level', () => {
    const mono48 = tone(48000, 1000);
    const stereo = new Int16Array(mono48.length * 2);
    for (let i = 0; i < mono48.length; i++) {
      stereo[2 * i] = mono48[i] as number;
      stereo[2 * i + 1] = mono48[i] as number;
    }
    const converter = new InputAudioConverter();
    const out: Int16Array[] = [];
    for (let i = 0; i < 100; i++) {
      const chunk = stereo.slice(i * 960, (i + 1) * 960);
      out.push(converter.convert(new AudioFrame(chunk, 48000, 2, 480)));
    }
    converter.close();
    const total = out.reduce((n, s) => n + s.length, 0);
    expect(total).toBeGreaterThan(15500);
    expect(total).toBeLessThanOrEqual(16000);
    const joined = new Int16Array(total);
    let o = 0;
    for (const s of out) {
      joined.set(s, o);
      o += s.length;
    }
    expect(rms(joined.subarray(2000))).toBeGreaterThan(rms(mono48) * 0.8);
  });

  it('passes 16 kHz mono through unchanged', () => {
    const converter = new InputAudioConverter();
    const data = speech.samples.slice(0, 320);
    const out = converter.convert(new AudioFrame(data, 16000, 1, 320));
    expect(Array.from(out)).toEqual(Array.from(data));
    converter.close();
  });
});

describe('BlockWriter', () => {
  it('gathers frames into 100 ms blocks that own their buffers, and flushes the rest as a copy', () => {
    const writer = new BlockWriter();
    const blocks: Int16Array[] = [];
    const source = speech.samples.subarray(0, 3500);
    for (let i = 0; i < source.length; i += 160) writer.write(source.subarray(i, i + 160), (b) => blocks.push(b));
    const rest = writer.flush();
    expect(blocks.map((b) => b.length)).toEqual([1600, 1600]);
    expect(rest?.length).toBe(300);
    for (const b of [...blocks, rest as Int16Array]) {
      expect(b.byteOffset).toBe(0);
      expect(b.byteLength).toBe(b.buffer.byteLength);
      expect(b.buffer).not.toBe(speech.samples.buffer);
    }
    expect(Array.from([...blocks.flatMap((b) => Array.from(b)), ...Array.from(rest ?? [])])).toEqual(Array.from(source));
    expect(writer.flush()).toBeUndefined();
  });
});

describe('SynthesisDecoder', () => {
  const pcm16k = tone(16000, 500);
  const pcmBytes = new Uint8Array(pcm16k.buffer);

  function decodeAll(decoder: SynthesisDecoder, chunks: ArrayBuffer[]): AudioFrame[] {
    const frames = chunks.flatMap((c) => decoder.push(c, 0));
    return [...frames, ...decoder.end()];
  }

  for (const rate of [16000, 24000] as const) {
    it(`wav-per-chunk at 16 kHz -> ${rate} Hz frames of 100 ms (what a chunk leaves over goes out with it), headers stripped`, () => {
      const chunks: ArrayBuffer[] = [];
      // Two 250 ms chunks: each is two whole frames and a shorter one.
      for (let i = 0; i < 2; i++) {
        const part = pcm16k.slice(i * 4000, (i + 1) * 4000);
        chunks.push(toArrayBuffer(encodeWav(part, 16000)));
      }
      const decoder = new SynthesisDecoder(rate);
      const perChunk = chunks.map((c) => decoder.push(c, 0));
      const frames = [...perChunk.flat(), ...decoder.end()];
      const samples = frames.reduce((n, f) => n + f.samplesPerChannel, 0);
      expect(frames.every((f) => f.sampleRate === rate && f.channels === 1)).toBe(true);
      // Within a chunk every frame is 100 ms but its last; a chunk's samples all leave with it.
      for (const own of perChunk) expect(own.slice(0, -1).every((f) => f.samplesPerChannel === rate / 10)).toBe(true);
      if (rate === 16000) expect(perChunk.map((own) => own.reduce((n, f) => n + f.samplesPerChannel, 0))).toEqual([4000, 4000]);
      if (rate === 16000) expect(perChunk.map((own) => own.map((f) => f.samplesPerChannel))).toEqual([[1600, 1600, 800], [1600, 1600, 800]]);
      expect(Math.abs(samples - rate / 2)).toBeLessThan(rate / 100);
      if (rate === 16000) {
        // Bit-exact when no resampling is needed: no header bytes leaked in as samples.
        const joined = new Int16Array(samples);
        let o = 0;
        for (const f of frames) {
          joined.set(f.data.subarray(0, f.samplesPerChannel), o);
          o += f.samplesPerChannel;
        }
        expect(Array.from(joined)).toEqual(Array.from(pcm16k));
      }
    });
  }

  it('header-first: later chunks continue the first header, odd splits included', () => {
    const file = new Uint8Array(encodeWav(pcm16k, 16000));
    const cuts = [0, 100, 1001, 4003, 7000, file.length];
    const chunks = cuts.slice(1).map((end, i) => toArrayBuffer(file.subarray(cuts[i], end)));
    const frames = decodeAll(new SynthesisDecoder(16000), chunks);
    const joined = Int16Array.from(frames.flatMap((f) => Array.from(f.data.subarray(0, f.samplesPerChannel))));
    expect(Array.from(joined)).toEqual(Array.from(pcm16k));
  });

  it('reads the rate from the header instead of assuming 16 kHz', () => {
    const pcm24k = tone(24000, 500);
    const frames = decodeAll(new SynthesisDecoder(24000), [toArrayBuffer(encodeWav(pcm24k, 24000))]);
    const joined = Int16Array.from(frames.flatMap((f) => Array.from(f.data.subarray(0, f.samplesPerChannel))));
    expect(Array.from(joined)).toEqual(Array.from(pcm24k));
    const stereoHeader = new Uint8Array(wavHeader(16000, 2, 0xffffffff));
    const stereoPcm = new Int16Array(3200).fill(1000);
    const body = new Uint8Array(stereoHeader.length + stereoPcm.byteLength);
    body.set(stereoHeader);
    body.set(new Uint8Array(stereoPcm.buffer), stereoHeader.length);
    const mono = decodeAll(new SynthesisDecoder(16000), [toArrayBuffer(body)]);
    expect(mono.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(1600);
  });

  it('rejects synthesized audio that is not 16-bit PCM with a clear error', () => {
    const header = new Uint8Array(wavHeader(16000, 1, 100));
    header[34] = 8; // bits per sample
    expect(() => new SynthesisDecoder(16000).push(toArrayBuffer(header), 0)).toThrow(/8-bit samples/);
  });

  it('tolerates audio that arrives before any header by assuming the documented 16 kHz mono', () => {
    const decoder = new SynthesisDecoder(16000);
    const frames = decodeAll(decoder, [toArrayBuffer(pcmBytes)]);
    expect(decoder.assumedFormat).toBe(true);
    expect(frames.reduce((n, f) => n + f.samplesPerChannel, 0)).toBe(pcm16k.length);
  });
});
