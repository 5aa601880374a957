/**
 * Shares the event loop between the sessions' synthesized-audio decoding. The service sends a
 * phrase's whole synthesis at once; decoding and resampling all of it in the task that received
 * it held up every other session and the room agent's mixer clocks for tens of milliseconds.
 * Decoding runs at once for the first few milliseconds of a turn of the event loop; the rest waits for later turns, most urgent first: the utterance with the least decoded
 * audio ahead of its playback (a new utterance's first chunk before anyone's backlog).
 */

/** Decoding time allowed per turn of the event loop before the rest waits for a later turn. */
export const DECODE_BUDGET_MS = 2;

export interface PacedDecoder {
  /** Milliseconds of decoded audio ahead of playback; lower is more urgent. */
  urgency(now: number): number;
  /** Decodes one waiting chunk; false when nothing is left to decode. */
  step(): boolean;
}

const waiting = new Set<PacedDecoder>();
let turnStartedAt: number | undefined;
let drainScheduled = false;

/**
 * True while this turn of the event loop has decoding time to spare. The clock runs from the
 * turn's first decode, so other work in between counts too: cheaper than timing each decode, and
 * it errs towards yielding.
 */
export function mayDecodeNow(): boolean {
  const now = performance.now();
  if (turnStartedAt === undefined) {
    turnStartedAt = now;
    // The budget is per turn: forget this turn's spending once the loop has gone round.
    setImmediate(() => {
      turnStartedAt = undefined;
    });
  }
  return now - turnStartedAt < DECODE_BUDGET_MS;
}

/** Has `decoder` called back (step) in later turns until it has nothing left. */
export function decodeLater(decoder: PacedDecoder): void {
  waiting.add(decoder);
  if (drainScheduled) return;
  drainScheduled = true;
  setImmediate(drain);
}

function drain(): void {
  drainScheduled = false;
  const started = performance.now();
  let now = started;
  // At least one step per turn, then as many as the budget allows.
  do {
    let next: PacedDecoder | undefined;
    let lowest = Number.POSITIVE_INFINITY;
    for (const decoder of waiting) {
      const urgency = decoder.urgency(now);
      if (next === undefined || urgency < lowest) {
        next = decoder;
        lowest = urgency;
      }
    }
    if (next === undefined) return;
    if (!next.step()) waiting.delete(next);
    now = performance.now();
  } while (now - started < DECODE_BUDGET_MS);
  if (waiting.size > 0) {
    drainScheduled = true;
    setImmediate(drain);
  }
}
