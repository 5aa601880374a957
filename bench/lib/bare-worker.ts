/**
 * The floor's worker for `bench dispatch`: a bare `@livekit/agents` agent server under the agent
 * name `bare`, with the interpreter worker's process settings (production, two warm processes)
 * and a request function that accepts every job at once. The time from CreateDispatch to its
 * job in the room is the server's and the framework's, the part no code of ours can remove.
 * LiveKit settings come from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET.
 */
import { fileURLToPath } from 'node:url';
import { AgentServer, ServerOptions, initializeLogger } from '@livekit/agents';
import { freeTcpPort } from '../../src/local/ports.ts';

initializeLogger({ pretty: false, level: 'info' });
if (!process.execArgv.some((arg) => arg.includes('tsx'))) process.execArgv.push('--import', 'tsx');
const server = new AgentServer(
  new ServerOptions({
    agent: fileURLToPath(new URL('./bare-job.ts', import.meta.url)),
    agentName: 'bare',
    requestFunc: async (request) => {
      await request.accept('bare', 'bare');
    },
    loadFunc: async () => 0,
    loadThreshold: 1,
    initializeProcessTimeout: 60_000,
    production: true,
    // 0 would read as the framework's 8081, which the interpreter worker beside it may hold.
    port: await freeTcpPort('0.0.0.0'),
    numIdleProcesses: 2,
    wsURL: process.env.LIVEKIT_URL ?? '',
    apiKey: process.env.LIVEKIT_API_KEY ?? '',
    apiSecret: process.env.LIVEKIT_API_SECRET ?? '',
  }),
);
await server.run();
