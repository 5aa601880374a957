// Warnings from `loadProfilesSync(..., { resource })`: personal voice on a resource (tier, region)
// that cannot give it, positioned at the target's voice, with the fallback voice people hear.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfilesSync, type SpeechResource } from '../../src/profiles/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-resource-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Line 6: a neural target; line 7: personal with a fallback; line 8: personal with the default fallback.
const PERSONAL = [
  'name: board',
  'match:',
  '  rooms: [board-*]',
  'languages:',
  '  targets:',
  '    - { language: es, voice: es-ES-ElviraNeural }',
  '    - { language: fr, voice: personal, fallbackVoice: fr-FR-HenriNeural }',
  '    - { language: de, voice: personal }',
].join('\n');
const NEURAL = ['name: plain', 'match:', '  rooms: [plain-*]', 'languages:', '  targets:', '    - { language: fr }'].join('\n');

function loadOn(yaml: string, resource: SpeechResource) {
  const file = join(dir, `${resource.tier}-${resource.region ?? 'none'}-${yaml.length}.yaml`);
  writeFileSync(file, yaml);
  return { file, ...loadProfilesSync(file, { resource }) };
}

const USABLE = 'eastus, southeastasia, westeurope, westus2';

describe('resource checks (personal voice on the configured Azure resource)', () => {
  it('adds nothing on an S0 resource in a region with Live Interpreter and personal voice', () => {
    expect(loadOn(PERSONAL, { kind: 'speech', tier: 'S0', region: 'westeurope' }).problems).toEqual([]);
    expect(loadOn(PERSONAL, { kind: 'speech', tier: 'S0' }).problems).toEqual([]);
  });

  it('warns at each personal-voice target of a free (F0) resource, naming the voice people hear instead', () => {
    const { file, problems, profiles } = loadOn(PERSONAL, { kind: 'speech', tier: 'F0', region: 'westeurope' });
    expect(profiles).toHaveLength(1);
    expect(problems).toEqual([
      {
        file,
        line: 7,
        column: 30,
        path: '/languages/targets/1/voice',
        severity: 'warning',
        message: `languages.targets[1]: voice: personal will not be used: personal voice is not available on a free (F0) Speech resource (Azure's quotas page: "Not available for F0"); use a neural voice, or an S0 resource in ${USABLE}`,
        hint: 'consenting speakers hear fr-FR-HenriNeural instead',
      },
      {
        file,
        line: 8,
        column: 30,
        path: '/languages/targets/2/voice',
        severity: 'warning',
        message: expect.stringMatching(/^languages\.targets\[2\]: voice: personal will not be used: personal voice is not available on a free \(F0\)/),
        hint: expect.stringMatching(/^consenting speakers hear de-DE-\w+Neural instead$/),
      },
    ]);
  });

  it('warns, without a hint, where the region runs Live Interpreter but lists no personal voice', () => {
    const { file, problems } = loadOn(PERSONAL, { kind: 'speech', tier: 'S0', region: 'japaneast' });
    const warning = `japaneast runs Live Interpreter but Azure lists no personal voice there: synthesis in the speaker's voice will likely fail; prefer ${USABLE}`;
    expect(problems).toStrictEqual([
      { file, line: 7, column: 30, path: '/languages/targets/1/voice', severity: 'warning', message: `languages.targets[1]: voice: personal: ${warning}` },
      { file, line: 8, column: 30, path: '/languages/targets/2/voice', severity: 'warning', message: `languages.targets[2]: voice: personal: ${warning}` },
    ]);
  });

  it('warns where the region has no Live Interpreter at all', () => {
    const { problems } = loadOn(PERSONAL, { kind: 'foundry', tier: 'S0', region: 'northeurope' });
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [7, `languages.targets[1]: voice: personal will not be used: Live Interpreter (personal voice) runs only in eastus, japaneast, southeastasia, westeurope, westus2, not northeurope; create the resource in ${USABLE}, or use a neural voice`],
      [8, expect.stringContaining('languages.targets[2]: voice: personal will not be used: Live Interpreter')],
    ]);
  });

  it('says nothing about a profile without personal voice, whatever the resource', () => {
    expect(loadOn(NEURAL, { kind: 'speech', tier: 'F0', region: 'northeurope' }).problems).toEqual([]);
    expect(loadOn(NEURAL, { kind: 'speech', tier: 'S0', region: 'japaneast' }).problems).toEqual([]);
  });

  it('checks nothing about personal voice when no resource is given', () => {
    const file = join(dir, 'no-resource.yaml');
    writeFileSync(file, PERSONAL);
    expect(loadProfilesSync(file).problems).toEqual([]);
  });
});
