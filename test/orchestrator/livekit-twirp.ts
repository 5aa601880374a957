/**
 * A local stand-in for a LiveKit server's RoomService (Twirp over HTTP with protobuf-JSON), as
 * `RoomServiceClient` calls it: `POST /twirp/livekit.RoomService/ListRooms` with a Bearer token
 * signed by the API secret. Only what reconcile and the agent's existence check use.
 */
import { createServer, type Server } from 'node:http';
import { TokenVerifier } from 'livekit-server-sdk';

export interface FakeRoom {
  name: string;
  sid: string;
  metadata?: string;
}

export interface TwirpServer {
  url: string;
  rooms: FakeRoom[];
  calls: number;
  close(): Promise<void>;
}

export async function startTwirpServer(apiKey: string, apiSecret: string, rooms: FakeRoom[] = []): Promise<TwirpServer> {
  const verifier = new TokenVerifier(apiKey, apiSecret);
  const state = { rooms, calls: 0 };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        state.calls++;
        const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        try {
          const claims = await verifier.verify(token);
          if (!claims.video?.roomList) throw new Error('roomList grant missing');
        } catch {
          response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"unauthenticated","msg":"invalid token"}');
          return;
        }
        if (request.url !== '/twirp/livekit.RoomService/ListRooms') {
          response.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"bad_route","msg":"no such method"}');
          return;
        }
        const asked = (JSON.parse(Buffer.concat(chunks).toString() || '{}') as { names?: string[] }).names ?? [];
        const listed = state.rooms.filter((r) => asked.length === 0 || asked.includes(r.name));
        // protobuf-JSON of ListRoomsResponse: camelCase fields, empty ones omitted.
        const body = JSON.stringify({ rooms: listed.map((r) => ({ sid: r.sid, name: r.name, ...(r.metadata ? { metadata: r.metadata } : {}) })) });
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get rooms() {
      return state.rooms;
    },
    set rooms(value: FakeRoom[]) {
      state.rooms = value;
    },
    get calls() {
      return state.calls;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
