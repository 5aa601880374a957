/** "Did you mean" for unknown keys and language codes: the closest known word, if it is close. */

/** Levenshtein distance, with a transposition counted as one edit (`lagnuage` is one edit from `language`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known word closest to `word` (case-insensitive), if within a third of its length (at least 1 edit, at most 3). */
export function closest(word: string, known: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  // An abbreviation (`mask` for `masked`) is as good a clue as a typo.
  if (lower.length >= 3) {
    for (const candidate of known) if (candidate.toLowerCase().startsWith(lower)) return candidate;
  }
  return undefined;
}

export function didYouMean(word: string, known: Iterable<string>): string | undefined {
  const match = closest(word, known);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}
