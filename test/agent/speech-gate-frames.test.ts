/**
 * The speech gate frame by frame, on synthetic audio whose speech the detector finds at a known
 * frame (a 1 kHz tone is voice, digital silence is not; onset after 30 ms of tone): which frames go
 * out, with how much pre-roll, how much silence ends a phrase, and what muting does. The noisy
 * recordings and the plugin are in speech-gate.test.ts.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { endSilenceFor, GATE_OFF, PHRASE_END_SILENCE_MS, SpeechGate, type GateSettings } from '../../src/agent/speech-gate.ts';

const RATE = 16_000;

/** `ms` of audio in frames of `frameMs`: a loud 1 kHz tone, or digital silence. */
function audio(kind: 'tone' | 'quiet', ms: number, frameMs = 10, channels = 1): AudioFrame[] {
  const samples = (RATE * frameMs) / 1000;
  const frames: AudioFrame[] = [];
  for (let at = 0; at < ms; at += frameMs) {
    const data = new Int16Array(samples * channels);
    if (kind === 'tone') for (let i = 0; i < samples; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = Math.round(12_000 * Math.sin((2 * Math.PI * 1000 * i) / RATE));
    frames.push(new AudioFrame(data, RATE, channels, samples));
  }
  return frames;
}

const GATE: GateSettings = { enabled: true, preRollMs: 100, hangoverMs: 200 };

function gate(settings: GateSettings = GATE) {
  const sent: AudioFrame[] = [];
  const g = new SpeechGate(settings, (frame) => sent.push(frame));
  const push = (frames: AudioFrame[]) => frames.forEach((f) => g.push(f));
  return { gate: g, sent, push };
}

const isSilent = (frame: AudioFrame) => frame.data.every((s) => s === 0);

describe('endSilenceFor', () => {
  it("is 600 ms unless the service's own phrase-end silence needs more: then 100 ms more than it", () => {
    expect(PHRASE_END_SILENCE_MS).toBe(600);
    expect(endSilenceFor(undefined)).toBe(600);
    expect(endSilenceFor(0)).toBe(600);
    expect(endSilenceFor(500)).toBe(600);
    expect(endSilenceFor(501)).toBe(601);
    expect(endSilenceFor(1500)).toBe(1600);
  });
});

/** Runs `input` through a gate: which input frames went out, in order (-1: a frame of the gate's own silence). */
function run(input: AudioFrame[], settings: GateSettings = GATE) {
  const { gate: g, sent, push } = gate(settings);
  push(input);
  return { gate: g, sent, out: sent.map((f) => input.indexOf(f)) };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const silence = (frames: number) => Array.from({ length: frames }, () => -1);

describe('SpeechGate on', () => {
  it('sends nothing of silence, and counts what came in', () => {
    const { gate: g, sent, push } = gate();
    push(audio('quiet', 2000));
    expect(sent).toEqual([]);
    expect(g.open).toBe(false);
    expect(g.inputMs).toBeCloseTo(2000, 6);
    expect(g.sentMs).toBe(0);
  });

  it('opens on speech with the preRollMs before it, sends the speech and its hangover, then ends the phrase with 600 ms of silence', () => {
    // Frames 0-49 quiet, 50-79 tone, 80-179 quiet.
    const input = [...audio('quiet', 500), ...audio('tone', 300), ...audio('quiet', 1000)];
    const { gate: g, sent, push } = gate();
    push(input.slice(0, 52));
    expect(sent).toEqual([]);
    expect(g.open).toBe(false);
    push(input.slice(52, 53));
    // Onset at the third tone frame: it goes out after the 100 ms (10 frames) before it.
    expect(g.open).toBe(true);
    expect(sent.map((f) => input.indexOf(f))).toEqual(range(42, 53));
    push(input.slice(53));
    // The hangover (200 ms of quiet after the tone's last loud frame, 80) goes out as speech;
    // the quiet frame that ends it is replaced by 60 frames of silence.
    expect(sent.map((f) => input.indexOf(f))).toEqual([...range(42, 100), ...silence(60)]);
    expect(sent.slice(-60).every(isSilent)).toBe(true);
    expect(g.open).toBe(false);
    expect(g.sentMs).toBeCloseTo(sent.length * 10, 6);
    expect(g.inputMs).toBeCloseTo(1800, 6);
  });

  it('takes its hangover from the settings', () => {
    // Frames 0-29 quiet, 30-39 tone, 40-139 quiet: 50 ms of hangover end at frame 45.
    const { out } = run([...audio('quiet', 300), ...audio('tone', 100), ...audio('quiet', 1000)], { ...GATE, hangoverMs: 50 });
    expect(out).toEqual([...range(22, 45), ...silence(60)]);
  });

  it('keeps the fewest frames that hold preRollMs, whatever their sizes', () => {
    // 20 ms frames 0-19, then 10 ms tone frames 20-22 (onset at 22): 50 ms take two 20 ms frames
    // beside the two tone frames before the onset (one would hold 40 ms).
    expect(run([...audio('quiet', 400, 20), ...audio('tone', 30, 10)], { ...GATE, preRollMs: 50 }).out).toEqual(range(18, 23));
    // 10 ms frames 20-22 after the 20 ms ones: exactly 50 ms in five frames.
    expect(run([...audio('quiet', 400, 20), ...audio('quiet', 30, 10), ...audio('tone', 30)], { ...GATE, preRollMs: 50 }).out).toEqual(range(20, 26));
  });

  it('with no pre-roll sends from the frame that opened it', () => {
    expect(run([...audio('quiet', 300), ...audio('tone', 50)], { ...GATE, preRollMs: 0 }).out).toEqual(range(32, 35));
  });

  it('sends the pre-roll once: a second phrase starts from the audio after the first one ended', () => {
    // Frames 0-29 quiet, 30-34 tone, 35-74 quiet (hangover to 54, the end at 55), 75-77 tone.
    const input = [...audio('quiet', 300), ...audio('tone', 50), ...audio('quiet', 400), ...audio('tone', 30)];
    const { out } = run(input, { ...GATE, preRollMs: 1000 });
    expect(out).toEqual([...range(0, 55), ...silence(60), ...range(56, 78)]);
  });

  it('a second phrase gets the whole preRollMs again', () => {
    // Frames 0-29 quiet, 30-34 tone, 35-94 quiet (hangover to 54, the end at 55), 95-97 tone.
    const input = [...audio('quiet', 300), ...audio('tone', 50), ...audio('quiet', 600), ...audio('tone', 30)];
    const { out } = run(input);
    expect(out).toEqual([...range(22, 55), ...silence(60), ...range(87, 98)]);
  });

  it('ends a phrase with endSilenceMs of silence, rounded up to whole frames, shaped like the last frame', () => {
    const input = [...audio('quiet', 300, 10, 2), ...audio('tone', 100, 10, 2), ...audio('quiet', 300, 10, 2)];
    const { sent, out } = run(input, { ...GATE, endSilenceMs: 255 });
    expect(out.filter((i) => i === -1)).toHaveLength(26);
    const ending = sent.filter((f) => !input.includes(f));
    expect(ending.every((f) => isSilent(f) && f.channels === 2 && f.samplesPerChannel === 160 && f.sampleRate === RATE && f.data.length === 320)).toBe(true);
  });

  it('sends an end of exactly endSilenceMs when it is whole frames', () => {
    const { out } = run([...audio('quiet', 300), ...audio('tone', 100), ...audio('quiet', 300)], { ...GATE, endSilenceMs: 250 });
    expect(out.filter((i) => i === -1)).toHaveLength(25);
  });
});

describe('SpeechGate muted', () => {
  it('sends nothing while muted; muting mid-phrase ends the phrase with silence at once', () => {
    const { gate: g, sent, push } = gate();
    push(audio('quiet', 300));
    push(audio('tone', 100));
    expect(g.open).toBe(true);
    const before = sent.length;
    g.setMuted(true);
    expect(g.open).toBe(false);
    expect(sent.length - before).toBe(60);
    expect(sent.slice(before).every(isSilent)).toBe(true);
    push(audio('tone', 500));
    expect(sent.length - before).toBe(60);
    expect(g.inputMs).toBeCloseTo(900, 6);
  });

  it('muting while nothing goes out sends nothing', () => {
    const { gate: g, sent, push } = gate();
    push(audio('quiet', 300));
    g.setMuted(true);
    g.setMuted(true);
    expect(sent).toEqual([]);
  });

  it('drops the pre-roll heard before muting: after unmuting only what came after goes first', () => {
    const input = [...audio('quiet', 300), ...audio('quiet', 30), ...audio('tone', 30)];
    const { gate: g, sent, push } = gate();
    push(input.slice(0, 30));
    g.setMuted(true);
    g.setMuted(false);
    push(input.slice(30));
    expect(sent.map((f) => input.indexOf(f))).toEqual(range(30, 36));
  });

  it('unmuting an unmuted gate changes nothing: its pre-roll stays', () => {
    const input = [...audio('quiet', 300), ...audio('tone', 30)];
    const { gate: g, sent, push } = gate();
    push(input.slice(0, 30));
    g.setMuted(false);
    push(input.slice(30));
    expect(sent.map((f) => input.indexOf(f))).toEqual(range(22, 33));
  });

  it('muted from the start, before any audio, sends nothing and has nothing to end', () => {
    const { gate: g, sent, push } = gate(GATE_OFF);
    g.setMuted(true);
    push(audio('tone', 100));
    expect(sent).toEqual([]);
    expect(g.open).toBe(false);
  });
});

describe('SpeechGate off', () => {
  it('sends every frame, silence too, and is open from the first frame', () => {
    const { gate: g, sent, push } = gate(GATE_OFF);
    expect(g.open).toBe(false);
    const input = [...audio('quiet', 100), ...audio('tone', 100)];
    push(input);
    expect(sent.map((f) => input.indexOf(f))).toEqual(range(0, 20));
    expect(g.open).toBe(true);
    expect(g.sentMs).toBeCloseTo(200, 6);
  });

  it('a muted microphone ends with the silence that ends what it was saying, then sends nothing until unmuted', () => {
    const { gate: g, sent, push } = gate({ ...GATE_OFF, endSilenceMs: 100 });
    push(audio('tone', 50));
    g.setMuted(true);
    expect(sent).toHaveLength(5 + 10);
    push(audio('tone', 50));
    expect(sent).toHaveLength(15);
    g.setMuted(false);
    const again = audio('tone', 20);
    push(again);
    expect(sent.slice(15).map((f) => again.indexOf(f))).toEqual([0, 1]);
  });
});
