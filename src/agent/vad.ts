/**
 * A small voice-activity detector for one microphone: no model, no dependency. Each frame's
 * energy in the speech band (a one-pole high-pass at 300 Hz and low-pass at 3.4 kHz, the
 * telephone band: room hum, rumble and most of a music bed's bass fall outside it) is compared
 * with a noise floor that follows the room: it falls fast to quiet frames and rises slowly, so
 * steady noise or a steady music bed is absorbed within seconds while a voice stands above it.
 * Speech starts after `onsetMs` of loud frames (a click is not a syllable) and ends `hangoverMs`
 * after the last loud frame (the gaps between words are not phrase ends).
 */

export interface VadOptions {
  /** How far above the noise floor a frame must be to count as voice (default 10 dB). */
  snrDb?: number;
  /** Nothing quieter than this is voice, however quiet the room (default -55 dBFS). */
  minDb?: number;
  /** Loud audio needed before speech is declared (default 30 ms). */
  onsetMs?: number;
  /** Quiet audio needed after the last loud frame before speech is over (default 600 ms). */
  hangoverMs?: number;
}

const FULL_SCALE_SQUARED = 32768 * 32768;
/** Per-frame (10 ms) smoothing of the floor: to a quieter frame, to a louder quiet frame, under voice. */
const FLOOR_FALL = 0.3;
const FLOOR_RISE = 0.02;
const FLOOR_RISE_UNDER_VOICE = 0.0015;
/** The floor learns fast for this long after the first frame (the room's level is unknown). */
const CALIBRATION_MS = 300;
/** While calibrating, only audio this loud counts as voice (a talker near a microphone). */
const CALIBRATION_VOICE_DB = -35;

export class VoiceActivityDetector {
  private readonly snrDb: number;
  private readonly minDb: number;
  private readonly onsetMs: number;
  private readonly hangoverMs: number;
  private readonly highPass: number;
  private readonly lowPass: number;
  private hpIn = 0;
  private hpOut = 0;
  private lpOut = 0;
  private floorDb: number | undefined;
  private heardMs = 0;
  private loudMs = 0;
  private quietMs = 0;
  private speaking = false;

  constructor(sampleRate: number, options: VadOptions = {}) {
    this.snrDb = options.snrDb ?? 10;
    this.minDb = options.minDb ?? -55;
    this.onsetMs = options.onsetMs ?? 30;
    this.hangoverMs = options.hangoverMs ?? 600;
    const dt = 1 / sampleRate;
    const hpRc = 1 / (2 * Math.PI * 300);
    const lpRc = 1 / (2 * Math.PI * Math.min(3400, sampleRate * 0.45));
    this.highPass = hpRc / (hpRc + dt);
    this.lowPass = dt / (lpRc + dt);
  }

  /** The current noise floor in dBFS (speech band), once a frame was heard. */
  get noiseFloorDb(): number | undefined {
    return this.floorDb;
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  /**
   * Analyses one frame (16-bit samples, mono or interleaved) of `durationMs`; returns whether
   * the frame is within speech, hangover included.
   */
  process(samples: Int16Array, durationMs: number): boolean {
    const db = this.bandLevelDb(samples);
    // A microphone may open on a voice: the floor never starts above a quiet room's level.
    if (this.floorDb === undefined) this.floorDb = Math.min(db, CALIBRATION_VOICE_DB - this.snrDb);
    const calibrating = this.heardMs < CALIBRATION_MS;
    this.heardMs += durationMs;
    const loud = db > this.minDb && db > this.floorDb + this.snrDb && (!calibrating || db > CALIBRATION_VOICE_DB);
    const steps = durationMs / 10;
    const follow = (rate: number) => {
      const r = 1 - (1 - rate) ** steps;
      this.floorDb! += (db - this.floorDb!) * r;
    };
    if (calibrating && !loud) follow(db < this.floorDb ? FLOOR_FALL : 0.2);
    else if (!loud) follow(db < this.floorDb ? FLOOR_FALL : FLOOR_RISE);
    else follow(FLOOR_RISE_UNDER_VOICE);

    if (loud) {
      this.loudMs += durationMs;
      this.quietMs = 0;
      if (!this.speaking && this.loudMs >= this.onsetMs) this.speaking = true;
    } else {
      this.loudMs = 0;
      if (this.speaking) {
        this.quietMs += durationMs;
        if (this.quietMs >= this.hangoverMs) {
          this.speaking = false;
          this.quietMs = 0;
        }
      }
    }
    return this.speaking;
  }

  private bandLevelDb(samples: Int16Array): number {
    let sum = 0;
    let hpIn = this.hpIn;
    let hpOut = this.hpOut;
    let lpOut = this.lpOut;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      hpOut = this.highPass * (hpOut + x - hpIn);
      hpIn = x;
      lpOut += this.lowPass * (hpOut - lpOut);
      sum += lpOut * lpOut;
    }
    this.hpIn = hpIn;
    this.hpOut = hpOut;
    this.lpOut = lpOut;
    const energy = samples.length > 0 ? sum / samples.length : 0;
    return 10 * Math.log10(energy / FULL_SCALE_SQUARED + 1e-12);
  }
}
