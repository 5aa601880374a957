/**
 * `interpreter check`'s Azure half against the Speech emulator through the real plugin and SDK:
 * a good resource, each fault the emulator injects (rejected key, forbidden, throttled, a
 * personal voice the service will not speak in, nothing listening), and the settings-only
 * checks (region, tier, session budget).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { holdClosedPort } from '../closed-port.ts';
import { checkAzure, type AzureSettings } from '../../src/cli/check/azure.ts';
import type { CheckResult } from '../../src/cli/check/report.ts';
import { startEmulator } from '../../src/emulator/index.ts';

const emulator = await startEmulator();
afterAll(() => emulator.close());

const settings = (more: Partial<AzureSettings> = {}): AzureSettings => ({ speechKey: 'a-key', speechEndpoint: emulator.url.toString(), speechRegion: 'westeurope', tier: 'S0', ...more });
const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));

async function run(more: Partial<AzureSettings> = {}, faults: Parameters<typeof emulator.setFaults>[0] = {}) {
  emulator.setFaults(faults);
  try {
    return byId(await checkAzure({ settings: settings(more), timeoutMs: 30_000 }));
  } finally {
    emulator.setFaults({});
  }
}

describe('interpreter check: Azure', () => {
  it('passes a resource in a Live Interpreter region whose key works and whose personal voice speaks', async () => {
    const results = await run();
    expect(Object.values(results).map((r) => [r.id, r.status])).toEqual([
      ['azure.region', 'pass'],
      ['azure.tier', 'pass'],
      ['azure.sessions', 'pass'],
      ['azure.key', 'pass'],
      ['azure.personal-voice', 'pass'],
    ]);
    expect(results['azure.personal-voice']!.detail).toMatch(/spoke \d+ ms/);
    expect(results['azure.sessions']!.detail).toContain('not readable');
  });

  it('speaks a recording in the personal voice with --speech, and names a file it cannot use', async () => {
    const speech = fileURLToPath(new URL('../fixtures/audio/speech-de.wav', import.meta.url));
    const spoken = byId(await checkAzure({ settings: settings(), speechFile: speech }));
    expect(spoken['azure.personal-voice']).toMatchObject({ status: 'pass', detail: expect.stringMatching(/spoke \d+ ms/) });
    const broken = fileURLToPath(new URL('../fixtures/audio/not-a-wav.wav', import.meta.url));
    expect(byId(await checkAzure({ settings: settings(), speechFile: broken }))['azure.personal-voice']).toMatchObject({ status: 'fail', fix: expect.stringContaining('--speech') });
  });

  it.each([
    ['a rejected key (401)', { rejectKey: 401 as const }, /rejected the key/],
    ['a forbidden key (403)', { rejectKey: 403 as const }, /rejected the key/],
    ['a throttled resource (429)', { throttle: true }, /429 Too Many Requests/],
  ])('fails the key on %s, with the fix, and does not try the personal voice', async (_what, faults, detail) => {
    const results = await run({}, faults);
    expect(results['azure.key']).toMatchObject({ status: 'fail', detail: expect.stringMatching(detail), fix: expect.any(String) });
    expect(results['azure.personal-voice']!.status).toBe('skip');
  });

  it('fails the personal voice when the service refuses to speak in it (no Limited Access approval), the key still passing', async () => {
    const results = await run({}, { synthesisError: 'Personal voice is not enabled for this resource' });
    expect(results['azure.key']!.status).toBe('pass');
    expect(results['azure.personal-voice']).toMatchObject({ status: 'fail', detail: expect.stringContaining('Personal voice is not enabled'), fix: expect.stringContaining('aka.ms/customneural') });
  });

  it('fails the key when nothing listens at the endpoint', async () => {
    const closed = await holdClosedPort();
    onTestFinished(() => closed.release());
    const endpoint = `ws://127.0.0.1:${closed.port}/speech/universal/v2`;
    const results = byId(await checkAzure({ settings: settings({ speechEndpoint: endpoint }), timeoutMs: 30_000 }));
    expect(results['azure.key']).toMatchObject({ status: 'fail', detail: expect.stringContaining('no session') });
  });

  it('names regions without Live Interpreter, warns for japaneast (no personal voice) and skips its voice session', async () => {
    expect((await run({ speechRegion: 'northeurope' }))['azure.region']).toMatchObject({ status: 'fail', fix: expect.stringContaining('eastus, japaneast, southeastasia, westeurope, westus2') });
    const japan = await run({ speechRegion: 'japaneast' });
    expect(japan['azure.region']!.status).toBe('warn');
    expect(japan['azure.personal-voice']).toMatchObject({ status: 'warn', detail: expect.stringContaining('not tried') });
  });

  it('compares the session budget with the tier: F0 allows 1 session and no personal voice', async () => {
    const free = await run({ tier: 'F0' });
    expect(free['azure.tier']!.status).toBe('warn');
    expect(free['azure.sessions']).toMatchObject({ status: 'warn', fix: expect.stringContaining('AZURE_SPEECH_MAX_SESSIONS=1') });
    expect(free['azure.personal-voice']).toMatchObject({ status: 'warn', detail: expect.stringContaining('F0') });
    expect((await run({ tier: 'F0', maxSessions: '1' }))['azure.sessions']!.status).toBe('pass');
    expect((await run({ maxSessions: '250' }))['azure.sessions']!.status).toBe('warn');
    expect((await run({ tier: 'P1' }))['azure.tier']!.status).toBe('fail');
  });

  it('only warns without a key (the emulator runs instead) and fails a key with neither region nor endpoint', async () => {
    expect(await checkAzure({ settings: { tier: 'S0' } })).toEqual([expect.objectContaining({ id: 'azure.key', status: 'warn' })]);
    expect(await checkAzure({ settings: { speechKey: 'k', tier: 'S0' } })).toEqual([expect.objectContaining({ id: 'azure.region', status: 'fail' })]);
  });
});
