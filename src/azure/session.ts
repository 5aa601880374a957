/**
 * A live interpretation session: input audio in, per utterance the source transcript, every target
 * language's text (`translation`) and, for the spoken language, a generation with text and speech.
 * Owns one recognizer at a time and recreates it (keeping the audio in between) when the SDK gives up.
 */
import { llm } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { CancellationErrorCode, ResultReason, type TranslationRecognitionResult } from 'microsoft-cognitiveservices-speech-sdk';
import { BlockWriter, InputAudioConverter, SERVICE_SAMPLE_RATE } from './audio-input.ts';
import type { LiveInterpreterMetrics, LiveInterpreterStats, TranslationEvent } from './events.ts';
import { TICKS_PER_SAMPLE, samplesToMs, translationEvent, translationsOf, utteranceMetrics } from './results.ts';
import { FinishWaiter } from './finish-waiter.ts';
import { UtteranceGeneration } from './generation.ts';
import type { ResolvedOptions } from './options.ts';
import { type FailureKind, backoffDelayMs, classifyCancellation, describeFailure } from './reconnect.ts';
import { Recognizer, type RecognizerCallbacks } from './recognizer.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import { PendingGenerations, type PendingGeneration } from './pending-generations.ts';
import { Utterances } from './utterances.ts';

/** A connection that lived this long before failing counts as healthy: the retry count starts over. */
const HEALTHY_CONNECTION_MS = 30_000;
/** finishInput() stops waiting when the service has said nothing for this long. */
const FINISH_IDLE_MS = 10_000;

/** The parts of the model a session reads; keeps this file free of an import cycle with model.ts. */
export interface InterpreterModelLike extends llm.RealtimeModel {
  readonly resolvedOptions: ResolvedOptions;
  releaseSession(session: LiveInterpreterSession): void;
}

export interface LiveInterpreterSession {
  on(event: 'translation', listener: (event: TranslationEvent) => void): this;
  on(event: 'metrics_collected', listener: (metrics: LiveInterpreterMetrics) => void): this;
  on(event: string | symbol, listener: (...args: never[]) => void): this;
  once(event: 'translation', listener: (event: TranslationEvent) => void): this;
  once(event: 'metrics_collected', listener: (metrics: LiveInterpreterMetrics) => void): this;
  once(event: string | symbol, listener: (...args: never[]) => void): this;
}

