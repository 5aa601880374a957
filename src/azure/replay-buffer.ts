/**
 * The input audio the service has not yet turned into a recognized phrase, plus whatever arrives
 * while no recognizer is connected. When a recognizer has to be recreated this is what the new
 * one is fed first, so the words spoken around a fault are not lost (the SDK does the same for its
 * own reconnects). It also remembers when each sample was pushed, which dates the end of speech.
 */

interface Chunk {
  samples: Int16Array;
  /** Index of the first sample in the session's 16 kHz input timeline. */
  start: number;
  /** performance.now() when the samples were pushed. */
  pushedAt: number;
  /** Already written to a recognizer. */
  delivered: boolean;
}

export class ReplayBuffer {
  readonly #maxSamples: number;
  #chunks: Chunk[] = [];
  #head = 0;
  #buffered = 0;
  /** Samples that never reached a recognizer because the buffer was full. */
  droppedSamples = 0;

  constructor(maxSamples: number) {
    this.#maxSamples = maxSamples;
  }

  append(samples: Int16Array, start: number, pushedAt: number, delivered: boolean): void {
    this.#chunks.push({ samples, start, pushedAt, delivered });
    this.#buffered += samples.length;
    while (this.#buffered > this.#maxSamples && this.#head < this.#chunks.length) {
      const oldest = this.#chunks[this.#head++] as Chunk;
      this.#buffered -= oldest.samples.length;
      if (!oldest.delivered) this.droppedSamples += oldest.samples.length;
    }
    this.#compact();
  }

  /** Forgets audio that ends at or before `sample`: the service has recognized it. */
  acknowledge(sample: number): void {
    while (this.#head < this.#chunks.length) {
      const chunk = this.#chunks[this.#head] as Chunk;
      if (chunk.start + chunk.samples.length > sample) break;
      this.#buffered -= chunk.samples.length;
      this.#head++;
    }
    this.#compact();
  }

  /** Everything still held, oldest first; marks it delivered. */
  takeForReplay(): Int16Array[] {
    const out: Int16Array[] = [];
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i] as Chunk;
      chunk.delivered = true;
      out.push(chunk.samples);
    }
    return out;
  }

  /** Session sample index of the oldest held sample, or `fallback` when empty. */
  firstSample(fallback: number): number {
    return this.#chunks[this.#head]?.start ?? fallback;
  }

  /** When the sample at `sample` was pushed, if it is still held. */
  pushedAt(sample: number): number | undefined {
    for (let i = this.#chunks.length - 1; i >= this.#head; i--) {
      const chunk = this.#chunks[i] as Chunk;
      if (chunk.start <= sample) return sample < chunk.start + chunk.samples.length || i === this.#chunks.length - 1 ? chunk.pushedAt : undefined;
    }
    return undefined;
  }

  get bufferedSamples(): number {
    return this.#buffered;
  }

  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
