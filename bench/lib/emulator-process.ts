/**
 * Runs the Speech emulator in a child process for benchmarks: process.cpuUsage() and the event
 * loop then measure the client alone (an in-process emulator would add its cost to both sides of a
 * comparison and share the measured loop).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface EmulatorProcess {
  /** ws://127.0.0.1:PORT/speech/universal/v2 */
  url: URL;
  stop(): Promise<void>;
}

export function startEmulatorProcess(): Promise<EmulatorProcess> {
  // The parent's --cpu-prof flags would profile the emulator too.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
  const child = spawn(process.execPath, [...execArgv, fileURLToPath(new URL('./emulator-child.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator process exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve({
        url: new URL(line),
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.stdin.end();
          }),
      }),
    );
  });
}
