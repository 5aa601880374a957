import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites start real sockets, child processes and CDK synths; two cores do not profit from more.
    maxWorkers: 2,
    server: {
      deps: {
        // The Speech SDK's "module" entry points at CommonJS (speech-sdk-js #903); let Node load it.
        external: ['microsoft-cognitiveservices-speech-sdk'],
      },
    },
  },
});
