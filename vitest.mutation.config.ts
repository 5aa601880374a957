// The unit tests of one folder, for mutation testing (stryker.config.mjs): MUTATE=profiles runs
// test/profiles against mutants of src/profiles. A score is what that folder's own tests defend.
// MUTATE_TESTS=results,utterances narrows them to test/<folder>/results.test.ts and utterances.test.ts;
// a name with a folder (security/http) is test/security/http.test.ts, another folder's tests.
import { defineConfig } from 'vitest/config';

const folder = process.env.MUTATE ?? 'profiles';
const tests = process.env.MUTATE_TESTS?.split(',').map((name) => name.trim());

// Room tests (room/rtc-room) bring their own setup: they refuse to run outside the network namespace.
const roomTests = tests?.some((name) => name.startsWith('room/')) ?? false;

export default defineConfig({
  test: {
    setupFiles: ['test/mutation-setup.ts', ...(roomTests ? ['test/room/setup.ts'] : [])],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    include: tests ? tests.map((name) => (name.includes('/') ? `test/${name}.test.ts` : `test/${folder}/${name}.test.ts`)) : [`test/${folder}/**/*.test.ts`],
    // These run our CLI in a child process, which never sees the mutant under test (Stryker switches
    // mutants inside the test process): they could kill none, and each costs seconds.
    exclude: ['test/**/cli.test.ts', 'test/**/agent-cli.test.ts', 'test/orchestrator/serve.test.ts'],
    server: { deps: { external: ['microsoft-cognitiveservices-speech-sdk'] } },
  },
});
