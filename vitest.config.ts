import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // Timeouts catch hangs; they are not speed limits (benchmarks measure speed). A CDK synth or
    // an npm install takes tens of seconds on a loaded 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Suites start real sockets, child processes and CDK synths; two cores do not profit from more.
    maxWorkers: 2,
    server: {
      deps: {
        // The Speech SDK's "module" entry points at CommonJS (speech-sdk-js #903); let Node load it.
        external: ['microsoft-cognitiveservices-speech-sdk'],
      },
    },
    projects: [
      // Everything that needs no LiveKit server: the in-memory room, the emulator, webhooks, CDK.
      // One file at a time as well: many of these start servers and child processes of their own,
      // and two such files at once on two cores once starved a new test process past vitest's
      // fixed 60 s start timeout (observed in CI).
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/room/**', 'test/package/**', 'test/infra/**'], fileParallelism: false } },
      // What builds, packs, bundles or synthesizes (dist/, npm pack, esbuild, cdk.out): one file at
      // a time, since two of them at once would build over each other's outputs.
      { extends: true, test: { name: 'build', include: ['test/package/**/*.test.ts', 'test/infra/**/*.test.ts'], fileParallelism: false } },
      // Against the real livekit-server, inside the network namespace (scripts/netns.sh): see
      // docs/development.md. Their server comes up in each file's first moments.
      {
        extends: true,
        test: { name: 'room', include: ['test/room/**/*.test.ts'], setupFiles: ['test/room/setup.ts'] },
      },
    ],
  },
});
