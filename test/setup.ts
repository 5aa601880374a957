import { initializeLogger } from '@livekit/agents';

// RealtimeSession's constructor calls log(), which throws until a logger exists.
initializeLogger({ pretty: false, level: process.env.TEST_LOG_LEVEL ?? 'silent' });
