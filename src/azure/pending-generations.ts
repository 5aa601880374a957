/**
 * Generations taking synthesized audio. The service answers phrase by phrase (the phrase, then its
 * synthesis: notes azure-speech 2.3) and the audio carries no tag, so chunks belong to the oldest
 * generation still open. What closes one differs between services, and all of these are handled:
 * - a completion event per phrase (`translation.synthesis.end`; a Microsoft engineer in
 *   Azure-Samples/cognitive-services-speech-sdk#79: one synthesis.end per phrase);
 * - a completion once per stream (Microsoft's Live Interpreter sample stops at the first zero-length
 *   chunk; notes azure-speech 9, 10): then the next phrase, the end of speech or the end of the
 *   session is what says a phrase's audio is over;
 * - audio with no generation waiting (a late chunk, a phrase with no text in the spoken language):
 *   it gets a generation of its own rather than being dropped.
 * A timer closes a generation only when the service has said nothing at all for a long time.
 */
import { WavError } from '../common/wav.ts';
import type { UtteranceGeneration } from './generation.ts';

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
  /** Why its audio was cut off before the service said it was complete, if it was. */
  cutOff?: 'connection' | 'stall';
}

export interface PendingGenerationsHooks {
  onFinished(pending: PendingGeneration): void;
  /** Synthesized audio that could not be decoded. */
  onAudioError?(error: Error): void;
  /** Audio arrived with no generation open: make one for it (undefined: the session speaks nothing). */
  orphanAudio(): PendingGeneration | undefined;
}

export class PendingGenerations {
  readonly #queue: PendingGeneration[] = [];
  readonly #hooks: PendingGenerationsHooks;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  /**
   * Generations closed by something other than their completion event. If the service sends one
   * completion per phrase, those completions are still on their way and must not close the next
   * generation; if it sends one per stream, the count is simply never used up.
   */
  #owedCompletions = 0;

  constructor(hooks: PendingGenerationsHooks, timeoutMs: number) {
    this.#hooks = hooks;
    this.#timeoutMs = timeoutMs;
  }

  /** A new phrase with text to speak: the phrases before it whose audio has begun are complete. */
  add(pending: PendingGeneration): void {
    this.#closeHeard();
    if (pending.generation) {
      pending.generation.onAudioError = (error) => {
        this.#hooks.onAudioError?.(error);
        const index = this.#queue.indexOf(pending);
        if (index >= 0) this.#finish(this.#queue.splice(index, 1)[0]!);
      };
    }
    this.#queue.push(pending);
    this.#arm();
  }

  audio(chunk: ArrayBuffer, receivedAt: number): void {
    let head = this.#queue[0];
    if (!head?.generation) {
      const orphan = this.#hooks.orphanAudio();
      if (!orphan?.generation) return;
      this.#queue.unshift(orphan);
      head = orphan;
    }
    const generation = head.generation as UtteranceGeneration;
    try {
      generation.writeAudio(chunk, receivedAt);
    } catch (error) {
      if (!(error instanceof WavError)) throw error;
      this.#hooks.onAudioError?.(error);
      this.#finish(this.#queue.shift()!);
      return;
    }
    this.#arm();
  }

  /** The service says the synthesis in progress is complete. */
  completed(): void {
    if (this.#owedCompletions > 0) {
      this.#owedCompletions--;
      return;
    }
    const head = this.#queue.shift();
    if (head) this.#finish(head);
    this.#arm();
  }

  /** The synthesis in progress failed: like a completion, it ends that phrase's audio. */
  failed(): void {
    this.completed();
  }

  /** Speech has ended (the service said so): audio already flowing is all there will be. */
  speechEnded(): void {
    this.#closeHeard();
    this.#arm();
  }

  /**
   * The session has stopped or failed: nothing more will come. `cutOff` says the audio still owed
   * died with the connection (the service did not finish these generations).
   */
  closeAll(cutOff?: 'connection'): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#owedCompletions = 0;
    for (const pending of this.#queue.splice(0)) {
      if (cutOff) pending.cutOff = cutOff;
      this.#finish(pending);
    }
  }

  get size(): number {
    return this.#queue.length;
  }

  /** Closes the leading generations that have received audio (only the head ever does). */
  #closeHeard(): void {
    while (this.#queue[0]?.generation?.heardAudio) {
      this.#owedCompletions++;
      this.#finish(this.#queue.shift()!);
    }
  }

  #finish(pending: PendingGeneration): void {
    // Metrics wait for the audio still being decoded, so they count all of it.
    if (pending.generation) pending.generation.close(() => this.#hooks.onFinished(pending));
    else this.#hooks.onFinished(pending);
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0 || this.#timeoutMs === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // The service went silent mid-utterance; the framework would give up on the stream at 10 s anyway.
      const head = this.#queue.shift();
      if (head) {
        head.cutOff = 'stall';
        this.#finish(head);
      }
      this.#arm();
    }, this.#timeoutMs);
  }
}
