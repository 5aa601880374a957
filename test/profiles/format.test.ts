// How problems are printed for people: `file:line:col  [warning: ]message  (hint)`.
import { describe, expect, it } from 'vitest';
import { formatProblem, formatProblems, type ProfileProblem } from '../../src/profiles/index.ts';

const problem = (over: Partial<ProfileProblem>): ProfileProblem => ({ file: 'configs/a.yaml', line: 4, column: 9, path: '/name', message: 'bad name', severity: 'error', ...over });

describe('formatProblem', () => {
  it('prints an error with its position and hint', () => {
    expect(formatProblem(problem({ hint: 'use dashes' }))).toBe('configs/a.yaml:4:9  bad name  (use dashes)');
  });

  it('marks warnings, and leaves out a missing hint', () => {
    expect(formatProblem(problem({ severity: 'warning' }))).toBe('configs/a.yaml:4:9  warning: bad name');
  });

  it('prints just the file for a problem about the whole file (line 0)', () => {
    expect(formatProblem(problem({ line: 0, column: 0, message: 'file is empty' }))).toBe('configs/a.yaml  file is empty');
  });

  it('prints one problem per line', () => {
    expect(formatProblems([problem({}), problem({ line: 1, column: 1, severity: 'warning', message: 'w', hint: 'h' })])).toBe('configs/a.yaml:4:9  bad name\nconfigs/a.yaml:1:1  warning: w  (h)');
    expect(formatProblems([])).toBe('');
  });
});
