import { describe, expect, it } from 'vitest';
import { AudioFrame } from '@livekit/rtc-node';
import { AudioMixer, softLimit } from '../../src/agent/mixer.ts';
import type { AudioSink } from '../../src/agent/room-io.ts';

function collectingSink(): AudioSink & { frames: AudioFrame[] } {
  const frames: AudioFrame[] = [];
  return { frames, captureFrame: async (f) => void frames.push(f), close: async () => undefined };
}

async function* tone(amplitude: number, hz: number, ms: number, rate: number): AsyncGenerator<AudioFrame> {
  const per = rate / 100;
  for (let t = 0; t < (ms / 10) * per; t += per) {
    const data = new Int16Array(per);
    for (let i = 0; i < per; i++) data[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (t + i)) / rate));
    yield new AudioFrame(data, rate, 1, per);
  }
}

function energyAt(samples: Int16Array, hz: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < samples.length; i++) {
    re += samples[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    im += samples[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return Math.hypot(re, im) / samples.length;
}

describe('softLimit', () => {
  it('leaves normal levels untouched and never reaches full scale', () => {
    expect(softLimit(1000)).toBe(1000);
    expect(softLimit(-20000)).toBe(-20000);
    expect(softLimit(65534)).toBeLessThan(32767);
    expect(softLimit(-65534)).toBeGreaterThan(-32768);
    expect(softLimit(30000)).toBeGreaterThan(softLimit(28000));
  });
});

describe('AudioMixer', () => {
  it('mixes two overlapping full-scale voices together (not one after the other) without clipping', async () => {
    const sink = collectingSink();
    const rate = 24000;
    const mixer = new AudioMixer(sink, { sampleRate: rate });
    const a = mixer.add(tone(32000, 440, 300, rate));
    const b = mixer.add(tone(32000, 660, 300, rate));
    await Promise.all([a, b]);
    const frames: Int16Array[] = [];
    for (let i = 0; i < 30; i++) frames.push(mixer.mixFrame().data);
    const out = Int16Array.from(frames.flatMap((f) => [...f]));
    // 300 ms of each voice in 300 ms of output: they overlap.
    expect(energyAt(out, 440, rate)).toBeGreaterThan(5000);
    expect(energyAt(out, 660, rate)).toBeGreaterThan(5000);
    expect(mixer.peakSample).toBeLessThan(32767);
    expect(mixer.activeSources).toBe(0);
    await mixer.close();
  });

  it('produces silence when idle and frames of the configured size', () => {
    const mixer = new AudioMixer(collectingSink(), { sampleRate: 16000, frameMs: 20 });
    const frame = mixer.mixFrame();
    expect(frame.samplesPerChannel).toBe(320);
    expect(frame.data.every((s) => s === 0)).toBe(true);
  });

  it('runs a steady real-time clock into the sink and reports how long audio waited', async () => {
    const sink = collectingSink();
    const latencies: number[] = [];
    const mixer = new AudioMixer(sink, { sampleRate: 16000, onLatency: (ms) => latencies.push(ms) });
    mixer.start();
    const stamped = (async function* () {
      for await (const frame of tone(8000, 300, 100, 16000)) yield new AudioFrame(frame.data, 16000, 1, 160, { lkInterpreterReceivedAt: performance.now() });
    })();
    await mixer.add(stamped);
    await mixer.drain(2000);
    expect(sink.frames.length).toBeGreaterThanOrEqual(10);
    // One utterance: one latency sample (its first frame's wait).
    expect(latencies).toHaveLength(1);
    expect(latencies.every((ms) => ms >= 0)).toBe(true);
  });

  it('rejects audio at another rate instead of playing it at the wrong speed', async () => {
    const mixer = new AudioMixer(collectingSink(), { sampleRate: 24000 });
    await expect(mixer.add(tone(1000, 440, 20, 16000))).rejects.toThrow(/24000 Hz/);
  });
});
