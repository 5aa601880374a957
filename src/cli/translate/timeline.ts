/**
 * A language's translated speech laid out on the recording's clock: each utterance starts where
 * its source speech started, or right after the previous translation if that one runs longer.
 */

export interface PlacedAudio {
  offsetMs: number;
  samples: Int16Array;
}

export function layOut(parts: readonly PlacedAudio[], sampleRate: number, minimumMs: number): Int16Array {
  const ordered = [...parts].sort((a, b) => a.offsetMs - b.offsetMs);
  let cursor = 0;
  const starts = ordered.map((part) => {
    const start = Math.max(Math.round((part.offsetMs * sampleRate) / 1000), cursor);
    cursor = start + part.samples.length;
    return start;
  });
  const out = new Int16Array(Math.max(cursor, Math.round((minimumMs * sampleRate) / 1000)));
  ordered.forEach((part, i) => out.set(part.samples, starts[i]!));
  return out;
}
