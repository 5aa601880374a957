/**
 * The voice-activity detector on synthetic audio whose level and band are known: where its speech
 * band lies, how the floor it keeps follows the room, when speech starts and ends. The speech
 * gate built on it is in speech-gate-frames.test.ts, real recordings in speech-gate.test.ts.
 *
 * A quiet first frame shows the band level the detector measured: the floor starts there, as long
 * as it is under the -45 dBFS a floor may start at (`noiseFloorDb`).
 */
import { describe, expect, it } from 'vitest';
import { VoiceActivityDetector, type VadOptions } from '../../src/agent/vad.ts';

const RATE = 16_000;

/** A sine whose RMS level is `dbfs` (full scale 32768), `ms` long, `phase` samples in. */
function tone(frequency: number, dbfs: number, ms: number, rate = RATE, phase = 0): Int16Array {
  const peak = 32768 * Math.SQRT2 * 10 ** (dbfs / 20);
  const out = new Int16Array(Math.round((rate * ms) / 1000));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(peak * Math.sin((2 * Math.PI * frequency * (i + phase)) / rate));
  return out;
}

const quiet = (ms: number, rate = RATE) => new Int16Array(Math.round((rate * ms) / 1000));

/** Feeds `frames` frames of 10 ms, each cut from `make(index)`; returns what process() said for each. */
function feed(vad: VoiceActivityDetector, frames: number, make: (index: number) => Int16Array, frameMs = 10): boolean[] {
  const said: boolean[] = [];
  for (let i = 0; i < frames; i++) said.push(vad.process(make(i), frameMs));
  return said;
}

/** A continuous 1 kHz tone cut into 10 ms frames (no phase jump between them). */
const toneFrames = (dbfs: number, rate = RATE) => (index: number) => tone(1000, dbfs, 10, rate, index * (rate / 100));

/** The band level of `samples` as the detector measures it, read from the floor of a fresh one. */
function bandLevel(samples: Int16Array, rate = RATE): number {
  const vad = new VoiceActivityDetector(rate);
  vad.process(samples, (samples.length * 1000) / rate);
  return vad.noiseFloorDb!;
}

/** A detector past its calibration in digital silence: its floor is far below any tone here. */
function settled(options: VadOptions = {}, rate = RATE): VoiceActivityDetector {
  const vad = new VoiceActivityDetector(rate, options);
  feed(vad, 30, () => quiet(10, rate));
  return vad;
}

const firstTrue = (said: boolean[]) => said.indexOf(true);

describe('the speech band', () => {
  it('passes a 1 kHz tone within 2 dB of its level, and stops hum and hiss above 3.4 kHz', () => {
    // One-pole filters, discretized: 1 kHz measures 1-2 dB down, the 300 Hz corner about 3 dB
    // under that, 50 Hz hum 15 dB down; 7 kHz at 48 kHz 7 dB down (a corner at 0.45 of the rate,
    // 21.6 kHz, would pass it at -51.6).
    const at1k = bandLevel(tone(1000, -50, 500));
    expect(at1k).toBeGreaterThan(-52);
    expect(at1k).toBeLessThan(-50);
    expect(bandLevel(tone(300, -50, 500))).toBeCloseTo(at1k - 1.7, 0);
    expect(bandLevel(tone(50, -50, 500))).toBeLessThan(-64);
    expect(bandLevel(tone(1000, -50, 500, 48_000), 48_000)).toBeGreaterThan(-52);
    expect(bandLevel(tone(7000, -50, 500, 48_000), 48_000)).toBeLessThan(-57);
    // 6 kHz at 16 kHz: -57.9 under a 3.4 kHz corner, -54.7 under one at 7.2 kHz.
    expect(bandLevel(tone(6000, -50, 500))).toBeLessThan(-57);
  });

  it('under 7.6 kHz the low-pass corner is 0.45 of the rate, below the Nyquist frequency', () => {
    // At 6 kHz the corner is 2.7 kHz: 2.9 kHz measures -55.9; a 3.4 kHz corner (above the
    // 3 kHz Nyquist frequency) would let it through at -55.1.
    expect(bandLevel(tone(2900, -50, 500, 6000), 6000)).toBeLessThan(-55.5);
  });

  it('keeps its filters running from frame to frame: a tone cut into frames measures as the whole tone', () => {
    const vad = new VoiceActivityDetector(RATE);
    feed(vad, 50, (i) => tone(50, -50, 10, RATE, i * 160));
    // Hum the filters had settled on stays hum: restarted filters would let each frame's onset through.
    expect(vad.noiseFloorDb!).toBeLessThan(-64);
  });

  it('measures digital silence and an empty frame as nothing (-120 dBFS), not as NaN', () => {
    expect(bandLevel(quiet(10))).toBe(-120);
    const vad = new VoiceActivityDetector(RATE);
    expect(vad.noiseFloorDb).toBeUndefined();
    expect(vad.process(new Int16Array(0), 10)).toBe(false);
    expect(vad.noiseFloorDb).toBe(-120);
  });
});

