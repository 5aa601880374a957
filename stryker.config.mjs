// Mutation testing (`npm run mutation`, docs/testing.md): StrykerJS changes src/<folder> one
// mutant at a time and runs that folder's unit tests (vitest.mutation.config.ts) against each.
//   MUTATE=profiles npm run mutation     (default: profiles; orchestrator, azure, agent, emulator)
// One worker: this machine's two cores are shared. The incremental file lets a later run test only
// the mutants of code or tests that changed since.
const folder = process.env.MUTATE ?? 'profiles';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [`src/${folder}/**/*.ts`, `!src/${folder}/index.ts`, `!src/${folder}/**/types.ts`],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${folder}.json` },
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${folder}.json`,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
