/** Runs the Speech emulator in its own process for benchmarks, so it does not share the measured one's core. Prints {"url"}. */
import { startEmulator } from '../../src/emulator/index.ts';

const emulator = await startEmulator({ port: 0 });
console.log(JSON.stringify({ url: emulator.url.toString() }));
process.on('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
