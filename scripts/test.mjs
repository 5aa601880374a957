#!/usr/bin/env node
// `npm test`: the unit project, then the room project against the real livekit-server inside a
// private network namespace (scripts/netns.sh). The server is found or built first, outside the
// namespace (which has no network for `go`), so its build time shows on its own.
//
//   LIVEKIT_TESTS=host   run the room tests on this machine's own network (a laptop, macOS)
//   LIVEKIT_TESTS=skip   leave the room tests out, and say so
//   TEST_SEED=n          the unit tests' shuffle seed (default: a new one, printed; rerun with it)
//   MUTATION_CHECK=skip  leave out the mutation check (scripts/mutation-check.mjs), and say so
// The unit tests run in a shuffled order (files and the tests inside them): each must pass alone and
// in any order. Extra arguments go to both vitest runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const extra = process.argv.slice(2);
const mode = process.env.LIVEKIT_TESTS ?? '';

function run(command, args, what) {
  console.log(`\n> ${what}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

const seed = process.env.TEST_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const shuffle = ['--sequence.shuffle', `--sequence.seed=${seed}`];
let failed = run(process.execPath, [vitest, 'run', '--project', 'unit', ...shuffle, ...extra], `unit tests, shuffled (TEST_SEED=${seed} repeats this order)`) !== 0;
if (failed) console.log(`\nunit tests failed in the order of TEST_SEED=${seed}`);
// Packaging, image and CDK tests share build outputs: one file at a time (vitest project `build`).
const built = run(process.execPath, [vitest, 'run', '--project', 'build', ...shuffle, ...extra], `build tests (package, image, CDK), one file at a time, shuffled (TEST_SEED=${seed})`) !== 0;
if (built) console.log(`\nbuild tests failed in the order of TEST_SEED=${seed}`);
failed = failed || built;

// Mutation testing, incremental: only the mutants of code or tests changed since each set's
// committed incremental file are tested again; a set under its threshold fails (docs/testing.md).
if (process.env.MUTATION_CHECK === 'skip') {
  console.log('\nmutation check SKIPPED (MUTATION_CHECK=skip)');
} else {
  failed = run(process.execPath, ['scripts/mutation-check.mjs'], 'mutation check (incremental, every set of mutation/)') !== 0 || failed;
}

if (mode === 'skip') {
  console.log('\nroom tests SKIPPED (LIVEKIT_TESTS=skip): nothing was checked against the real LiveKit server');
} else {
  const install = run(process.execPath, ['bin/interpreter.js', 'livekit', '--install'], 'LiveKit server (find, or build once)');
  if (install !== 0) {
    failed = true;
  } else if (mode === 'host') {
    failed = run(process.execPath, [vitest, 'run', '--project', 'room', ...extra], 'room tests (LIVEKIT_TESTS=host)') !== 0 || failed;
  } else {
    failed = run('scripts/netns.sh', [process.execPath, vitest, 'run', '--project', 'room', ...extra], 'room tests, inside a private network namespace') !== 0 || failed;
  }
}
process.exit(failed ? 1 : 0);
