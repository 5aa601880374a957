/**
 * One Speech SDK TranslationRecognizer fed by a push stream: built from resolved options, its
 * events forwarded to plain callbacks (each guarded, because the SDK silently swallows handler
 * exceptions and carries on half-done — notes: azure-speech 2.2), and shut down without hanging
 * when the service never ends the turn (2.5).
 */
import {
  AudioConfig,
  AudioInputStream,
  AudioStreamFormat,
  AutoDetectSourceLanguageConfig,
  type CancellationErrorCode,
  CancellationReason,
  LanguageIdMode,
  ProfanityOption,
  PropertyId,
  type PushAudioInputStream,
  ResultReason,
  SpeechTranslationConfig,
  type TranslationRecognitionResult,
  TranslationRecognizer,
} from 'microsoft-cognitiveservices-speech-sdk';
import { SERVICE_SAMPLE_RATE } from './audio-input.ts';
import type { ResolvedOptions } from './options.ts';
import { applyToConfig, applyToRecognizer } from './terminology.ts';

/** Bounds stop/close when the service never sends turn.end. */
export const STOP_TIMEOUT_MS = 2000;

export interface RecognizerCallbacks {
  sessionStarted(): void;
  /** The service has answered all input after endInput(). */
  sessionStopped(): void;
  speechStarted(): void;
  speechEnded(): void;
  recognizing(result: TranslationRecognitionResult): void;
  recognized(result: TranslationRecognitionResult): void;
  synthesizedAudio(audio: ArrayBuffer): void;
  synthesisCompleted(): void;
  /** A failed synthesis: not terminal, recognition goes on. */
  synthesisFailed(details: string): void;
  /** Terminal: the SDK gave up on this recognizer. */
  failed(code: CancellationErrorCode, details: string): void;
  /** A handler threw; the session decides what that means. */
  handlerError(error: unknown): void;
}

const PROFANITY: Record<NonNullable<ResolvedOptions['profanity']>, ProfanityOption> = {
  masked: ProfanityOption.Masked,
  removed: ProfanityOption.Removed,
  raw: ProfanityOption.Raw,
};

export class Recognizer {
  readonly #push: PushAudioInputStream;
  readonly #recognizer: TranslationRecognizer;
  readonly #callbacks: RecognizerCallbacks;
  /** Once set, events from the SDK are ignored: this recognizer is being discarded. */
  #detached = false;
  #synthesisCancelPending = false;
  #closing: Promise<void> | undefined;
  #inputClosed = false;

  constructor(options: ResolvedOptions, callbacks: RecognizerCallbacks) {
    this.#callbacks = callbacks;
    // FromConfig mutates the config it is given (notes 2.1): a fresh one per recognizer.
    const config = SpeechTranslationConfig.fromEndpoint(new URL(options.endpoint.href), options.key);
    for (const language of options.targetLanguages) config.addTargetLanguage(language);
    if (options.voice !== undefined) config.voiceName = options.voice;
    if (options.profanity !== undefined) config.setProfanity(PROFANITY[options.profanity]);
    config.setProperty(PropertyId.Recognizer_StopTimeoutMs, String(STOP_TIMEOUT_MS));
    applyToConfig(options.terminology, config);
    const languages =
      options.sourceLanguages === 'auto'
        ? AutoDetectSourceLanguageConfig.fromOpenRange()
        : AutoDetectSourceLanguageConfig.fromLanguages(options.sourceLanguages);
    languages.mode = LanguageIdMode.Continuous;
    this.#push = AudioInputStream.createPushStream(AudioStreamFormat.getWaveFormatPCM(SERVICE_SAMPLE_RATE, 16, 1));
    this.#recognizer = TranslationRecognizer.FromConfig(config, languages, AudioConfig.fromStreamInput(this.#push));
    applyToRecognizer(options.terminology, this.#recognizer);
    this.#attach();
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#recognizer.startContinuousRecognitionAsync(resolve, (error: string) => reject(new Error(error)));
    });
  }

  /** `samples` must own its buffer exactly: the SDK keeps the ArrayBuffer it is given. */
  write(samples: Int16Array): void {
    if (this.#detached || this.#inputClosed || samples.length === 0) return;
    const exact =
      samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength
        ? (samples.buffer as ArrayBuffer)
        : (samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength) as ArrayBuffer);
    this.#push.write(exact);
  }

  /** Closes the input stream: the service finishes what it has, then the session stops. */
  endInput(): void {
    if (this.#inputClosed) return;
    this.#inputClosed = true;
    this.#push.close();
  }

  /**
   * Ends the input and waits (bounded by STOP_TIMEOUT_MS) for the service to finish what it was
   * given; results arriving meanwhile are still delivered unless `graceful` is false.
   */
  close(graceful: boolean): Promise<void> {
    if (!graceful) this.#detached = true;
    this.#closing ??= this.#shutdown().finally(() => {
      this.#detached = true;
    });
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.endInput();
    try {
      await new Promise<void>((resolve, reject) => this.#recognizer.stopContinuousRecognitionAsync(resolve, (e: string) => reject(new Error(e))));
    } catch {
      // Stop timed out (no turn.end) or the connection is gone; the SDK has disconnected. Close anyway.
    }
    try {
      await new Promise<void>((resolve, reject) => this.#recognizer.close(resolve, (e: string) => reject(new Error(e))));
    } catch {
      // Already disposed or its stop failed again: nothing more can be released.
    }
  }

  #attach(): void {
    const r = this.#recognizer;
    const cb = this.#callbacks;
    const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
      if (this.#detached) return;
      try {
        fn(...args);
      } catch (error) {
        try {
          cb.handlerError(error);
        } catch {
          // The error path itself failed; the SDK would swallow this anyway.
        }
      }
    };
    r.sessionStarted = guard(() => cb.sessionStarted());
    r.sessionStopped = guard(() => cb.sessionStopped());
    r.speechStartDetected = guard(() => cb.speechStarted());
    r.speechEndDetected = guard(() => cb.speechEnded());
    r.recognizing = guard((_s, e) => cb.recognizing(e.result));
    r.recognized = guard((_s, e) => cb.recognized(e.result));
    r.synthesizing = guard((_s, e) => {
      const { reason, audio } = e.result;
      if (reason === ResultReason.SynthesizingAudio && audio && audio.byteLength > 0) cb.synthesizedAudio(audio);
      else if (reason === ResultReason.SynthesizingAudioCompleted || reason === ResultReason.SynthesizingAudio) cb.synthesisCompleted();
      else if (reason === ResultReason.Canceled) this.#synthesisCancelPending = true;
    });
    r.canceled = guard((_s, e) => {
      if (e.reason === CancellationReason.EndOfStream) return cb.sessionStopped();
      if (this.#synthesisCancelPending) {
        // synthesizing(Canceled) announces a non-terminal cancel carrying the service's text.
        this.#synthesisCancelPending = false;
        cb.synthesisFailed(e.errorDetails);
        return;
      }
      this.#detached = true;
      cb.failed(e.errorCode, e.errorDetails);
    });
  }
}
