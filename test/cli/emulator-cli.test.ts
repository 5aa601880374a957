/** `interpreter emulator`: its behaviour flags reach the emulator, and bad values are refused. */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRecognizer } from '../emulator/sdk-client.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('interpreter emulator', () => {
  it('serves the SDK path by default and speaks the flat form when told to', async () => {
    const child = spawn(process.execPath, ['bin/interpreter.js', 'emulator', '--quiet', '--protocol', 'flat', '--speech-events', 'per-phrase', '--completion', 'per-phrase', '--interim'], { cwd: root });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
        createInterface({ input: child.stdout }).once('line', resolve);
      });
      const url = new URL(/ws:\/\/\S+/.exec(first)?.[0] ?? '');
      expect(url.pathname).toBe('/stt/speech/universal/v2');
      const result = await runRecognizer({ url, voice: 'fr-FR-DeniseNeural' });
      expect(result.paths).toContain('translation.phrase');
      expect(result.paths).toContain('translation.hypothesis');
      expect(result.paths).toContain('translation.synthesis.end');
      expect(result.paths).not.toContain('translation.response');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('stops cleanly (exit 0, not killed by the signal) on a SIGTERM sent the moment it says it is listening', async () => {
    // Its stop handler exists before the announcement: a supervisor may signal as soon as it reads it.
    for (let round = 0; round < 3; round += 1) {
      const child = spawn(process.execPath, ['bin/interpreter.js', 'emulator', '--quiet', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.stdout.once('data', () => child.kill('SIGTERM'));
      expect(await exited).toEqual({ code: 0, signal: null });
    }
  });

  it('refuses a behaviour value it does not know, naming the choices', () => {
    const result = spawnSync(process.execPath, ['bin/interpreter.js', 'emulator', '--completion', 'sometimes'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--completion must be per-stream or per-phrase, not sometimes');
  });
});
