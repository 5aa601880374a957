/**
 * The captions a listener sees: one line per segment (an utterance in one language), replaced
 * by each interim update and fixed by its final. Updates arrive as separate text streams that
 * finish reading in any order, so an interim that lands after its final is dropped.
 */
export interface CaptionLine {
  segmentId: string;
  /** Identity of the participant who spoke (the text stream's sender). */
  speaker: string;
  text: string;
  final: boolean;
}

export class CaptionStore {
  readonly #lines = new Map<string, CaptionLine>();
  readonly #limit: number;

  /** `limit`: lines kept; older ones are forgotten (a meeting can run for hours). */
  constructor(limit = 200) {
    this.#limit = limit;
  }

  /** Returns the line as it now stands, or undefined when the update was stale. */
  update(segmentId: string, speaker: string, text: string, final: boolean): CaptionLine | undefined {
    const existing = this.#lines.get(segmentId);
    if (existing?.final) return undefined;
    if (!final && text.trim() === '') return undefined;
    const line: CaptionLine = { segmentId, speaker, text, final };
    if (existing) {
      // Keep the line where it first appeared: re-inserting would move a long utterance to the end.
      Object.assign(existing, line);
      return existing;
    }
    this.#lines.set(segmentId, line);
    while (this.#lines.size > this.#limit) this.#lines.delete(this.#lines.keys().next().value as string);
    return line;
  }

  lines(): CaptionLine[] {
    return [...this.#lines.values()];
  }

  clear(): void {
    this.#lines.clear();
  }
}
