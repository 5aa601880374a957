/** Problems rendered for people: `file:line:col  message  (hint)`, one per line. */
import type { ProfileProblem } from './types.ts';

export function formatProblem(problem: ProfileProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.column}` : problem.file;
  const level = problem.severity === 'warning' ? 'warning: ' : '';
  return `${where}  ${level}${problem.message}${problem.hint ? `  (${problem.hint})` : ''}`;
}

export function formatProblems(problems: readonly ProfileProblem[]): string {
  return problems.map(formatProblem).join('\n');
}