export class LiveInterpreterSession extends llm.RealtimeSession {
  readonly #options: ResolvedOptions;
  readonly #model: InterpreterModelLike;
  readonly #label: string;
  readonly #converter = new InputAudioConverter();
  readonly #blocks = new BlockWriter();
  readonly #writeBlock = (block: Int16Array): void => this.#deliver(block);
  readonly #replay: ReplayBuffer;
  readonly #pending: PendingGenerations;
  #chatCtx = llm.ChatContext.empty();
  #tools = llm.ToolContext.empty();
  #instructions = '';
  #recognizer: Recognizer | undefined;
  /** Session sample index that the current recognizer's offset 0 stands for. */
  #recognizerBase = 0;
  #sessionSamples = 0;
  #state: 'running' | 'reconnecting' | 'failed' | 'closing' | 'closed' = 'running';
  #attempts = 0;
  #connectedAt: number | undefined;
  #restarts = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #utterances = new Utterances((event, payload) => this.emit(event, payload));
  /** The latest final result: audio that arrives with no generation waiting belongs to it. */
  #lastFinal: Pick<PendingGeneration, 'itemId' | 'sourceLanguage' | 'speechEndedAt'> | undefined;
  #inputEnded = false;
  #finish: FinishWaiter | undefined;
  readonly #discarding = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  constructor(model: InterpreterModelLike) {
    super(model);
    this.#model = model;
    this.#options = model.resolvedOptions;
    this.#label = model.label();
    this.#replay = new ReplayBuffer(Math.round((this.#options.maxBufferedAudioMs * SERVICE_SAMPLE_RATE) / 1000));
    this.#pending = new PendingGenerations(
      {
        onFinished: (pending) => this.#emitMetrics(pending),
        onAudioError: (error) => this.#emitError(error, true),
        orphanAudio: () => this.#orphanGeneration(),
      },
      this.#options.generationTimeoutMs,
    );
    for (const warning of this.#options.warnings) this.logger.warn(`live interpreter: ${warning}`);
    this.#startRecognizer();
  }

  get chatCtx(): llm.ChatContext {
    return this.#chatCtx.copy();
  }

  get tools(): llm.ToolContext {
    return this.#tools;
  }

  /** Kept for the framework's sake; an interpreter takes no instructions. */
  get instructions(): string {
    return this.#instructions;
  }

  get stats(): LiveInterpreterStats {
    return {
      recognizerRestarts: this.#restarts,
      droppedAudioMs: samplesToMs(this.#replay.droppedSamples),
      bufferedAudioMs: samplesToMs(this.#replay.bufferedSamples),
      pushedAudioMs: samplesToMs(this.#sessionSamples),
    };
  }

  async updateInstructions(instructions: string): Promise<void> {
    this.#instructions = instructions;
  }

  async updateChatCtx(chatCtx: llm.ChatContext): Promise<void> {
    this.#chatCtx = chatCtx.copy();
  }

  async updateTools(tools: llm.ToolContext): Promise<void> {
    this.#tools = tools;
  }

  updateOptions(_options: { toolChoice?: llm.ToolChoice | null }): void {
    // Nothing to choose: the interpreter calls no tools.
  }

  pushAudio(frame: AudioFrame): void {
    if (this.#state !== 'running' && this.#state !== 'reconnecting') return;
    if (this.#inputEnded) return;
    let samples: Int16Array;
    try {
      samples = this.#converter.convert(frame);
    } catch (error) {
      // Called from the framework's input pump: a bad frame must not end the session's input.
      this.#emitError(new Error(`cannot use input frame (${frame.sampleRate} Hz, ${frame.channels} ch): ${String(error)}`), true);
      return;
    }
    if (samples.length > 0) this.#blocks.write(samples, this.#writeBlock);
  }

  #deliver(block: Int16Array): void {
    const start = this.#sessionSamples;
    this.#sessionSamples += block.length;
    const recognizer = this.#state === 'running' ? this.#recognizer : undefined;
    this.#replay.append(block, start, performance.now(), recognizer !== undefined);
    recognizer?.write(block);
  }

  async generateReply(): Promise<llm.GenerationCreatedEvent> {
    throw new llm.RealtimeError('LiveInterpreterSession translates speech as it arrives; it cannot generate a reply on request');
  }

  /** The service segments speech itself; there is no buffer to commit. */
  async commitAudio(): Promise<void> {}

  async clearAudio(): Promise<void> {}

  /** Translations already queued keep playing: the framework interrupts playout, not the service. */
  async interrupt(): Promise<void> {}

  async truncate(): Promise<void> {}

  /**
   * Ends the input: resolves once the service has answered all audio pushed so far (or has been
   * silent for 10 s). Later pushAudio() calls are ignored. Use before close() to translate a
   * recording to its end.
   */
  finishInput(): Promise<void> {
    if (this.#finish) return this.#finish.promise;
    if (this.#state !== 'running' && this.#state !== 'reconnecting') return Promise.resolve();
    const rest = this.#blocks.flush();
    if (rest) this.#deliver(rest);
    this.#inputEnded = true;
    this.#finish = new FinishWaiter(FINISH_IDLE_MS);
    if (this.#state === 'running') this.#recognizer?.endInput();
    return this.#finish.promise;
  }

  override async close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const draining = this.#state === 'running';
    const rest = this.#inputEnded ? undefined : this.#blocks.flush();
    if (rest && draining) this.#deliver(rest);
    this.#state = 'closing';
    clearTimeout(this.#reconnectTimer);
    const recognizer = this.#recognizer;
    // Results for audio already sent still arrive while the recognizer drains (bounded by its stop timeout).
    if (recognizer) await recognizer.close(draining);
    this.#state = 'closed';
    this.#recognizer = undefined;
    await Promise.allSettled([...this.#discarding]);
    this.#utterances.end();
    this.#pending.closeAll();
    this.#finish?.settle();
    this.#converter.close();
    this.#replay.clear();
    this.#model.releaseSession(this);
    await super.close();
  }

  #startRecognizer(): void {
    this.#recognizerBase = this.#replay.firstSample(this.#sessionSamples);
    const ref: { recognizer?: Recognizer } = {};
    const recognizer = new Recognizer(this.#options, this.#callbacksFor(ref));
    ref.recognizer = recognizer;
    this.#recognizer = recognizer;
    this.#connectedAt = undefined;
    for (const samples of this.#replay.takeForReplay()) recognizer.write(samples);
    if (this.#inputEnded) recognizer.endInput();
    recognizer.start().catch((error: unknown) => {
      if (this.#recognizer === recognizer) this.#onFailed(recognizer, CancellationErrorCode.ConnectionFailure, String(error));
    });
  }

  #callbacksFor(ref: { recognizer?: Recognizer }): RecognizerCallbacks {
    // A discarded recognizer may still talk: only the current one is heard, also while it drains on close.
    const live = (): boolean =>
      ref.recognizer !== undefined && ref.recognizer === this.#recognizer && (this.#state === 'running' || this.#state === 'closing');
    return {
      sessionStarted: () => {
        if (live()) this.#connectedAt = performance.now();
      },
      sessionStopped: () => {
        if (!live()) return;
        // The service has answered everything: no more audio will come for any generation.
        this.#utterances.end();
        this.#pending.closeAll();
        this.#finish?.settle();
      },
      speechStarted: () => live() && this.#activity() && this.#utterances.started(),
      speechEnded: () => {
        if (!live() || !this.#activity()) return;
        this.#utterances.speechEnded();
        this.#pending.speechEnded();
      },
      recognizing: (result) => live() && this.#activity() && this.#onRecognizing(result),
      recognized: (result) => live() && this.#activity() && this.#onRecognized(result),
      synthesizedAudio: (audio) => live() && this.#activity() && this.#pending.audio(audio, performance.now()),
      synthesisCompleted: () => live() && this.#activity() && this.#pending.completed(),
      synthesisFailed: (details) => {
        if (!live()) return;
        this.#pending.failed();
        this.#emitError(new Error(`speech synthesis failed: ${details}`), true);
      },
      failed: (code, details) => {
        if (live() && ref.recognizer) this.#onFailed(ref.recognizer, code, details);
      },
      handlerError: (error) => {
        this.logger.error({ error }, 'live interpreter: event handler failed');
        this.#emitError(error instanceof Error ? error : new Error(String(error)), true);
      },
    };
  }

  /** Any service result proves the connection works and keeps finishInput() waiting. */
  #activity(): true {
    this.#attempts = 0;
    this.#finish?.activity();
    return true;
  }

  #onRecognizing(result: TranslationRecognitionResult): void {
    const translations = translationsOf(result, this.#options.targetLanguages);
    if (!result.text && Object.keys(translations).length === 0) return;
    const utterance = this.#utterances.result();
    this.emit('input_audio_transcription_completed', {
      itemId: utterance.itemId,
      transcript: result.text ?? '',
      isFinal: false,
    } satisfies llm.InputTranscriptionCompleted);
    this.emit('translation', translationEvent(utterance.itemId, false, result, translations, this.#recognizerBase));
  }

  #onRecognized(result: TranslationRecognitionResult): void {
    const endSample = this.#recognizerBase + Math.round((result.offset + result.duration) / TICKS_PER_SAMPLE);
    const speechEndedAt = this.#replay.pushedAt(endSample - 1);
    this.#replay.acknowledge(endSample);
    const translations = translationsOf(result, this.#options.targetLanguages);
    const text = result.text ?? '';
    if (result.reason === ResultReason.NoMatch || (!text && Object.keys(translations).length === 0)) {
      this.#utterances.end();
      return;
    }
    const utterance = this.#utterances.result();
    this.emit('input_audio_transcription_completed', {
      itemId: utterance.itemId,
      transcript: text,
      isFinal: true,
      turnStartedAt: utterance.startedAt,
    } satisfies llm.InputTranscriptionCompleted);
    this.#utterances.end();
    this.emit('translation', translationEvent(utterance.itemId, true, result, translations, this.#recognizerBase));
    if (result.reason === ResultReason.RecognizedSpeech && result.errorDetails) {
      this.logger.warn({ details: result.errorDetails }, 'live interpreter: translation failed for an utterance');
    }

    this.#lastFinal = { itemId: utterance.itemId, sourceLanguage: result.language || undefined, speechEndedAt };
    const pending = newPending(this.#lastFinal);
    const spoken = this.#options.spokenLanguage;
    const spokenText = spoken === null ? undefined : translations[spoken];
    if (spokenText) {
      this.#openGeneration(pending, spokenText);
      this.#pending.add(pending);
    } else {
      // Text only (or no translation into the spoken language): the utterance is complete now.
      this.#emitMetrics(pending);
    }
  }

  #openGeneration(pending: PendingGeneration, text: string): void {
    const generation = new UtteranceGeneration(pending.itemId, this.#options.sampleRate);
    pending.generation = generation;
    pending.createdAt = generation.createdAt;
    pending.createdPerf = generation.createdPerf;
    this.emit('generation_created', generation.event);
    generation.writeText(text);
  }

  /**
   * Synthesized audio came with no generation open (after the one it belonged to was closed, or for
   * a phrase that had no text in the spoken language): it is played, under the latest utterance.
   */
  #orphanGeneration(): PendingGeneration | undefined {
    if (this.#options.spokenLanguage === null) return undefined;
    const pending = newPending(this.#lastFinal ?? { itemId: this.#utterances.current().itemId, sourceLanguage: undefined, speechEndedAt: undefined });
    this.#openGeneration(pending, '');
    return pending;
  }

  #onFailed(recognizer: Recognizer, code: CancellationErrorCode, details: string): void {
    if (this.#state !== 'running' || this.#recognizer !== recognizer) return;
    const kind: FailureKind = classifyCancellation(code, details);
    this.#recognizer = undefined;
    this.#discard(recognizer);
    this.#utterances.end();
    // Audio still owed to recognized phrases died with the connection.
    this.#pending.closeAll('connection');
    const healthy = this.#connectedAt !== undefined && performance.now() - this.#connectedAt > HEALTHY_CONNECTION_MS;
    if (healthy) this.#attempts = 0;
    this.#attempts++;
    const message = describeFailure(kind, this.#options.endpoint, details);
    const giveUp = kind === 'auth' || kind === 'bad_request' || this.#attempts > this.#options.reconnect.maxAttempts;
    if (giveUp) {
      this.#state = 'failed';
      this.#replay.clear();
      this.#finish?.settle();
      const suffix = kind === 'auth' || kind === 'bad_request' ? '' : ` (gave up after ${this.#attempts - 1} reconnect attempts)`;
      this.#emitError(new Error(message + suffix), false);
      return;
    }
    this.#state = 'reconnecting';
    const delay = backoffDelayMs(this.#attempts, kind, this.#options.reconnect);
    this.logger.warn({ kind, attempt: this.#attempts, delayMs: delay }, `live interpreter: ${message}; reconnecting`);
    this.#emitError(new Error(`${message}; reconnecting in ${delay} ms`), true);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state !== 'reconnecting') return;
      this.#state = 'running';
      this.#restarts++;
      this.#startRecognizer();
      this.emit('session_reconnected', {} satisfies llm.RealtimeSessionReconnectedEvent);
    }, delay);
  }

  #discard(recognizer: Recognizer): void {
    const closing = recognizer.close(false);
    this.#discarding.add(closing);
    void closing.finally(() => this.#discarding.delete(closing));
  }

  #emitMetrics(pending: PendingGeneration): void {
    const context = {
      label: this.#label,
      modelName: this.realtimeModel.model,
      modelProvider: this.realtimeModel.provider,
      droppedAudioMs: samplesToMs(this.#replay.droppedSamples),
    };
    this.emit('metrics_collected', utteranceMetrics(pending, context));
  }

  #emitError(error: Error, recoverable: boolean): void {
    const event: llm.RealtimeModelError = { type: 'realtime_model_error', timestamp: Date.now(), label: this.#label, error, recoverable };
    // Node throws on an unheard 'error'; a session nobody listens to must not crash the process.
    if (this.listenerCount('error') > 0) this.emit('error', event);
    else this.logger.error({ error, recoverable }, 'live interpreter error (no error listener)');
  }
}

function newPending(from: Pick<PendingGeneration, 'itemId' | 'sourceLanguage' | 'speechEndedAt'>): PendingGeneration {
  return { generation: undefined, createdAt: Date.now(), createdPerf: performance.now(), ...from };
}
