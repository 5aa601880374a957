import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { binaryFrame, parseBinaryFrame, parseTextFrame, textFrame } from '../../src/emulator/protocol.ts';

/** A binary USP frame as the SDK writes it: 2-byte big-endian header length, ASCII headers, payload. */
function clientBinary(headers: string, payload: number[]): Uint8Array {
  const head = Buffer.from(headers, 'ascii');
  return Uint8Array.from([head.length >> 8, head.length & 0xff, ...head, ...payload]);
}

describe('parseTextFrame', () => {
  it('reads the header lines, lower-cases names and the path, trims values, and keeps the body after the first blank line', () => {
    const frame = 'Path: Speech.Context\r\nX-RequestId: ABC123\r\nContent-Type :  application/json \r\n\r\n{"a":1}\r\n\r\n{"b":2}';
    expect(parseTextFrame(frame)).toStrictEqual({
      path: 'speech.context',
      requestId: 'ABC123',
      headers: { path: 'Speech.Context', 'x-requestid': 'ABC123', 'content-type': 'application/json' },
      text: '{"a":1}\r\n\r\n{"b":2}',
    });
  });

  it('keeps a value that contains colons whole (only the first colon separates)', () => {
    expect(parseTextFrame('X-Timestamp: 2026-12-03T06:00:00.000Z\r\n\r\n').headers).toStrictEqual({ 'x-timestamp': '2026-12-03T06:00:00.000Z' });
  });

  it('reads a frame without a blank line as headers only, with an empty body', () => {
    expect(parseTextFrame('Path: telemetry\r\nX-RequestId: R')).toStrictEqual({
      path: 'telemetry',
      requestId: 'R',
      headers: { path: 'telemetry', 'x-requestid': 'R' },
      text: '',
    });
  });

  it('gives an empty path and request id when the frame has neither, and skips lines without a name before the colon', () => {
    expect(parseTextFrame(': nameless\r\nno colon here\r\n\r\nbody')).toStrictEqual({ path: '', requestId: '', headers: {}, text: 'body' });
  });

  it('reads a frame that starts with the blank line as no headers and all body', () => {
    expect(parseTextFrame('\r\n\r\n{"a":1}')).toStrictEqual({ path: '', requestId: '', headers: {}, text: '{"a":1}' });
  });

  it('keeps an empty body after the blank line as empty text', () => {
    expect(parseTextFrame('Path: audio\r\n\r\n').text).toBe('');
  });
});

describe('parseBinaryFrame', () => {
  it('reads the big-endian header length, the headers and the payload', () => {
    const message = parseBinaryFrame(clientBinary('Path: Audio\r\nX-RequestId: R1\r\n', [1, 2, 3]));
    expect(message.path).toBe('audio');
    expect(message.requestId).toBe('R1');
    expect(message.headers).toStrictEqual({ path: 'Audio', 'x-requestid': 'R1' });
    expect([...message.binary!]).toEqual([1, 2, 3]);
    expect(message.text).toBeUndefined();
  });

  it('reads a header longer than 255 bytes (both length bytes count)', () => {
    const long = `Path: audio\r\nX-Padding: ${'x'.repeat(300)}\r\n`;
    const message = parseBinaryFrame(clientBinary(long, [9]));
    expect(message.headers['x-padding']).toBe('x'.repeat(300));
    expect([...message.binary!]).toEqual([9]);
  });

  it('reads a frame that is a view into a larger buffer from its own offset', () => {
    const inner = clientBinary('Path: audio\r\n', [7, 8]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set([0xff, 0xff, 0xff], 0);
    outer.set(inner, 3);
    const message = parseBinaryFrame(outer.subarray(3, 3 + inner.length));
    expect(message.path).toBe('audio');
    expect([...message.binary!]).toEqual([7, 8]);
  });

  it('takes a frame of just a zero header length: no headers, empty path and request id, empty payload', () => {
    expect(parseBinaryFrame(Uint8Array.from([0, 0]))).toStrictEqual({ path: '', requestId: '', headers: {}, binary: new Uint8Array(0) });
  });

  it('takes headers that end exactly at the end of the frame (empty payload)', () => {
    const message = parseBinaryFrame(clientBinary('Path: audio\r\n', []));
    expect(message.path).toBe('audio');
    expect(message.binary!.length).toBe(0);
  });

  it('refuses a frame shorter than its 2-byte header length', () => {
    expect(() => parseBinaryFrame(new Uint8Array(0))).toThrow(new Error('binary frame shorter than its header length'));
    expect(() => parseBinaryFrame(Uint8Array.from([0]))).toThrow(new Error('binary frame shorter than its header length'));
  });

  it('refuses a header length that runs past the end of the frame', () => {
    expect(() => parseBinaryFrame(Uint8Array.from([0, 3, 65, 66]))).toThrow(new Error('binary frame header longer than the frame'));
    expect(() => parseBinaryFrame(Uint8Array.from([1, 0, 65, 66]))).toThrow(new Error('binary frame header longer than the frame'));
  });
});

describe('frames to the client', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-03T06:30:00.123Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a text frame as Path, X-RequestId, X-Timestamp and a JSON Content-Type, a blank line, then one line of JSON', () => {
    expect(textFrame('turn.start', 'R1', { context: { serviceTag: 'abc' } })).toBe(
      'Path: turn.start\r\nX-RequestId: R1\r\nX-Timestamp: 2026-12-03T06:30:00.123Z\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{"context":{"serviceTag":"abc"}}',
    );
  });

  it('writes a binary frame as the big-endian header length, the audio/x-wav headers (no blank line) and the payload', () => {
    const headers = 'Path: audio\r\nX-RequestId: R1\r\nX-Timestamp: 2026-12-03T06:30:00.123Z\r\nContent-Type: audio/x-wav\r\n';
    const frame = binaryFrame('audio', 'R1', Uint8Array.from([1, 2, 3]));
    expect(frame.readUInt16BE(0)).toBe(headers.length);
    expect(frame.subarray(2, 2 + headers.length).toString('ascii')).toBe(headers);
    expect([...frame.subarray(2 + headers.length)]).toEqual([1, 2, 3]);
    expect(frame.length).toBe(2 + headers.length + 3);
  });

  it('writes frames its own parsers read back', () => {
    const text = parseTextFrame(textFrame('speech.endDetected', 'R2', { Offset: 5 }));
    expect(text.path).toBe('speech.enddetected');
    expect(text.requestId).toBe('R2');
    expect(JSON.parse(text.text!)).toStrictEqual({ Offset: 5 });
    const payload = Uint8Array.from({ length: 600 }, (_, i) => i % 256);
    const binary = parseBinaryFrame(binaryFrame('translation.synthesis', 'R3', payload));
    expect(binary.path).toBe('translation.synthesis');
    expect(binary.headers['content-type']).toBe('audio/x-wav');
    expect([...binary.binary!]).toEqual([...payload]);
  });
});
