/**
 * RIFF/WAVE reading and writing for 16-bit PCM, the only sample format the Speech service takes
 * and returns. Used by the emulator (input turns, synthesized replies), the plugin (synthesized
 * chunks, which may or may not each carry a header) and `interpreter translate` (files).
 */

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** WAVE format tag: 1 = PCM, 0xfffe = extensible. */
  formatTag: number;
}

export interface WavHeader extends WavFormat {
  /** Byte offset of the `data` chunk's payload. */
  dataOffset: number;
  /** Declared payload length; streaming writers often put 0 or 0xffffffff here. */
  dataLength: number;
}

export class WavError extends Error {
  override name = 'WavError';
}

export function startsWithRiff(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46;
}

/**
 * Parses a RIFF/WAVE header and walks its chunks up to `data`. Returns `undefined` when `bytes`
 * does not start with `RIFF`, or when more bytes are needed to reach the `data` chunk.
 * Throws `WavError` for a RIFF that is not a WAVE file or lacks a usable `fmt ` chunk.
 */
export function parseWavHeader(bytes: Uint8Array): WavHeader | undefined {
  if (!startsWithRiff(bytes) || bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (ascii(bytes, 8, 4) !== 'WAVE') throw new WavError('RIFF file is not WAVE audio');
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > bytes.length) return undefined;
      let formatTag = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE carries the real format in the sub-format GUID's first two bytes.
      if (formatTag === 0xfffe && size >= 40 && body + 26 <= bytes.length) formatTag = view.getUint16(body + 24, true);
      format = {
        formatTag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError('WAV data chunk comes before its fmt chunk');
      return { ...format, dataOffset: body, dataLength: size };
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size % 2);
  }
  return undefined;
}

/** Checks that a parsed format is one this project can process, with a message that says what to do. */
export function assertPcm16(format: WavFormat, what = 'audio'): void {
  if (format.formatTag !== 1) {
    throw new WavError(`${what} is not PCM (format tag ${format.formatTag}); convert it with: sox in.wav -e signed-integer -b 16 out.wav`);
  }
  if (format.bitsPerSample !== 16) {
    throw new WavError(`${what} has ${format.bitsPerSample}-bit samples; 16-bit PCM is required (sox in.wav -b 16 out.wav)`);
  }
  if (format.channels < 1 || format.channels > 8) throw new WavError(`${what} has ${format.channels} channels`);
  if (format.sampleRate < 8000 || format.sampleRate > 192000) throw new WavError(`${what} has an unusable sample rate of ${format.sampleRate} Hz`);
}

export interface DecodedWav {
  format: WavFormat;
  /** Interleaved samples. */
  samples: Int16Array;
}

/** Decodes a whole 16-bit PCM WAV file. */
export function decodeWav(file: Uint8Array, what = 'WAV file'): DecodedWav {
  if (!startsWithRiff(file)) throw new WavError(`${what} is not a WAV file (no RIFF header)`);
  const header = parseWavHeader(file);
  if (!header) throw new WavError(`${what} is truncated: no data chunk found`);
  assertPcm16(header, what);
  const available = file.length - header.dataOffset;
  // Streaming writers leave the length at 0 or 0xffffffff: trust the bytes that are there.
  const declared = header.dataLength === 0 || header.dataLength === 0xffffffff ? available : header.dataLength;
  const length = Math.min(declared, available) & ~1;
  const samples = new Int16Array(length / 2);
  const view = new DataView(file.buffer, file.byteOffset + header.dataOffset, length);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  const { dataOffset: _offset, dataLength: _length, ...format } = header;
  return { format, samples };
}

