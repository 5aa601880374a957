/** One source of figures: the README's benchmark table is what bench/results/ says, nothing else. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('README benchmark table', () => {
  it('is the table scripts/bench-table.mjs generates from bench/results/', () => {
    const run = spawnSync(process.execPath, ['scripts/bench-table.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
