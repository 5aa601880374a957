/**
 * Shared output of every benchmark: one JSON document per benchmark, printed as one line on
 * stdout and written to `bench/results/<name>.json`. Each benchmark measures its own baseline in
 * the same run (a bare SDK, a bare server) so the comparison does not depend on the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

export interface TargetCheck {
  metric: string;
  /** What the figure is, for the README's table (scripts/bench-table.mjs); default: the metric name. */
  label?: string;
  /** Human-readable target, e.g. "<= 1.2x bare SDK". */
  target: string;
  value: number;
  pass: boolean;
}

export interface BenchResult {
  name: string;
  /** What was measured for our code. */
  metrics: Record<string, number>;
  /** The same measurements for the floor our code adds to, from this run. */
  baseline: Record<string, number>;
  targets: TargetCheck[];
  /** Workload parameters (sessions, seconds of audio, ...). */
  params: Record<string, number | string>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function writeResult(result: BenchResult): void {
  const document = {
    ...result,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version },
  };
  const folder = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(folder, { recursive: true });
  writeFileSync(`${folder}${result.name}.json`, `${JSON.stringify(document, null, 2)}\n`);
  console.log(JSON.stringify(document));
}
