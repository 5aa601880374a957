/**
 * USP framing as the Speech SDK speaks it (notes §3.1): text frames are `Name: value` header lines,
 * a blank line and a JSON body; binary frames are a 2-byte big-endian header length, ASCII header
 * lines and the payload. Every message to the client carries `Path` and `X-RequestId`.
 */

export interface ClientMessage {
  path: string;
  requestId: string;
  headers: Record<string, string>;
  /** Text body (text frames). */
  text?: string;
  /** Payload (binary frames). */
  binary?: Uint8Array;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export function parseTextFrame(frame: string): ClientMessage {
  const split = frame.indexOf('\r\n\r\n');
  const headers = parseHeaders(split < 0 ? frame : frame.slice(0, split));
  return { path: (headers.path ?? '').toLowerCase(), requestId: headers['x-requestid'] ?? '', headers, text: split < 0 ? '' : frame.slice(split + 4) };
}

export function parseBinaryFrame(frame: Uint8Array): ClientMessage {
  if (frame.length < 2) throw new Error('binary frame shorter than its header length');
  const headerLength = (frame[0]! << 8) | frame[1]!;
  if (2 + headerLength > frame.length) throw new Error('binary frame header longer than the frame');
  const headers = parseHeaders(Buffer.from(frame.buffer, frame.byteOffset + 2, headerLength).toString('ascii'));
  return { path: (headers.path ?? '').toLowerCase(), requestId: headers['x-requestid'] ?? '', headers, binary: frame.subarray(2 + headerLength) };
}

function headerLines(path: string, requestId: string, contentType: string): string {
  return `Path: ${path}\r\nX-RequestId: ${requestId}\r\nX-Timestamp: ${new Date().toISOString()}\r\nContent-Type: ${contentType}\r\n`;
}

/** A text frame; the body must be one line of JSON (the SDK keeps only what follows the first blank line). */
export function textFrame(path: string, requestId: string, body: unknown): string {
  return `${headerLines(path, requestId, 'application/json; charset=utf-8')}\r\n${JSON.stringify(body)}`;
}

export function binaryFrame(path: string, requestId: string, payload: Uint8Array): Buffer {
  const header = Buffer.from(headerLines(path, requestId, 'audio/x-wav'), 'ascii');
  const frame = Buffer.alloc(2 + header.length + payload.length);
  frame.writeUInt16BE(header.length, 0);
  header.copy(frame, 2);
  frame.set(payload, 2 + header.length);
  return frame;
}
