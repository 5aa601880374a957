/**
 * The emulator's WebSocket server: accepts the SDK's translation paths, authenticates the key from
 * the header or the query string (the native WebSocket transport sends no headers), applies
 * upgrade-time faults, and records what each connection asked for.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { EmulatedConnection } from './connection.ts';
import type { ConnectionRecord, EmulatorFaults, EmulatorOptions, SpeechEmulator } from './types.ts';

/**
 * Paths the SDK uses for translation. V2 on a resource host is `/stt/speech/universal/v2` (the SDK's
 * own default, TranslationConnectionFactory.universalUri; the 02/2026 how-to uses
 * `wss://<resource>.cognitiveservices.azure.com/stt/speech/universal/v2`); on a regional host the
 * docs' C# include and Go sample still write `/speech/universal/v2`; V1 is `/speech/translation/cognitiveservices/v1`.
 */
export const TRANSLATION_PATHS = ['/stt/speech/universal/v2', '/speech/universal/v2', '/speech/translation/cognitiveservices/v1'];

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

function reject(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function keyOf(request: IncomingMessage, query: URLSearchParams): string | undefined {
  const header = request.headers['ocp-apim-subscription-key'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  // Node trims header values, so "Bearer " with no token arrives as "Bearer": that is no token, not the key "Bearer".
  const bearer = (request.headers.authorization ?? query.get('Authorization') ?? '').replace(/^Bearer(?:\s+|$)/i, '');
  return fromHeader || query.get('Ocp-Apim-Subscription-Key') || bearer || undefined;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<SpeechEmulator> {
  let faults: EmulatorFaults = { ...options.faults };
  const records: ConnectionRecord[] = [];
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    if (!TRANSLATION_PATHS.includes(url.pathname)) return reject(socket, 404);
    const key = keyOf(request, url.searchParams);
    if (faults.rejectKey) return reject(socket, faults.rejectKey);
    if (faults.throttle) return reject(socket, 429);
    if (!key || (options.keys && !options.keys.includes(key))) return reject(socket, 401);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const query = Object.fromEntries(url.searchParams);
      const record: ConnectionRecord = {
        id: query['X-ConnectionId'] ?? randomUUID().replace(/-/g, ''),
        path: url.pathname,
        query,
        key,
        targetLanguages: (query.to ?? '').split(',').filter(Boolean),
        ...(query.voice ? { voice: query.voice } : {}),
        sourceLanguages: [],
        languageUpdates: 0,
        openedAt: Date.now(),
        utterances: 0,
        audioBytes: 0,
        turns: 0,
      };
      records.push(record);
      // The connection lives as long as the socket whose handlers it installs; close() ends them all via wss.clients.
      new EmulatedConnection(ws, record, options, () => faults);
      options.log?.(`connection ${record.id.slice(0, 8)} ${url.pathname} to=${record.targetLanguages.join(',')} voice=${record.voice ?? '-'}`);
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    url: new URL(`ws://${host}:${port}/stt/speech/universal/v2`),
    connections: records,
    openConnections: () => records.filter((r) => r.closedAt === undefined).length,
    setFaults(next: EmulatorFaults) {
      faults = { ...next };
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