/** What `readWavInput` took from a recording, as 16-bit samples whatever the file held. */
export interface WavInput {
  /** The file's format; `bitsPerSample` and `formatTag` say what it held before conversion. */
  format: WavFormat;
  /** Interleaved samples, converted to 16 bits. */
  samples: Int16Array;
  /** Set when the file ends early: what is missing, for a warning. The samples are what there is. */
  truncated?: string;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;

/**
 * Reads a recording for `interpreter translate`: integer PCM of 16, 24 or 32 bits, 32-bit float,
 * each also as WAVE_FORMAT_EXTENSIBLE, converted to 16-bit samples. A file that ends inside its
 * data is read as far as it goes, with `truncated` saying what is missing; one that ends before
 * its data starts is a `WavError`.
 */
export function readWavInput(file: Uint8Array, what = 'WAV file'): WavInput {
  if (!startsWithRiff(file)) throw new WavError(`${what} is not a WAV file (no RIFF header)`);
  const header = parseWavHeader(file);
  if (!header) throw new WavError(`${what} is truncated: it ends before its audio (no complete fmt and data chunks)`);
  const { dataOffset: _offset, dataLength: _length, ...format } = header;
  const bytesPerSample = inputSampleBytes(format, what);
  const frameBytes = bytesPerSample * format.channels;
  const available = file.length - header.dataOffset;
  // Streaming writers leave the length at 0 or 0xffffffff: trust the bytes that are there.
  const streaming = header.dataLength === 0 || header.dataLength === 0xffffffff;
  const declared = streaming ? available : header.dataLength;
  const length = Math.min(declared, available) - (Math.min(declared, available) % frameBytes);
  const samples = new Int16Array(length / bytesPerSample);
  const view = new DataView(file.buffer, file.byteOffset + header.dataOffset, length);
  const read = sampleReader(format, view);
  for (let i = 0; i < samples.length; i++) samples[i] = read(i);
  const input: WavInput = { format, samples };
  if (declared > available) {
    const seconds = (bytes: number) => (bytes / frameBytes / format.sampleRate).toFixed(1);
    input.truncated = `${what} is truncated: its data chunk declares ${declared} bytes (${seconds(declared)} s) but the file holds ${available} (${seconds(available)} s); the last ${seconds(declared - available)} s are missing`;
  } else if (length < declared && streaming) {
    input.truncated = `${what} ends inside a sample frame; its last ${declared - length} byte(s) are dropped`;
  }
  return input;
}

function inputSampleBytes(format: WavFormat, what: string): number {
  const { formatTag, bitsPerSample } = format;
  const ok = (formatTag === FORMAT_PCM && (bitsPerSample === 16 || bitsPerSample === 24 || bitsPerSample === 32)) || (formatTag === FORMAT_FLOAT && bitsPerSample === 32);
  if (!ok) {
    if (formatTag === FORMAT_PCM || formatTag === FORMAT_FLOAT) {
      throw new WavError(`${what} has ${bitsPerSample}-bit samples; 16-bit PCM is required, or 24-/32-bit PCM or 32-bit float (sox in.wav -b 16 out.wav)`);
    }
    throw new WavError(`${what} is not PCM (format tag ${formatTag}); convert it with: sox in.wav -e signed-integer -b 16 out.wav`);
  }
  if (format.channels < 1 || format.channels > 8) throw new WavError(`${what} has ${format.channels} channels`);
  if (format.sampleRate < 8000 || format.sampleRate > 192000) throw new WavError(`${what} has an unusable sample rate of ${format.sampleRate} Hz`);
  return bitsPerSample / 8;
}

/** The i-th sample of `view` as a 16-bit value: integer formats keep their top 16 bits, float is scaled and clamped. */
function sampleReader(format: WavFormat, view: DataView): (i: number) => number {
  if (format.formatTag === FORMAT_FLOAT) {
    return (i) => {
      const value = view.getFloat32(i * 4, true);
      const clamped = Number.isNaN(value) ? 0 : Math.max(-1, Math.min(1, value));
      return Math.round(clamped * 32767);
    };
  }
  switch (format.bitsPerSample) {
    case 24:
      // Little-endian 24-bit: the top two bytes are the 16-bit sample.
      return (i) => view.getInt16(i * 3 + 1, true);
    case 32:
      return (i) => view.getInt32(i * 4, true) >> 16;
    default:
      return (i) => view.getInt16(i * 2, true);
  }
}

/** A 44-byte canonical PCM header; `dataLength` 0xffffffff marks a stream of unknown length. */
export function wavHeader(sampleRate: number, channels: number, dataLength: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(dataLength === 0xffffffff ? 0xffffffff : 36 + dataLength, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataLength, 40);
  return header;
}

/** Encodes interleaved 16-bit samples as a WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  // Int16Array is host-endian; WAV is little-endian, as is every platform Node supports here.
  return Buffer.concat([wavHeader(sampleRate, channels, pcm.length), pcm]);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) text += String.fromCharCode(bytes[i] ?? 0);
  return text;
}
