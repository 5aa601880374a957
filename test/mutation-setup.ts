// Setup for mutation runs (vitest.mutation.config.ts): test/setup.ts's environment rule always,
// and the agents framework's logger only for folders whose tests build sessions. Importing the
// framework costs seconds, and Stryker runs the setup again for every mutant.
for (const name of Object.keys(process.env)) if (name.startsWith('AZURE_SPEECH_')) delete process.env[name];

if (['azure', 'agent', 'emulator', 'cli'].includes(process.env.MUTATE ?? 'profiles')) {
  const { initializeLogger } = await import('@livekit/agents');
  initializeLogger({ pretty: false, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}
