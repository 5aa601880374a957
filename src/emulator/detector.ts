/**
 * Finds utterances in a stream of 16-bit mono PCM by energy: speech starts after a few loud 10 ms
 * frames and ends after a stretch of quiet ones. Deterministic, cheap, and good enough to answer
 * the SDK the way the service would: one result per utterance.
 */

export interface DetectorOptions {
  sampleRate: number;
  threshold: number;
  /** Loud frames in a row that start speech. */
  startFrames?: number;
  endSilenceMs: number;
  /** Longest utterance kept; longer speech is cut into several (the service segments too). */
  maxUtteranceMs?: number;
}

export interface DetectedUtterance {
  /** Sample index (since the turn began) of the first speech frame. */
  startSample: number;
  endSample: number;
  samples: Int16Array;
  /** RMS of each 10 ms frame, for shaping the synthesized reply. */
  envelope: Float32Array;
}

export interface DetectorEvents {
  speechStart(startSample: number): void;
  /** Speech continues; called every 10 ms frame of an utterance. */
  speechProgress(startSample: number, samplesSoFar: number): void;
  utterance(utterance: DetectedUtterance): void;
  /** A quiet 10 ms frame outside speech; `quietSamples` counts back to where the last utterance ended. */
  quiet?(quietSamples: number, endOfLastUtterance: number | undefined): void;
}

export class UtteranceDetector {
  private readonly frameSamples: number;
  private readonly carry: Int16Array;
  private carryLength = 0;
  private position = 0;
  private loudRun = 0;
  private quietRun = 0;
  private inSpeech = false;
  private startSample = 0;
  /** Where the last utterance ended (its last speech sample), undefined before the first. */
  private lastEnd: number | undefined;
  private chunks: Int16Array[] = [];
  private envelope: number[] = [];
  private readonly endFrames: number;
  private readonly startFrames: number;
  private readonly maxFrames: number;

  constructor(
    private readonly options: DetectorOptions,
    private readonly events: DetectorEvents,
  ) {
    this.frameSamples = Math.round(options.sampleRate / 100);
    this.carry = new Int16Array(this.frameSamples);
    this.endFrames = Math.max(1, Math.round(options.endSilenceMs / 10));
    this.startFrames = options.startFrames ?? 6;
    this.maxFrames = Math.round((options.maxUtteranceMs ?? 30_000) / 10);
  }

  /** Samples consumed since the turn began. */
  get samplesSeen(): number {
    return this.position + this.carryLength;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  feed(samples: Int16Array): void {
    let offset = 0;
    if (this.carryLength > 0) {
      offset = Math.min(this.frameSamples - this.carryLength, samples.length);
      this.carry.set(samples.subarray(0, offset), this.carryLength);
      this.carryLength += offset;
      if (this.carryLength < this.frameSamples) return;
      this.frame(this.carry.slice());
      this.carryLength = 0;
    }
    for (; offset + this.frameSamples <= samples.length; offset += this.frameSamples) this.frame(samples.slice(offset, offset + this.frameSamples));
    this.carry.set(samples.subarray(offset));
    this.carryLength = samples.length - offset;
  }

  /** End of input: an utterance in progress ends here. */
  flush(): void {
    if (this.carryLength > 0) this.frame(this.carry.slice(0, this.carryLength));
    this.carryLength = 0;
    if (this.inSpeech) this.finish(this.position);
  }

  private frame(frame: Int16Array): void {
    let sum = 0;
    for (const s of frame) sum += s * s;
    const rms = Math.sqrt(sum / frame.length);
    const frameStart = this.position;
    this.position += frame.length;
    const loud = rms >= this.options.threshold;
    if (!this.inSpeech) {
      this.loudRun = loud ? this.loudRun + 1 : 0;
      // Keep the frames that led to detection: they are the start of the word.
      this.chunks.push(frame);
      this.envelope.push(rms);
      if (this.chunks.length > this.startFrames) {
        this.chunks.shift();
        this.envelope.shift();
      }
      if (this.loudRun >= this.startFrames) {
        this.inSpeech = true;
        this.quietRun = 0;
        this.startSample = frameStart - (this.chunks.length - 1) * this.frameSamples;
        this.events.speechStart(this.startSample);
      } else if (!loud) {
        this.events.quiet?.(this.position - (this.lastEnd ?? 0), this.lastEnd);
      }
      return;
    }
    this.chunks.push(frame);
    this.envelope.push(rms);
    this.quietRun = loud ? 0 : this.quietRun + 1;
    this.events.speechProgress(this.startSample, this.position - this.startSample);
    if (this.quietRun >= this.endFrames) this.finish(this.position - this.quietRun * this.frameSamples, this.quietRun);
    else if (this.envelope.length >= this.maxFrames) this.finish(this.position);
  }

  private finish(endSample: number, trailingQuietFrames = 0): void {
    const keep = this.chunks.length - trailingQuietFrames;
    const chunks = this.chunks.slice(0, Math.max(0, keep));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const samples = new Int16Array(total);
    let offset = 0;
    for (const c of chunks) {
      samples.set(c, offset);
      offset += c.length;
    }
    const utterance: DetectedUtterance = { startSample: this.startSample, endSample, samples, envelope: Float32Array.from(this.envelope.slice(0, Math.max(0, keep))) };
    this.inSpeech = false;
    this.lastEnd = endSample;
    this.loudRun = 0;
    this.quietRun = 0;
    this.chunks = [];
    this.envelope = [];
    this.events.utterance(utterance);
  }
}
