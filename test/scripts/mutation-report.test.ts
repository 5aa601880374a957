/** The mutation check's reading of sets and of Stryker's report (scripts/mutation-report.mjs). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script of the project, without type declarations
import { listSets, summarize } from '../../scripts/mutation-report.mjs';

interface SetEntry {
  name: string;
  set: { folder: string; files: string[]; tests?: string[]; break: number; timeoutMS?: number; check?: boolean; netns?: boolean };
  problems: string[];
  incremental: boolean;
}
const list = listSets as (dir: string) => SetEntry[];
const score = summarize as (report: unknown) => { killed: number; timeout: number; survived: number; noCoverage: number; valid: number; score: number };

const mutants = (...statuses: string[]) => statuses.map((status, i) => ({ id: String(i), status }));

describe('summarize', () => {
  it('counts timeouts as killed and survivors and uncovered mutants against the score, over every file', () => {
    const report = { files: { 'a.ts': { mutants: mutants('Killed', 'Killed', 'Timeout', 'Survived') }, 'b.ts': { mutants: mutants('NoCoverage', 'Killed', 'Killed', 'Killed') } } };
    expect(score(report)).toEqual({ killed: 5, timeout: 1, survived: 1, noCoverage: 1, valid: 8, score: 75 });
  });

  it('leaves out mutants that are not valid: ignored, static, compile and runtime errors', () => {
    const report = { files: { 'a.ts': { mutants: mutants('Killed', 'Ignored', 'CompileError', 'RuntimeError', 'Pending', 'Survived') } } };
    expect(score(report)).toMatchObject({ valid: 2, score: 50 });
  });

  it('gives no score (NaN, which no threshold passes) for a report without valid mutants', () => {
    expect(score({ files: { 'a.ts': { mutants: mutants('Ignored') } } }).score).toBeNaN();
  });
});

describe('listSets', () => {
  it("reads the project's own sets, each with its committed incremental file and a threshold", () => {
    const sets = list(fileURLToPath(new URL('../../mutation', import.meta.url)));
    expect(sets.map((entry) => entry.name)).toEqual(expect.arrayContaining(['orchestrator', 'profiles']));
    for (const entry of sets) {
      expect(entry.problems, entry.name).toEqual([]);
      // A set the check runs needs its incremental file; one marked "check": false is not run.
      if (entry.set.check !== false) expect(entry.incremental, `${entry.name}: mutation/${entry.name}.incremental.json is committed`).toBe(true);
    }
  });

  it('names what is wrong with a set, and whether its incremental file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mutation-sets-'));
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ folder: 'agent', files: ['budget'], tests: ['cost'], break: 80 }));
    writeFileSync(join(dir, 'good.incremental.json'), '{}');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ folder: '../src', files: [], tests: [], break: 120, timeoutMS: 5, check: 'no', netns: 'yes' }));
    expect(list(dir)).toEqual([
      {
        name: 'bad',
        set: { folder: '../src', files: [], tests: [], break: 120, timeoutMS: 5, check: 'no', netns: 'yes' },
        incremental: false,
        problems: ['`folder` must name a folder of src/', '`files` must list the files to mutate', '`tests`, when given, must list test files', '`break` must be a score from 0 to 100', '`check`, when given, must be true or false', '`netns`, when given, must be true or false', '`timeoutMS`, when given, must be a whole number of milliseconds, at least 1000'],
      },
      { name: 'good', set: { folder: 'agent', files: ['budget'], tests: ['cost'], break: 80 }, incremental: true, problems: [] },
    ]);
  });
});
