/**
 * One translated utterance as the framework sees it: a `generation_created` whose single message
 * carries the translation text and the synthesized speech, every channel closed at the end
 * (the framework gives up on a silent audio stream after 10 s and logs "audio forwarding stalled").
 */
import { type llm, shortuuid, stream } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { SynthesisDecoder } from './synthesis-decoder.ts';

type StreamChannel<T> = ReturnType<typeof stream.createStreamChannel<T>>;

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
  readonly #text: StreamChannel<string>;
  readonly #audio: StreamChannel<AudioFrame>;
  readonly #message: StreamChannel<llm.MessageGeneration>;
  readonly #functions: StreamChannel<llm.FunctionCall>;
  readonly event: llm.GenerationCreatedEvent;

  constructor(readonly itemId: string, readonly outputRate: number) {
    this.#decoder = new SynthesisDecoder(outputRate);
    this.#text = stream.createStreamChannel<string>();
    this.#audio = stream.createStreamChannel<AudioFrame>();
    this.#message = stream.createStreamChannel<llm.MessageGeneration>();
    this.#functions = stream.createStreamChannel<llm.FunctionCall>();
    this.event = {
      messageStream: this.#message.stream(),
      functionStream: this.#functions.stream(),
      userInitiated: false,
      responseId: this.responseId,
    };
    ignore(
      this.#message.write({
        messageId: this.responseId,
        textStream: this.#text.stream(),
        audioStream: this.#audio.stream(),
        modalities: Promise.resolve(['audio', 'text']),
      }),
    );
    // A translator never calls tools, and one message per utterance is all there is.
    ignore(this.#message.close());
    ignore(this.#functions.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  writeText(text: string): void {
    if (!this.#closed && text) ignore(this.#text.write(text));
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
      ignore(this.#text.close());
      ignore(this.#audio.close());
    }
  }

  #emit(frames: AudioFrame[]): void {
    for (const frame of frames) {
      this.firstAudioAt ??= performance.now();
      this.synthesizedSamples += frame.samplesPerChannel;
      ignore(this.#audio.write(frame));
    }
  }
}

/** Channel writes settle when a reader takes the chunk, or reject if the reader went away. */
function ignore(promise: Promise<void>): void {
  promise.catch(() => {});
}
