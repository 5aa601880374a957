import { initializeLogger } from '@livekit/agents';

// RealtimeSession's constructor calls log(), which throws until a logger exists.
initializeLogger({ pretty: false, level: process.env.TEST_LOG_LEVEL ?? 'silent' });

// The suite talks to the emulator only: this machine's Azure settings (a region that refuses personal
// voice, a tier, a resource kind) must not change what the tests see.
for (const name of Object.keys(process.env)) if (name.startsWith('AZURE_SPEECH_')) delete process.env[name];
