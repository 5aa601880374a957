// Mutation testing (`npm run mutation`, docs/testing.md): StrykerJS changes src/<folder> one
// mutant at a time and runs that folder's unit tests (vitest.mutation.config.ts) against each.
//   MUTATION_SET=profiles npm run mutation   the set mutation/profiles.json: its files, its tests, its
//                                            break threshold, and its committed incremental file
//                                            mutation/profiles.incremental.json
//   MUTATE=azure npm run mutation            a whole folder (profiles, orchestrator, azure, agent, emulator)
//   MUTATE_FILES=match,plan                  only these files of the folder
//   MUTATE_TESTS=results,utterances          only these test files of test/<folder> judge them
//   MUTATION_LABEL=mixer                     names a partial run's report, incremental file and sandbox,
//                                            so two partial runs of one folder can run at once
// One worker: this machine's two cores are shared. The incremental file lets a later run test only
// the mutants of code or tests that changed since.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const setName = process.env.MUTATION_SET;
const setFile = new URL(`./mutation/${setName}.json`, import.meta.url);
if (setName !== undefined && (!/^[a-z0-9-]+$/.test(setName) || !existsSync(setFile))) {
  const known = readdirSync(new URL('./mutation/', import.meta.url)).filter((name) => name.endsWith('.json') && !name.endsWith('.incremental.json'));
  throw new Error(`MUTATION_SET=${setName}: no mutation/${setName}.json (sets: ${known.map((name) => name.slice(0, -5)).join(', ')})`);
}
/** @type {{ folder: string, files: string[], tests?: string[], break: number, timeoutMS?: number, check?: boolean } | undefined} */
const set = setName === undefined ? undefined : JSON.parse(readFileSync(setFile, 'utf8'));
const folder = set?.folder ?? process.env.MUTATE ?? 'profiles';
const files = set?.files ?? process.env.MUTATE_FILES?.split(',').map((name) => name.trim());
const tests = set?.tests ?? process.env.MUTATE_TESTS?.split(',').map((name) => name.trim());
// vitest.mutation.config.ts runs in Stryker's worker, which inherits this environment.
process.env.MUTATE = folder;
if (tests) process.env.MUTATE_TESTS = tests.join(',');
else delete process.env.MUTATE_TESTS;
const partLabel = process.env.MUTATION_LABEL;
if (partLabel !== undefined && !/^[a-z0-9-]+$/.test(partLabel)) throw new Error(`MUTATION_LABEL=${partLabel}: lower-case letters, digits and dashes only`);
const label = setName ?? partLabel ?? `${folder}${files ? '-part' : ''}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: files
    ? files.map((name) => `src/${folder}/${name}.ts`)
    : [`src/${folder}/**/*.ts`, `!src/${folder}/index.ts`, `!src/${folder}/**/types.ts`],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level tables and constants: 28% of src/profiles' mutants) need every
  // test rerun on a fresh module graph, ~80% of the run time on two cores. They are left out of the
  // score unless STRYKER_STATIC=1; docs/testing.md says which figures include them.
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  concurrency: 1,
  // Added to a mutant's expected test time before Stryker calls it a timeout (killed). A set may
  // lower it: a mutant that keeps a child process alive then costs seconds, not half a minute.
  timeoutMS: set?.timeoutMS ?? 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${label}.json` },
  incremental: true,
  incrementalFile: set ? `mutation/${setName}.incremental.json` : `reports/stryker-incremental-${label}.json`,
  thresholds: { high: 90, low: 80, break: set?.break ?? null },
  // A sandbox per set, and none copied into another's: two sets may be measured at once (the
  // timeouts are waiting, not computing).
  tempDirName: `.stryker-tmp/${label}`,
  ignorePatterns: ['/.stryker-tmp'],
  cleanTempDir: 'always',
};
