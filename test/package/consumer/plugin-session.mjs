// A plugin-only user's program, run with plain `node` in a project that installed nothing but the
// packed `lk-interpreter-azure` (and, through it, its peers). It starts the Speech emulator shipped
// with the plugin, interprets a WAV into French, and prints what it got as one JSON line.
import { readFileSync } from 'node:fs';
import { initializeLogger } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { LiveInterpreterModel, PLUGIN_VERSION } from 'lk-interpreter-azure';
import { startEmulator } from 'lk-interpreter-azure/emulator';

initializeLogger({ pretty: false, level: 'warn' });

/** 16-bit PCM mono WAV -> samples (the fixtures are written that way). */
function readPcm16(path) {
  const bytes = readFileSync(path);
  let offset = 12;
  let rate = 16000;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = bytes.readUInt32LE(offset + 12);
    if (id === 'data') {
      const data = bytes.subarray(offset + 8, offset + 8 + size);
      return { rate, samples: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}

const emulator = await startEmulator({ detectLanguage: 'de' });
const model = new LiveInterpreterModel({ speechKey: 'any', speechEndpoint: emulator.url, targetLanguages: ['fr'] });
const session = model.session();
const finals = [];
let audioFrames = 0;
session.on('translation', (event) => {
  if (event.isFinal) finals.push({ sourceLanguage: event.sourceLanguage, fr: event.translations.fr });
});
session.on('generation_created', async (generation) => {
  for await (const message of generation.messageStream) {
    for await (const _frame of message.audioStream) audioFrames += 1;
  }
});

const { rate, samples } = readPcm16(process.argv[2]);
const frameSamples = rate / 100;
for (let i = 0; i + frameSamples <= samples.length; i += frameSamples) {
  session.pushAudio(new AudioFrame(samples.slice(i, i + frameSamples), rate, 1, frameSamples));
}
await session.finishInput();
await session.close();
await emulator.close();
console.log(JSON.stringify({ version: PLUGIN_VERSION, finals, audioFrames }));
process.exit(0);
