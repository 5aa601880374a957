/**
 * Generations waiting for their synthesized audio. The service answers phrase by phrase —
 * translation.phrase, then its synthesis chunks, then synthesis.end (notes: azure-speech 2.3) —
 * and the audio carries no tag, so chunks belong to the oldest generation still open.
 */
import { WavError } from '../common/wav.ts';
import type { UtteranceGeneration } from './generation.ts';

/** A generation that has heard nothing for this long is closed, so the framework never stalls on it. */
export const GENERATION_STALL_MS = 8_000;

export interface PendingGeneration {
  generation: UtteranceGeneration | undefined;
  itemId: string;
  /** Date.now() at creation. */
  createdAt: number;
  /** performance.now() at creation: when the final translation arrived. */
  createdPerf: number;
  /** performance.now() when the utterance's last sample was pushed, if known. */
  speechEndedAt: number | undefined;
  sourceLanguage: string | undefined;
}

export interface PendingGenerationsHooks {
  onFinished(pending: PendingGeneration): void;
  /** Synthesized audio that could not be decoded. */
  onAudioError?(error: Error): void;
}

export class PendingGenerations {
  readonly #queue: PendingGeneration[] = [];
  readonly #hooks: PendingGenerationsHooks;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(hooks: PendingGenerationsHooks) {
    this.#hooks = hooks;
  }

  add(pending: PendingGeneration): void {
    if (pending.generation) {
      pending.generation.onAudioError = (error) => {
        this.#hooks.onAudioError?.(error);
        if (this.#queue[0] === pending) this.completeHead();
      };
    }
    this.#queue.push(pending);
    if (this.#queue.length === 1) this.#armStallTimer();
  }

  audio(chunk: ArrayBuffer, receivedAt: number): void {
    const head = this.#queue[0];
    if (!head?.generation) return;
    try {
      head.generation.writeAudio(chunk, receivedAt);
    } catch (error) {
      if (!(error instanceof WavError)) throw error;
      this.#hooks.onAudioError?.(error);
      this.completeHead();
      return;
    }
    this.#armStallTimer();
  }

  completeHead(): void {
    const head = this.#queue.shift();
    if (head) this.#finish(head);
    this.#armStallTimer();
  }

  closeAll(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    for (const pending of this.#queue.splice(0)) this.#finish(pending);
  }

  get size(): number {
    return this.#queue.length;
  }

  #finish(pending: PendingGeneration): void {
    // Metrics wait for the audio still being decoded, so they count all of it.
    if (pending.generation) pending.generation.close(() => this.#hooks.onFinished(pending));
    else this.#hooks.onFinished(pending);
  }

  #armStallTimer(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (this.#queue.length === 0) return;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      this.completeHead();
    }, GENERATION_STALL_MS);
  }
}
