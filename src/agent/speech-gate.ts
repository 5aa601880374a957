/**
 * What of a microphone goes to Azure. With the gate on, only speech: a local voice-activity
 * detector opens it, the `preRollMs` before the detection go first (no first syllable lost), the
 * detector's hangover keeps it open across the gaps between words, and when the speech is over a
 * stretch of digital silence follows, so the service ends the phrase now rather than waiting for
 * more audio. With the gate off, everything goes. Either way a muted microphone sends nothing
 * (after the silence that ends what it was saying).
 */
import { AudioFrame } from '@livekit/rtc-node';
import { VoiceActivityDetector } from './vad.ts';

export interface GateSettings {
  enabled: boolean;
  preRollMs: number;
  hangoverMs: number;
  /** Silence sent after a phrase (default `PHRASE_END_SILENCE_MS`; see `endSilenceFor`). */
  endSilenceMs?: number;
}

export const GATE_OFF: GateSettings = { enabled: false, preRollMs: 0, hangoverMs: 0 };

/**
 * Silence sent after a phrase: longer than the silence that ends a phrase at the service (the
 * SDK's segmentation default and the emulator's `endSilenceMs` are 500 ms), so the last words are
 * translated at once instead of when the next phrase starts, maybe minutes later.
 */
export const PHRASE_END_SILENCE_MS = 600;

/** The silence to send after a phrase when the profile sets the service's (`timing.silenceMs`): 100 ms more than it. */
export function endSilenceFor(serviceSilenceMs: number | undefined): number {
  return serviceSilenceMs === undefined ? PHRASE_END_SILENCE_MS : Math.max(PHRASE_END_SILENCE_MS, serviceSilenceMs + 100);
}

const frameMs = (frame: AudioFrame) => (frame.samplesPerChannel / frame.sampleRate) * 1000;

export class SpeechGate {
  private readonly preRoll: AudioFrame[] = [];
  private preRollMs = 0;
  private vad: VoiceActivityDetector | undefined;
  private sending = false;
  private muted = false;
  private last: AudioFrame | undefined;
  /** Audio that came in and that went out, in ms (what Azure bills is the latter). */
  inputMs = 0;
  sentMs = 0;

  constructor(
    private readonly settings: GateSettings,
    private readonly send: (frame: AudioFrame) => void,
  ) {}

  /** Whether audio is going out now. */
  get open(): boolean {
    return this.sending;
  }

  push(frame: AudioFrame): void {
    const ms = frameMs(frame);
    this.inputMs += ms;
    this.last = frame;
    if (this.muted) return;
    if (!this.settings.enabled) {
      this.sending = true;
      this.out(frame);
      return;
    }
    this.vad ??= new VoiceActivityDetector(frame.sampleRate, { hangoverMs: this.settings.hangoverMs });
    const speech = this.vad.process(frame.data, ms);
    if (speech && !this.sending) {
      this.sending = true;
      for (const held of this.preRoll.splice(0)) this.out(held);
      this.preRollMs = 0;
    }
    if (this.sending) {
      if (speech) this.out(frame);
      else this.endPhrase();
      return;
    }
    this.preRoll.push(frame);
    this.preRollMs += ms;
    while (this.preRoll.length > 1 && this.preRollMs - frameMs(this.preRoll[0]!) >= this.settings.preRollMs) this.preRollMs -= frameMs(this.preRoll.shift()!);
    if (this.settings.preRollMs === 0) {
      this.preRoll.length = 0;
      this.preRollMs = 0;
    }
  }

  /** A muted microphone sends nothing; what it was saying ends with silence. */
  setMuted(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    if (muted && this.sending) this.endPhrase();
    this.preRoll.length = 0;
    this.preRollMs = 0;
  }

  private endPhrase(): void {
    this.sending = false;
    const like = this.last;
    if (!like) return;
    const samples = like.samplesPerChannel;
    const silence = new AudioFrame(new Int16Array(samples * like.channels), like.sampleRate, like.channels, samples);
    const total = this.settings.endSilenceMs ?? PHRASE_END_SILENCE_MS;
    for (let ms = 0; ms < total; ms += frameMs(silence)) this.out(silence);
  }

  private out(frame: AudioFrame): void {
    this.sentMs += frameMs(frame);
    this.send(frame);
  }
}