describe('the noise floor', () => {
  it('starts at the first frame, or at -45 dBFS when a microphone opens on something louder', () => {
    const opensOnVoice = new VoiceActivityDetector(RATE);
    opensOnVoice.process(tone(1000, -20, 10), 10);
    // -45 = the -35 dBFS a voice needs while calibrating, minus the 10 dB signal-to-noise margin.
    expect(opensOnVoice.noiseFloorDb!).toBeLessThan(-44);
    expect(opensOnVoice.noiseFloorDb!).toBeGreaterThan(-46);
    const snr20 = new VoiceActivityDetector(RATE, { snrDb: 20 });
    snr20.process(tone(1000, -20, 10), 10);
    expect(snr20.noiseFloorDb!).toBeLessThan(-54);
  });

  it('rises to steady room noise within a second while calibrating, and follows it after', () => {
    const vad = new VoiceActivityDetector(RATE);
    const said = feed(vad, 300, toneFrames(-40));
    expect(said.every((s) => !s)).toBe(true);
    // The tone's band level, 1.6 dB under its -40 dBFS (the filters' loss at 1 kHz).
    expect(vad.noiseFloorDb!).toBeGreaterThan(-42);
    expect(vad.noiseFloorDb!).toBeLessThan(-41);
  });

  it('learns fast (0.2 per frame) while calibrating, slowly (0.02) after', () => {
    // From -120 (digital silence) to a -60 dBFS room: after 10 frames of calibration the floor is
    // within 60 * 0.8^10 = 6.4 dB of it; after calibration, 10 frames move it 60 * (1 - 0.98^10) = 11 dB.
    const calibrating = new VoiceActivityDetector(RATE);
    calibrating.process(quiet(10), 10);
    feed(calibrating, 10, toneFrames(-60));
    expect(calibrating.noiseFloorDb!).toBeGreaterThan(-68);
    expect(calibrating.noiseFloorDb!).toBeLessThan(-65);

    const after = settled();
    feed(after, 10, toneFrames(-60));
    expect(after.noiseFloorDb!).toBeGreaterThan(-110);
    expect(after.noiseFloorDb!).toBeLessThan(-107);
  });

  it('falls fast (0.3 per frame) while calibrating too', () => {
    // A microphone opening on a voice starts the floor at -45; the room under it is digital
    // silence. After the frame carrying the filters' tail, 5 frames close 1 - 0.7^5 = 83% of the
    // way to -120 (-108 dBFS; at 0.2 a frame only 67%: -97).
    const vad = new VoiceActivityDetector(RATE);
    vad.process(tone(1000, -20, 10), 10);
    feed(vad, 6, () => quiet(10));
    expect(vad.noiseFloorDb!).toBeLessThan(-104);
    expect(vad.noiseFloorDb!).toBeGreaterThan(-112);
  });

  it('falls fast (0.3 per frame) to a quieter room', () => {
    const vad = new VoiceActivityDetector(RATE);
    feed(vad, 200, toneFrames(-40));
    // The room goes quiet at -70: 5 frames close 1 - 0.7^5 = 83% of the 30 dB.
    feed(vad, 5, toneFrames(-70));
    expect(vad.noiseFloorDb!).toBeGreaterThan(-66);
    expect(vad.noiseFloorDb!).toBeLessThan(-64);
  });

  it('hardly moves under a voice (0.0015 per frame): a long sentence does not become the floor', () => {
    const vad = settled();
    feed(vad, 10, toneFrames(-60));
    const before = vad.noiseFloorDb!;
    const said = feed(vad, 100, toneFrames(-20));
    expect(said.at(-1)).toBe(true);
    // 1 s of voice 88 dB over the floor moves it 88 * (1 - 0.9985^100) = 12.3 dB.
    expect(vad.noiseFloorDb! - before).toBeGreaterThan(11);
    expect(vad.noiseFloorDb! - before).toBeLessThan(14);
  });

  it('treats a 20 ms frame as two 10 ms frames', () => {
    const tens = settled();
    feed(tens, 20, toneFrames(-60));
    const twenties = settled();
    feed(twenties, 10, (i) => tone(1000, -60, 20, RATE, i * 320), 20);
    expect(twenties.noiseFloorDb!).toBeCloseTo(tens.noiseFloorDb!, 1);
  });
});

