/**
 * The utterance being spoken, as the framework sees it: `input_speech_started` once when it
 * begins and `input_speech_stopped` once when it ends, whatever the service reports in between.
 *
 * The service's own speech events do not follow utterances: the real v2 service reports speech
 * start and end per turn (speech bounded by a long silence; notes azure-speech 9, sdk-js #475:
 * endDetected may never come during continuous recognition), an older one around every phrase, and
 * with open-range detection there are no interim results (how-to-translate-speech, JavaScript,
 * "Intermediate translation results aren't available when you use multi-lingual speech
 * translation"). So an utterance starts at the first sign of it (speech detected, an interim or a
 * final result) and stops at its final result, or when the service says speech has ended.
 */
import type { llm } from '@livekit/agents';

export interface Utterance {
  itemId: string;
  /** input_speech_started was emitted for it (once per utterance, even if the service repeats itself). */
  started: boolean;
  speaking: boolean;
  /** An interim or final result has arrived for it. */
  hasResult: boolean;
  startedAt: number;
}

type Emit = (event: 'input_speech_started' | 'input_speech_stopped', payload: object) => void;

export class Utterances {
  #current: Utterance | undefined;

  constructor(private readonly emit: Emit) {}

  /** The utterance in progress, opened if there is none. */
  current(): Utterance {
    this.#current ??= { itemId: `item_${crypto.randomUUID().slice(0, 12)}`, started: false, speaking: false, hasResult: false, startedAt: Date.now() };
    return this.#current;
  }

  /** Speech (or a result of it) was seen: the utterance has begun, if it had not. */
  started(): Utterance {
    const utterance = this.current();
    if (!utterance.started) {
      utterance.started = true;
      utterance.speaking = true;
      this.emit('input_speech_started', {});
    }
    return utterance;
  }

  /** A result (interim or final) of the utterance arrived: it has begun, if it had not. */
  result(): Utterance {
    const utterance = this.started();
    utterance.hasResult = true;
    return utterance;
  }

  /**
   * The service says speech has ended. An utterance with results keeps its id for the final still
   * to come; one without any (speech the service did not recognize) is over.
   */
  speechEnded(): void {
    if (!this.#current) return;
    if (this.#current.hasResult) this.stopped();
    else this.end();
  }

  stopped(): void {
    if (!this.#current?.speaking) return;
    this.#current.speaking = false;
    this.emit('input_speech_stopped', { userTranscriptionEnabled: true } satisfies llm.InputSpeechStoppedEvent);
  }

  /** The utterance is over (its final arrived, or nothing will): the next result opens a new one. */
  end(): void {
    this.stopped();
    this.#current = undefined;
  }
}
