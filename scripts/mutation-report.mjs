// What a mutation set is and what its Stryker report says (scripts/mutation-check.mjs, docs/testing.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** The sets of mutation/: each `<name>.json` beside its committed `<name>.incremental.json`. */
export function listSets(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.endsWith('.incremental.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort()
    .map((name) => {
      const set = JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8'));
      const problems = [];
      if (typeof set.folder !== 'string' || !/^[a-z]+$/.test(set.folder)) problems.push('`folder` must name a folder of src/');
      if (!Array.isArray(set.files) || set.files.length === 0) problems.push('`files` must list the files to mutate');
      if (set.tests !== undefined && (!Array.isArray(set.tests) || set.tests.length === 0)) problems.push('`tests`, when given, must list test files');
      if (typeof set.break !== 'number' || set.break < 0 || set.break > 100) problems.push('`break` must be a score from 0 to 100');
      if (set.check !== undefined && typeof set.check !== 'boolean') problems.push('`check`, when given, must be true or false');
      if (set.netns !== undefined && typeof set.netns !== 'boolean') problems.push('`netns`, when given, must be true or false');
      if (set.timeoutMS !== undefined && !(Number.isInteger(set.timeoutMS) && set.timeoutMS >= 1000)) problems.push('`timeoutMS`, when given, must be a whole number of milliseconds, at least 1000');
      return { name, set, problems, incremental: existsSync(`${dir}/${name}.incremental.json`) };
    });
}

/**
 * Stryker's score: killed (timeouts count as killed) over every valid mutant, survivors and mutants
 * no test covers included. Ignored, static-skipped, compile and runtime errors are not valid.
 */
export function summarize(report) {
  const counts = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
  const key = { Killed: 'killed', Timeout: 'timeout', Survived: 'survived', NoCoverage: 'noCoverage' };
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) if (key[mutant.status]) counts[key[mutant.status]] += 1;
  }
  const valid = counts.killed + counts.timeout + counts.survived + counts.noCoverage;
  return { ...counts, valid, score: valid === 0 ? Number.NaN : ((counts.killed + counts.timeout) / valid) * 100 };
}
