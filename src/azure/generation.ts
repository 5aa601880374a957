/**
 * One translated utterance as the framework sees it: a `generation_created` whose single message
 * carries the translation text and the synthesized speech, every channel closed at the end
 * (the framework gives up on a silent audio stream after 10 s and logs "audio forwarding stalled").
 */
import { type llm, shortuuid } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { PushStream } from './push-stream.ts';
import { SynthesisDecoder } from './synthesis-decoder.ts';

export class UtteranceGeneration {
  readonly responseId = shortuuid('AZ_');
  /** Date.now() at creation, the framework's metrics timestamp. */
  readonly createdAt = Date.now();
  /** performance.now() values for latency. */
  readonly createdPerf = performance.now();
  firstAudioAt: number | undefined;
  synthesizedSamples = 0;
  #closed = false;
  readonly #decoder: SynthesisDecoder;
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
    return this.#closed;
  }

  writeText(text: string): void {
    if (!this.#closed && text) this.#text.push(text);
  }

  /** Decodes one synthesized chunk; throws WavError for audio that is not 16-bit PCM. */
  writeAudio(chunk: ArrayBuffer, receivedAt: number): void {
    if (this.#closed) return;
    this.#emit(this.#decoder.push(chunk, receivedAt));
  }

  /** Flushes the audio, closes every stream; idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#emit(this.#decoder.end());
    } finally {
      this.#closed = true;
      this.#decoder.close();
      this.#text.close();
      this.#audio.close();
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
