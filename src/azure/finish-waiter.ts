/**
 * Waits for the service to answer everything after the input ended. Settles on sessionStopped,
 * on a fatal error or close, or when the service has been quiet for `idleMs` (it may never say
 * it is done: notes azure-speech 2.5).
 */
export class FinishWaiter {
  readonly promise: Promise<void>;
  readonly #idleMs: number;
  #resolve: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
    this.promise = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
    this.activity();
  }

  /** The service said something: it is still working. */
  activity(): void {
    if (!this.#resolve) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.settle(), this.#idleMs);
  }

  settle(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }
}
