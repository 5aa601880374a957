/**
 * The languages listeners chose, kept up to date one participant at a time: a join, a change of
 * attribute or a departure costs the same in a room of 4,000 as in a room of 4 (the interpreter
 * never scans the room to re-plan). A language whose last listener went keeps lingering for a
 * while, so a listener flipping between two languages keeps both sessions instead of churning them.
 */
import { LISTENER_LANGUAGE_ATTRIBUTE, type ParticipantInfo } from './room-io.ts';

export class ListenerLanguages {
  /** identity -> chosen language, for people (not agents) who chose one. */
  private readonly chosen = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  /** language -> when it stops lingering (performance.now() ms). */
  private readonly lingering = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private cached: string[] | undefined;

  /**
   * @param lingerMs how long a language stays after its last listener left
   * @param changed called when the set of languages (chosen or lingering) changed
   */
  constructor(
    private readonly lingerMs: number,
    private readonly changed: () => void,
  ) {}

  /** Languages to plan for: chosen now, or chosen until less than `lingerMs` ago. */
  languages(): string[] {
    this.cached ??= [...new Set([...this.counts.keys(), ...this.lingering.keys()])];
    return this.cached;
  }

  /** Listeners of each language now (lingering languages have none). */
  listeners(language: string): number {
    return this.counts.get(language) ?? 0;
  }

  /** A participant joined or changed attributes. Returns whether the planned languages changed. */
  update(participant: ParticipantInfo): boolean {
    const language = participant.isAgent ? undefined : participant.attributes[LISTENER_LANGUAGE_ATTRIBUTE]?.trim() || undefined;
    return this.set(participant.identity, language);
  }

  /** A participant left. Returns whether the planned languages changed. */
  remove(identity: string): boolean {
    return this.set(identity, undefined);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(identity: string, language: string | undefined): boolean {
    const before = this.chosen.get(identity);
    if (before === language) return false;
    let changed = false;
    if (before !== undefined) {
      this.chosen.delete(identity);
      const left = (this.counts.get(before) ?? 1) - 1;
      if (left > 0) this.counts.set(before, left);
      else {
        this.counts.delete(before);
        if (this.lingerMs > 0) {
          this.lingering.set(before, performance.now() + this.lingerMs);
          this.arm();
        } else changed = true;
      }
    }
    if (language !== undefined) {
      this.chosen.set(identity, language);
      const count = this.counts.get(language) ?? 0;
      this.counts.set(language, count + 1);
      if (count === 0 && !this.lingering.delete(language)) changed = true;
    }
    if (changed) this.cached = undefined;
    return changed;
  }

  /** One timer, for the language that stops lingering first. */
  private arm(): void {
    if (this.timer) return;
    let first = Infinity;
    for (const until of this.lingering.values()) first = Math.min(first, until);
    if (first === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      let expired = false;
      for (const [language, until] of this.lingering) {
        if (until <= now) {
          this.lingering.delete(language);
          expired = true;
        }
      }
      this.arm();
      if (expired) {
        this.cached = undefined;
        this.changed();
      }
    }, Math.max(0, first - performance.now()));
    this.timer.unref?.();
  }
}
