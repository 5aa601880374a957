/**
 * InputAudioConverter's downmix and BlockWriter's blocking, sample by sample: the service hears
 * exactly the average of the caller's channels, in 100 ms blocks, with nothing lost or padded.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { BLOCK_SAMPLES, BlockWriter, InputAudioConverter, SERVICE_SAMPLE_RATE } from '../../src/azure/audio-input.ts';

/** Interleaves per-channel sample lists into one frame's data. */
function interleave(channels: number[][]): Int16Array {
  const perChannel = channels[0]?.length ?? 0;
  const out = new Int16Array(perChannel * channels.length);
  for (let i = 0; i < perChannel; i++) for (let c = 0; c < channels.length; c++) out[i * channels.length + c] = channels[c]?.[i] ?? 0;
  return out;
}

/** 0, 1, 2, ... as samples. */
function ramp(length: number, start = 0): Int16Array {
  return Int16Array.from({ length }, (_, i) => (start + i) % 30000);
}

describe('InputAudioConverter downmix at the service rate (no resampling)', () => {
  it('averages the two channels of a stereo frame, sample by sample', () => {
    const left = [100, -200, 3000, 32767, -32768, 0];
    const right = [300, -400, -3000, 32767, -32768, 10];
    const frame = new AudioFrame(interleave([left, right]), SERVICE_SAMPLE_RATE, 2, left.length);
    const out = new InputAudioConverter().convert(frame);
    expect(Array.from(out)).toEqual([200, -300, 0, 32767, -32768, 5]);
  });

  it('rounds a half-way stereo average as Math.round does (towards +infinity)', () => {
    const frame = new AudioFrame(interleave([[1, -1, 2, -2], [2, -2, 5, -5]]), SERVICE_SAMPLE_RATE, 2, 4);
    // (1+2)/2 = 1.5 -> 2, (-1-2)/2 = -1.5 -> -1, (2+5)/2 = 3.5 -> 4, (-2-5)/2 = -3.5 -> -3
    expect(Array.from(new InputAudioConverter().convert(frame))).toEqual([2, -1, 4, -3]);
  });

  it('averages all channels of a multichannel frame, each sample from its own frame position', () => {
    const channels = [
      [10, 40, 70],
      [20, 50, 80],
      [30, 60, 91],
      [0, 1000, -4],
    ];
    const frame = new AudioFrame(interleave(channels), SERVICE_SAMPLE_RATE, 4, 3);
    // (10+20+30+0)/4 = 15, (40+50+60+1000)/4 = 287.5 -> 288, (70+80+91-4)/4 = 59.25 -> 59
    expect(Array.from(new InputAudioConverter().convert(frame))).toEqual([15, 288, 59]);
  });

  it('reads only samplesPerChannel samples of a stereo frame whose buffer is longer', () => {
    const data = new Int16Array(16).fill(9999);
    data.set(interleave([[2, 4], [6, 8]]));
    const frame = new AudioFrame(data, SERVICE_SAMPLE_RATE, 2, 2);
    expect(Array.from(new InputAudioConverter().convert(frame))).toEqual([4, 6]);
  });

  it('passes 16 kHz mono through as a view of the frame itself, cut to samplesPerChannel', () => {
    const data = ramp(400);
    const frame = new AudioFrame(data, SERVICE_SAMPLE_RATE, 1, 320);
    const out = new InputAudioConverter().convert(frame);
    expect(out.buffer).toBe(data.buffer);
    expect(out.byteOffset).toBe(0);
    expect(Array.from(out)).toEqual(Array.from(data.subarray(0, 320)));
  });

  it('downmixes before resampling: stereo at 48 kHz gives what its mono average gives', () => {
    const left = Array.from({ length: 480 }, (_, i) => Math.round(6000 * Math.sin(i / 7)));
    const right = Array.from({ length: 480 }, (_, i) => Math.round(2000 * Math.cos(i / 5)));
    const averaged = Int16Array.from(left, (l, i) => Math.round((l + (right[i] ?? 0)) / 2));
    const stereo = new InputAudioConverter().convert(new AudioFrame(interleave([left, right]), 48000, 2, 480));
    const mono = new InputAudioConverter().convert(new AudioFrame(averaged, 48000, 1, 480));
    expect(stereo.length).toBeGreaterThan(0);
    expect(Array.from(stereo)).toEqual(Array.from(mono));
  });
});

describe('InputAudioConverter close', () => {
  it('after close() the next frame starts a fresh resampler: no audio from before close bleeds into it', () => {
    const loud = Int16Array.from({ length: 960 }, (_, i) => Math.round(12000 * Math.sin(i / 3)));
    const silent = new Int16Array(960);
    const reused = new InputAudioConverter();
    reused.convert(new AudioFrame(loud, 48000, 1, 960));
    reused.convert(new AudioFrame(loud, 48000, 1, 960));
    reused.close();
    const afterClose = reused.convert(new AudioFrame(silent, 48000, 1, 960));
    const fresh = new InputAudioConverter().convert(new AudioFrame(silent, 48000, 1, 960));
    expect(Array.from(afterClose)).toEqual(Array.from(fresh));
    expect(afterClose.every((s) => s === 0)).toBe(true);
  });
});

describe('BlockWriter blocks that straddle writes', () => {
  function collect(writer: BlockWriter, writes: Int16Array[]): Int16Array[] {
    const blocks: Int16Array[] = [];
    for (const samples of writes) writer.write(samples, (block) => blocks.push(block));
    return blocks;
  }

  it('one write of 3500 samples gives two full blocks and leaves 300 for flush, in order', () => {
    const source = ramp(3500, 1);
    const writer = new BlockWriter();
    const blocks = collect(writer, [source]);
    expect(blocks.map((b) => b.length)).toEqual([BLOCK_SAMPLES, BLOCK_SAMPLES]);
    expect(Array.from(blocks[0] ?? [])).toEqual(Array.from(source.subarray(0, 1600)));
    expect(Array.from(blocks[1] ?? [])).toEqual(Array.from(source.subarray(1600, 3200)));
    expect(Array.from(writer.flush() ?? [])).toEqual(Array.from(source.subarray(3200)));
  });

  it('writes of 700 samples fill blocks across write boundaries with every sample exactly once', () => {
    const source = ramp(7000, 5);
    const writer = new BlockWriter();
    const writes = Array.from({ length: 10 }, (_, i) => source.subarray(i * 700, (i + 1) * 700));
    const blocks = collect(writer, writes);
    expect(blocks.map((b) => b.length)).toEqual([1600, 1600, 1600, 1600]);
    const rest = writer.flush();
    expect(rest?.length).toBe(600);
    const joined = [...blocks.flatMap((b) => Array.from(b)), ...Array.from(rest ?? [])];
    expect(joined).toEqual(Array.from(source));
  });

  it('a write that completes a partial block and runs past it emits the block once it is full', () => {
    const writer = new BlockWriter();
    const emitted: number[][] = [];
    writer.write(ramp(1000, 1), (b) => emitted.push(Array.from(b)));
    expect(emitted).toEqual([]);
    writer.write(ramp(1000, 1001), (b) => emitted.push(Array.from(b)));
    expect(emitted).toEqual([Array.from(ramp(1600, 1))]);
    expect(Array.from(writer.flush() ?? [])).toEqual(Array.from(ramp(400, 1601)));
  });
});
