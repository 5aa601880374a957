// Mutation testing (`npm run mutation`, docs/testing.md): StrykerJS changes src/<folder> one
// mutant at a time and runs that folder's unit tests (vitest.mutation.config.ts) against each.
//   MUTATE=profiles npm run mutation     (default: profiles; orchestrator, azure, agent, emulator)
//   MUTATE_FILES=match,plan              only these files of the folder (a run that fits a few minutes)
// One worker: this machine's two cores are shared. The incremental file lets a later run test only
// the mutants of code or tests that changed since.
const folder = process.env.MUTATE ?? 'profiles';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: process.env.MUTATE_FILES
    ? process.env.MUTATE_FILES.split(',').map((name) => `src/${folder}/${name.trim()}.ts`)
    : [`src/${folder}/**/*.ts`, `!src/${folder}/index.ts`, `!src/${folder}/**/types.ts`],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level tables and constants: 28% of src/profiles' mutants) need every
  // test rerun on a fresh module graph, ~80% of the run time on two cores. They are left out of the
  // score unless STRYKER_STATIC=1; docs/testing.md says which figures include them.
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${folder}.json` },
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${folder}${process.env.MUTATE_FILES ? '-part' : ''}.json`,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
