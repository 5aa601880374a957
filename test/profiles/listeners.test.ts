/** The profile's `listeners` settings: schema, defaults, the warning when they cannot apply, bundles. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import schema from '../../interpreter.schema.json' with { type: 'json' };
import { findProfile, loadProfiles, loadProfilesOrThrow, targetsChosenBy, writeProfileBundle } from '../../src/profiles/index.ts';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'listeners-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const profile = (name: string, extra: string) => `name: ${name}\nmatch: { rooms: ["${name}-*"] }\nlanguages:\n  targets: [{ language: fr }, { language: de }, { language: zh-Hans }, { language: zh-Hant }]\n${extra}`;

describe('listeners', () => {
  it('is in the schema with two settings, all or chosen-language, and nothing else', () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);
    const base = { name: 'x', match: { rooms: ['x'] }, languages: { targets: [{ language: 'fr' }] } };
    expect(validate({ ...base, listeners: { audio: 'chosen-language', captions: 'chosen-language' } })).toBe(true);
    expect(validate({ ...base, listeners: { audio: 'all' } })).toBe(true);
    expect(validate({ ...base, listeners: { audio: true } })).toBe(false);
    expect(validate({ ...base, listeners: { subtitles: 'all' } })).toBe(false);
  });

  it('defaults to all (LiveKit\'s own behaviour) and keeps what the profile says', async () => {
    const dir = folder({
      'a.yaml': profile('plain', ''),
      'b.yaml': profile('stock', 'listeners: { audio: chosen-language, captions: chosen-language }\n'),
      'c.yaml': profile('captions-only', 'listeners: { captions: chosen-language }\n'),
    });
    const { profiles, problems } = await loadProfiles(dir);
    expect(problems).toEqual([]);
    expect(findProfile(profiles, 'plain')?.listeners).toEqual({ audio: 'all', captions: 'all' });
    expect(findProfile(profiles, 'stock')?.listeners).toEqual({ audio: 'chosen-language', captions: 'chosen-language' });
    expect(findProfile(profiles, 'captions-only')?.listeners).toEqual({ audio: 'all', captions: 'chosen-language' });

    // A bundle (what the image ships) keeps them.
    const bundle = join(dir, 'profiles.json');
    writeFileSync(bundle, writeProfileBundle(profiles));
    expect(await loadProfilesOrThrow(bundle)).toEqual(profiles);
  });

  it('warns that chosen-language captions do nothing in a profile without captions', async () => {
    const dir = folder({ 'a.yaml': profile('quiet', 'captions: false\nlisteners: { captions: chosen-language }\n') });
    const { problems } = await loadProfiles(dir);
    expect(problems).toMatchObject([{ severity: 'warning', line: 6, path: '/listeners/captions', message: expect.stringMatching(/has no effect: this profile sends no captions/) }]);
  });

  it('maps a listener\'s choice to target languages as onDemand plans them', async () => {
    const dir = folder({ 'a.yaml': profile('langs', '') });
    const [langs] = await loadProfilesOrThrow(dir);
    expect(targetsChosenBy(langs!, 'fr')).toEqual(['fr']);
    expect(targetsChosenBy(langs!, 'FR')).toEqual(['fr']);
    expect(targetsChosenBy(langs!, 'fr-FR')).toEqual(['fr']);
    expect(targetsChosenBy(langs!, 'zh')).toEqual(['zh-Hans']);
    expect(targetsChosenBy(langs!, 'zh-TW')).toEqual(['zh-Hant']);
    expect(targetsChosenBy(langs!, 'zh-Hant')).toEqual(['zh-Hant']);
    expect(targetsChosenBy(langs!, 'ja')).toEqual([]);
  });
});
