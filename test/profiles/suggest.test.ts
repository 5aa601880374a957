// "Did you mean": the edit distance behind it, how close a word must be, and abbreviations.
import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance } from '../../src/profiles/suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('counts a swap of neighbours as one edit, and only a real swap', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('lagnuage', 'language')).toBe(1);
    expect(editDistance('ab', 'bc')).toBe(2);
    expect(editDistance('ab', 'ca')).toBe(2);
    expect(editDistance('abc', 'ca')).toBe(3);
    expect(editDistance('abcd', 'badc')).toBe(2);
  });
});

describe('closest', () => {
  it('allows one edit per three letters: at least 1, at most 3', () => {
    expect(closest('xy', ['ab'])).toBeUndefined();
    expect(closest('ax', ['ab'])).toBe('ab');
    expect(closest('abxdxf', ['abcdef'])).toBe('abcdef');
    expect(closest('abxxxf', ['abcdef'])).toBeUndefined();
    expect(closest('abcdefghixxx', ['abcdefghijkl'])).toBe('abcdefghijkl');
    expect(closest('abcdefxxxxxx', ['abcdefghijkl'])).toBeUndefined();
  });

  it('picks the nearest of several, keeping its spelling', () => {
    expect(closest('SAMPLERATE', ['speechGate', 'sampleRate'])).toBe('sampleRate');
  });

  it('takes an abbreviation of three letters or more', () => {
    expect(closest('mas', ['zzzzzzzzzz', 'masked'])).toBe('masked');
    expect(closest('ma', ['masked'])).toBeUndefined();
    expect(closest('zzzzzz', ['abc', 'masked'])).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('phrases the suggestion, or gives none', () => {
    expect(didYouMean('roms', ['rooms', 'metadata'])).toBe('did you mean `rooms`?');
    expect(didYouMean('zzzzzz', ['rooms', 'metadata'])).toBeUndefined();
  });
});
