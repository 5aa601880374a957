/** The Speech emulator in a process of its own (see emulator-process.ts). Prints its URL; stops when stdin closes. */
import { startEmulator } from '../../src/emulator/index.ts';

const emulator = await startEmulator({ port: 0 });
process.stdout.write(`${emulator.url.href}\n`);
process.stdin.resume();
process.stdin.on('end', () => void emulator.close().then(() => process.exit(0)));