describe('speech', () => {
  it('starts on the third 10 ms frame of voice (30 ms onset), and on the fifth with onsetMs 50', () => {
    expect(firstTrue(feed(settled(), 10, toneFrames(-20)))).toBe(2);
    expect(firstTrue(feed(settled({ onsetMs: 50 }), 10, toneFrames(-20)))).toBe(4);
    expect(firstTrue(feed(settled({ onsetMs: 40 }), 5, toneFrames(-20), 20))).toBe(1);
  });

  it('a click is not a syllable: loud frames must follow one another', () => {
    const vad = settled();
    // 10 ms of tone, 20 ms of silence: the frame after the tone still carries the filters' tail
    // (it is loud too), the next one is quiet, so no run of loud frames reaches 30 ms.
    const said = feed(vad, 12, (i) => (i % 3 === 0 ? tone(1000, -20, 10) : quiet(10)));
    expect(said.every((s) => !s)).toBe(true);
    expect(vad.inSpeech).toBe(false);
  });

  it('ends 600 ms after the last loud frame, and after hangoverMs when given', () => {
    const vad = settled();
    feed(vad, 10, toneFrames(-20));
    expect(vad.inSpeech).toBe(true);
    // The first silent frame still carries the filters' tail (loud); 60 quiet frames follow it.
    const after = feed(vad, 62, () => quiet(10));
    expect(firstTrue(after.map((s) => !s))).toBe(60);
    expect(vad.inSpeech).toBe(false);

    const short = settled({ hangoverMs: 200 });
    feed(short, 10, toneFrames(-20));
    expect(firstTrue(feed(short, 22, () => quiet(10)).map((s) => !s))).toBe(20);
  });

  it('the gaps between words are not phrase ends: voice within the hangover starts its count over', () => {
    const vad = settled({ hangoverMs: 200 });
    feed(vad, 5, toneFrames(-20));
    expect(feed(vad, 15, () => quiet(10)).every((s) => s)).toBe(true);
    feed(vad, 1, toneFrames(-20));
    // 15 + 15 quiet frames with a loud one between: 300 ms of quiet, never 200 ms in a row.
    expect(feed(vad, 15, () => quiet(10)).every((s) => s)).toBe(true);
    // A second phrase needs the onset again once speech ended.
    feed(vad, 10, () => quiet(10));
    expect(vad.inSpeech).toBe(false);
    expect(firstTrue(feed(vad, 5, toneFrames(-20)))).toBe(2);
  });

  it('needs 10 dB over the floor by default, and snrDb when given', () => {
    const room = () => {
      const vad = new VoiceActivityDetector(RATE);
      feed(vad, 300, toneFrames(-50));
      return vad;
    };
    // 8 dB over a -50 dBFS floor: not voice at 10 dB, voice at 6.
    expect(feed(room(), 10, toneFrames(-42)).some((s) => s)).toBe(false);
    const lenient = new VoiceActivityDetector(RATE, { snrDb: 6 });
    feed(lenient, 300, toneFrames(-50));
    expect(feed(lenient, 10, toneFrames(-42)).at(-1)).toBe(true);
    // 12 dB over it is voice.
    expect(feed(room(), 10, toneFrames(-38)).at(-1)).toBe(true);
  });

  it('nothing under -55 dBFS is voice, however quiet the room; minDb moves that line', () => {
    expect(feed(settled(), 20, toneFrames(-58)).some((s) => s)).toBe(false);
    expect(feed(settled({ minDb: -65 }), 20, toneFrames(-58)).at(-1)).toBe(true);
    expect(feed(settled(), 20, toneFrames(-52)).at(-1)).toBe(true);
  });

  it('while calibrating (the first 300 ms) only audio over -35 dBFS is voice', () => {
    const early = new VoiceActivityDetector(RATE);
    early.process(quiet(10), 10);
    // -40 dBFS is 80 dB over a silent floor, but the room's level is not known yet.
    expect(feed(early, 5, toneFrames(-40)).some((s) => s)).toBe(false);
    const nearMicrophone = new VoiceActivityDetector(RATE);
    nearMicrophone.process(quiet(10), 10);
    expect(feed(nearMicrophone, 5, toneFrames(-30)).at(-1)).toBe(true);

    // Calibration is the first 300 ms heard: frame 30 is past it, frame 29 is not.
    const edge = new VoiceActivityDetector(RATE);
    feed(edge, 29, () => quiet(10));
    expect(feed(edge, 1, toneFrames(-40))).toEqual([false]);
    const past = new VoiceActivityDetector(RATE);
    feed(past, 30, () => quiet(10));
    expect(feed(past, 3, toneFrames(-40)).at(-1)).toBe(true);
  });

  it('calibration counts time heard, not frames: one 300 ms frame ends it', () => {
    const vad = new VoiceActivityDetector(RATE);
    vad.process(quiet(300), 300);
    expect(feed(vad, 3, toneFrames(-40)).at(-1)).toBe(true);
  });
});
