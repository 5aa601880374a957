/**
 * A ReadableStream fed synchronously. The framework's stream channels put a TransformStream and
 * two promises behind every chunk; an utterance's audio is fifty frames a second per session,
 * and the benchmark showed that overhead as a third of the plugin's CPU and most of its latency.
 */
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';

export class PushStream<T> {
  readonly stream: ReadableStream<T>;
  #controller: ReadableStreamDefaultController<T> | undefined;
  #open = true;

  constructor() {
    this.stream = new ReadableStream<T>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => {
          // The reader went away (an interrupted playout): later chunks are dropped.
          this.#open = false;
        },
      },
      // Never push back: the service's pace is not ours to slow down, and nothing is buffered long.
      { highWaterMark: Number.POSITIVE_INFINITY },
    );
  }

  push(chunk: T): void {
    if (this.#open) this.#controller?.enqueue(chunk);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller?.close();
  }
}
