/**
 * What `interpreter check` reports: one result per check, each failure with the fix, printed one
 * line per check for people or as JSON for machines.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `livekit.key`. */
  id: string;
  status: CheckStatus;
  /** What was found, in a sentence. */
  detail: string;
  /** What to do about a failure or warning. */
  fix?: string;
}

export const pass = (id: string, detail: string): CheckResult => ({ id, status: 'pass', detail });
export const warn = (id: string, detail: string, fix?: string): CheckResult => ({ id, status: 'warn', detail, ...(fix ? { fix } : {}) });
export const fail = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'fail', detail, fix });
export const skip = (id: string, detail: string): CheckResult => ({ id, status: 'skip', detail });

const LABEL: Record<CheckStatus, string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

/** `ok   livekit.key          key devkey accepted` / `FAIL ... Fix: ...`: one line per check. */
export function formatLine(result: CheckResult, width: number): string {
  const fix = result.fix ? ` Fix: ${result.fix}` : '';
  return `${LABEL[result.status]} ${result.id.padEnd(width)} ${result.detail}${fix}`;
}

export function formatReport(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.id.length));
  const lines = results.map((r) => formatLine(r, width));
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  lines.push('', failed > 0 ? `${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}` : `all checks passed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}`);
  return lines.join('\n');
}

export function exitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
