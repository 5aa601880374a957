/**
 * A loopback port that refuses connections and that nothing else can take while the test runs.
 * A port that was free a moment ago may be taken by the time it is used (by any process on the
 * machine); this one stays ours: an open client connection is bound to it, and nothing listens on it,
 * so a connect to it is refused (ECONNREFUSED) and a listen on it fails (EADDRINUSE).
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface ClosedPort {
  port: number;
  release(): Promise<void>;
}

export async function holdClosedPort(): Promise<ClosedPort> {
  const server = createServer();
  const accepted: Socket[] = [];
  server.on('connection', (socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  const client = createConnection({ host: '127.0.0.1', port: address.port });
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const port = client.localPort;
  if (port === undefined) throw new Error('no local port');
  return {
    port,
    release: async () => {
      client.destroy();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
