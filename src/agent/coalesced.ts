/**
 * A task asked for often and run rarely: at most one run is pending, `delayMs` after the first
 * request; requests while it runs make one more run afterwards. The interpreter's re-plans, so a
 * burst of room changes (a listener flipping languages, a crowd joining) is one re-plan.
 */
export class Coalesced {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  /** Times the task ran. */
  runs = 0;

  constructor(
    private readonly task: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(delayMs: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        if (this.stopped) return;
        this.runs++;
        this.task();
      } while (this.again);
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = false;
    }
  }
}
