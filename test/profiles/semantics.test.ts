/**
 * Checks the schema cannot express, one case each, written after a mutation run
 * (docs/testing.md) found them unchecked: every problem's position, message and severity.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles, type ProfileProblem } from '../../src/profiles/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'profile-semantics-'));
let count = 0;

async function problemsOf(yaml: string): Promise<Pick<ProfileProblem, 'severity' | 'path' | 'message' | 'hint'>[]> {
  const file = join(dir, `p${++count}.yaml`);
  writeFileSync(file, yaml);
  const { problems } = await loadProfiles(file);
  return problems.map(({ severity, path, message, hint }) => ({ severity, path, message, hint }));
}

const head = (name: string) => `name: ${name}\nmatch: { rooms: [${name}-*] }\n`;

describe('profile semantics', () => {
  it('checks a personal voice\'s fallbackVoice like any voice: one of another language is an error at fallbackVoice', async () => {
    const problems = await problemsOf(`${head('fallback-lang')}languages:\n  targets:\n    - { language: fr, voice: personal, fallbackVoice: de-DE-KatjaNeural }\n`);
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', path: '/languages/targets/0/fallbackVoice', message: expect.stringMatching(/languages\.targets\[0\]\.fallbackVoice: voice de-DE-KatjaNeural speaks de-DE, not French \(fr\)/) }),
    ]);
  });

  it('names a voice that is not a neural voice name, with an example of one (the schema catches it first)', async () => {
    const problems = await problemsOf(`${head('not-a-name')}languages:\n  targets:\n    - { language: fr, voice: Denise }\n`);
    expect(problems).toEqual([expect.objectContaining({ severity: 'error', path: '/languages/targets/0/voice', message: expect.stringMatching(/expected `personal`, `none` or a neural voice name like `fr-FR-DeniseNeural`, got "Denise"/) })]);
  });

  it('refuses a neural voice for a language Azure has no voice for, pointing to captions only', async () => {
    const problems = await problemsOf(`${head('no-voices')}languages:\n  targets:\n    - { language: ht, voice: ht-HT-SomeoneNeural }\n`);
    expect(problems).toEqual([expect.objectContaining({ severity: 'error', path: '/languages/targets/0/voice', message: expect.stringMatching(/Azure has no neural voice for Haitian Creole \(ht\)/), hint: 'use voice: none (captions only)' })]);
  });

  it('checks each locale of a source list where it stands', async () => {
    const problems = await problemsOf(`${head('source-list')}languages:\n  source: [en-US, de-XX]\n  targets: [{ language: fr }]\n`);
    expect(problems).toEqual([expect.objectContaining({ severity: 'error', path: '/languages/source/1', message: expect.stringMatching(/languages\.source\[1\]: "de-XX" is not an Azure speech-to-text locale/) })]);
  });

  it('warns that personalVoice does nothing for a speaker who is not translated, or when no target uses voice: personal', async () => {
    const untranslated = await problemsOf(`${head('pv-untranslated')}languages:\n  targets: [{ language: fr, voice: personal }]\nspeakers:\n  - { identity: host, personalVoice: true, translate: false }\n`);
    expect(untranslated).toEqual([expect.objectContaining({ severity: 'warning', path: '/speakers/0/personalVoice', message: expect.stringMatching(/not translated \(translate: false\)/) })]);
    const noPersonal = await problemsOf(`${head('pv-unused')}languages:\n  targets: [{ language: fr }]\nspeakers:\n  - { identity: host, personalVoice: true }\n`);
    expect(noPersonal).toEqual([expect.objectContaining({ severity: 'warning', path: '/speakers/0/personalVoice', message: expect.stringMatching(/no target language uses voice: personal/), hint: expect.stringMatching(/set voice: personal/) })]);
    const used = await problemsOf(`${head('pv-used')}languages:\n  targets: [{ language: fr, voice: personal }]\nspeakers:\n  - { identity: host, personalVoice: true }\n`);
    expect(used).toEqual([]);
  });
});
