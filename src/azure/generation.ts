/**
 * One translated utterance as the framework sees it: a `generation_created` whose single message
 * carries the translation text and the synthesized speech, every channel closed at the end
 * (the framework gives up on a silent audio stream after 10 s and logs "audio forwarding stalled").
 */
import { type llm, shortuuid } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { decodeLater, mayDecodeNow, type PacedDecoder } from './decode-pacer.ts';
import { PushStream } from './push-stream.ts';
import { SynthesisDecoder } from './synthesis-decoder.ts';

/**
 * How long before playback would run out of decoded audio the resampler's held-back tail is let
 * out (`SynthesisDecoder.flushLookahead`): enough for the mixer to take it while the track's
 * source still has audio queued, so the tail plays on and is no gap.
 */
const TAIL_MARGIN_MS = 40;

export class UtteranceGeneration implements PacedDecoder {
  readonly responseId = shortuuid('AZ_');
  /** Date.now() at creation, the framework's metrics timestamp. */
  readonly createdAt = Date.now();
  /** performance.now() values for latency. */
  readonly createdPerf = performance.now();
  firstAudioAt: number | undefined;
  synthesizedSamples = 0;
  /** Some synthesized audio was written (decoded or still waiting for the pacer). */
  heardAudio = false;
  #closed = false;
  /** close() was called; the streams close once the backlog is decoded. */
  #ending = false;
  /** Chunks waiting for the pacer (decode-pacer.ts), in order. */
  readonly #backlog: { chunk: ArrayBuffer; receivedAt: number }[] = [];
  readonly #onClosed: (() => void)[] = [];
  /** A chunk decoded after writeAudio() returned was not usable audio; the generation is closed. */
  onAudioError: ((error: Error) => void) | undefined;
  readonly #decoder: SynthesisDecoder;
  #tailTimer: NodeJS.Timeout | undefined;
  readonly #text = new PushStream<string>();
  readonly #audio = new PushStream<AudioFrame>();
  readonly event: llm.GenerationCreatedEvent;

  constructor(readonly itemId: string, readonly outputRate: number) {
    this.#decoder = new SynthesisDecoder(outputRate);
    // One message per utterance is all there is, and a translator never calls tools.
    const messages = new PushStream<llm.MessageGeneration>();
    messages.push({
      messageId: this.responseId,
      textStream: this.#text.stream,
      audioStream: this.#audio.stream,
      modalities: Promise.resolve(['audio', 'text']),
    });
    messages.close();
    const functions = new PushStream<llm.FunctionCall>();
    functions.close();
    this.event = {
      messageStream: messages.stream,
      functionStream: functions.stream,
      userInitiated: false,
      responseId: this.responseId,
    };
  }

  get closed(): boolean {
    return this.#closed || this.#ending;
  }

  writeText(text: string): void {
    if (!this.closed && text) this.#text.push(text);
  }

  /**
   * Decodes one synthesized chunk, at once if the event loop can spare the time (throwing
   * WavError for audio that is not 16-bit PCM), otherwise a turn or two later (decode-pacer.ts).
   */
  writeAudio(chunk: ArrayBuffer, receivedAt: number): void {
    if (this.closed) return;
    this.heardAudio = true;
    // Chunks stay in order: once one waits, the rest of this utterance waits behind it.
    if (this.#backlog.length === 0 && mayDecodeNow()) {
      this.#emit(this.#decoder.push(chunk, receivedAt));
      this.#armTailFlush();
      return;
    }
    this.#backlog.push({ chunk, receivedAt });
    if (this.#backlog.length === 1) decodeLater(this);
  }

  /**
   * Flushes the audio and closes every stream once the chunks already written are decoded;
   * `onClosed` runs then. Idempotent.
   */
  close(onClosed?: () => void): void {
    if (this.#closed) {
      onClosed?.();
      return;
    }
    if (onClosed) this.#onClosed.push(onClosed);
    this.#ending = true;
    if (this.#backlog.length === 0) this.#finalize();
  }

  urgency(now: number): number {
    if (this.firstAudioAt === undefined) return Number.NEGATIVE_INFINITY;
    return (this.synthesizedSamples * 1000) / this.outputRate - (now - this.firstAudioAt);
  }

  step(): boolean {
    const next = this.#backlog.shift();
    if (next === undefined || this.#closed) return false;
    try {
      this.#emit(this.#decoder.push(next.chunk, next.receivedAt));
    } catch (error) {
      this.#backlog.length = 0;
      this.#finalize();
      this.onAudioError?.(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
    if (this.#backlog.length > 0) return true;
    if (this.#ending) this.#finalize();
    else this.#armTailFlush();
    return false;
  }

  /** Lets the resampler's tail out just before playback would reach it, unless more audio comes first. */
  #armTailFlush(): void {
    clearTimeout(this.#tailTimer);
    this.#tailTimer = undefined;
    if (!this.#decoder.holdsLookahead || this.#closed || this.#ending) return;
    const ahead = this.urgency(performance.now());
    this.#tailTimer = setTimeout(() => {
      this.#tailTimer = undefined;
      if (!this.closed && this.#backlog.length === 0) this.#emit(this.#decoder.flushLookahead());
    }, Math.max(0, ahead - TAIL_MARGIN_MS));
    this.#tailTimer.unref?.();
  }

  #finalize(): void {
    if (this.#closed) return;
    clearTimeout(this.#tailTimer);
    this.#tailTimer = undefined;
    try {
      this.#emit(this.#decoder.end());
    } finally {
      this.#closed = true;
      this.#decoder.close();
      this.#text.close();
      this.#audio.close();
      for (const callback of this.#onClosed.splice(0)) callback();
    }
  }

  #emit(frames: AudioFrame[]): void {
    for (const frame of frames) {
      this.firstAudioAt ??= performance.now();
      this.synthesizedSamples += frame.samplesPerChannel;
      this.#audio.push(frame);
    }
  }
}
