import { describe, expect, it } from 'vitest';
import { createConnection, createServer } from 'node:net';
import { holdClosedPort } from './closed-port.ts';

describe('holdClosedPort', () => {
  it('gives a port that refuses connections and that no one can listen on until released', async () => {
    const held = await holdClosedPort();
    try {
      const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
        const socket = createConnection({ host: '127.0.0.1', port: held.port });
        socket.once('connect', () => reject(new Error('connected to a closed port')));
        socket.once('error', resolve);
      });
      expect(error.code).toBe('ECONNREFUSED');
      const taken = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        const server = createServer();
        server.once('error', resolve);
        server.listen(held.port, '127.0.0.1', () => server.close(() => resolve(undefined)));
      });
      expect(taken?.code).toBe('EADDRINUSE');
    } finally {
      await held.release();
    }
  });
});
