/**
 * A raw USP client for the emulator's connection tests: writes text and binary frames as the
 * Speech SDK does (notes azure-speech 3.1) and collects what comes back, parsed.
 */
import { WebSocket, type RawData } from 'ws';
import { wavHeader } from '../../src/common/wav.ts';
import { parseBinaryFrame, parseTextFrame } from '../../src/emulator/protocol.ts';

export const RATE = 16000;

export interface Received {
  path: string;
  requestId: string;
  body?: unknown;
  binary?: Uint8Array;
}

/** PCM bytes: `ms` of a constant level (its RMS), at 16 kHz. */
export function pcm(ms: number, level: number, rate = RATE): Uint8Array {
  const samples = new Int16Array((ms * rate) / 1000).fill(level);
  return new Uint8Array(samples.buffer);
}

export class Client {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
      if (isBinary) {
        const m = parseBinaryFrame(bytes);
        this.received.push({ path: m.path, requestId: m.requestId, binary: m.binary! });
      } else {
        const m = parseTextFrame(bytes.toString('utf8'));
        this.received.push({ path: m.path, requestId: m.requestId, body: JSON.parse(m.text!) });
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  text(path: string, body: unknown, requestId = 'R1'): void {
    this.socket.send(`Path: ${path}\r\nX-RequestId: ${requestId}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}`);
  }

  /** An audio frame; without a request id when `requestId` is empty. */
  audio(payload: Uint8Array, requestId = 'R1'): void {
    const head = Buffer.from(`Path: audio\r\n${requestId ? `X-RequestId: ${requestId}\r\n` : ''}`, 'ascii');
    this.socket.send(Buffer.concat([Buffer.from([head.length >> 8, head.length & 0xff]), head, payload]));
  }

  /** A turn: speech.context, the streaming RIFF header, the PCM, the empty end of audio. */
  turn(context: unknown, chunks: Uint8Array[], requestId = 'R1'): void {
    this.text('speech.context', context, requestId);
    this.audio(wavHeader(RATE, 1, 0), requestId);
    for (const chunk of chunks) this.audio(chunk, requestId);
    this.audio(new Uint8Array(0), requestId);
  }

  /** Resolves once `count` messages with this path have arrived. */
  async until(path: string, count = 1): Promise<Received[]> {
    while (this.of(path).length < count) await new Promise<void>((wake) => this.waiters.push(wake));
    return this.received;
  }

  of(path: string): Received[] {
    return this.received.filter((m) => m.path === path);
  }

  /** The paths in order, a run of binary chunks as `path×n`. */
  sequence(): string[] {
    const out: string[] = [];
    for (const m of this.received) {
      const last = out.at(-1);
      const label = m.binary ? `${m.path}×` : m.path;
      if (m.binary && last?.startsWith(label)) out[out.length - 1] = `${label}${Number(last.slice(label.length)) + 1}`;
      else out.push(m.binary ? `${label}1` : m.path);
    }
    return out;
  }
}

