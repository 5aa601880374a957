import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { checkNeuralVoice, PERSONAL_VOICE_LOCALES, TARGET_LANGUAGES } from '../../src/common/azure-languages.ts';
import { loadProfiles } from '../../src/profiles/index.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import schema from '../../interpreter.schema.json' with { type: 'json' };

type Node = Record<string, unknown>;

/** Every property schema in the document, with its path. */
function properties(node: unknown, path: string, out: [string, Node][]): [string, Node][] {
  if (typeof node !== 'object' || node === null) return out;
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [name, child] of Object.entries(value as Node)) {
        out.push([`${path}.${name}`, child as Node]);
        properties(child, `${path}.${name}`, out);
      }
    } else {
      properties(value, `${path}.${key}`, out);
    }
  }
  return out;
}

describe('interpreter.schema.json', () => {
  it('is a valid 2020-12 schema that accepts the example profiles as editors see them', () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(schema);
    for (const file of readdirSync('configs')) {
      const text = readFileSync(`configs/${file}`, 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=../interpreter.schema.json\n')).toBe(true);
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate([parse(readFileSync('configs/interview.yaml', 'utf8'))])).toBe(true);
    expect(validate({ name: 'x' })).toBe(false);
  });

  it('describes every property', () => {
    const all = properties(schema, '', []);
    expect(all.length).toBeGreaterThan(25);
    const undescribed = all.filter(([, node]) => {
      if (typeof node.description === 'string') return false;
      const ref = typeof node.$ref === 'string' ? node.$ref.replace('#/$defs/', '') : undefined;
      return !(ref && typeof (schema.$defs as Record<string, Node>)[ref]?.description === 'string');
    });
    expect(undescribed.map(([path]) => path)).toEqual([]);
  });
});

/** Microsoft's speech translation "Text language" table (includes/language-support/speech-translation.md), codes as written there. */
const MICROSOFT_TARGETS =
  'af sq am ar hy as az bn bs bg yue ca lzh zh-Hans zh-Hant hr cs da prs nl en et fj fil fi fr fr-ca de el gu ht he hi mww hu is id iu ga it ja kn kk km tlh-Latn tlh-Piqd ko ku kmr lo lv lt mg ms ml mt mi mr my ne nb or ps fa pl pt pt-pt pa otq ro ru sm sr-Cyrl sr-Latn sk sl es sw sv ty ta te th ti to tr uk ur vi cy yua';

describe('Azure language catalog', () => {
  it("has exactly Microsoft's text targets and personal voice locales", () => {
    const table = MICROSOFT_TARGETS.split(' ').map((c) => c.toLowerCase()).sort();
    expect(TARGET_LANGUAGES.map((l) => l.code.toLowerCase()).sort()).toEqual(table);
    expect(PERSONAL_VOICE_LOCALES).toHaveLength(65);
    for (const locale of ['am-ET', 'bn-IN', 'bs-BA', 'et-EE', 'eu-ES', 'fil-PH', 'gl-ES', 'jv-ID', 'mk-MK', 'ne-NP', 'ps-AF', 'sw-KE', 'zu-ZA']) {
      expect(PERSONAL_VOICE_LOCALES).toContain(locale);
    }
  });

  it('has unique codes, and default voices that speak their language', () => {
    expect(new Set(TARGET_LANGUAGES.map((l) => l.code.toLowerCase())).size).toBe(TARGET_LANGUAGES.length);
    for (const language of TARGET_LANGUAGES) {
      if (language.defaultVoice) expect(checkNeuralVoice(language.defaultVoice, language.code), language.code).toMatchObject({ ok: true });
      if (language.personalVoice) expect(language.defaultVoice, language.code).toBeDefined();
    }
  });

  it('checks voice names against the language', () => {
    expect(checkNeuralVoice('fr-FR-DeniseNeural', 'fr')).toEqual({ ok: true, locale: 'fr-FR' });
    expect(checkNeuralVoice('fr-CA-SylvieNeural', 'fr')).toMatchObject({ ok: true });
    expect(checkNeuralVoice('zh-CN-sichuan-YunxiNeural', 'zh-Hans')).toMatchObject({ ok: true });
    expect(checkNeuralVoice('en-US-Ava:DragonHDLatestNeural', 'en')).toMatchObject({ ok: true, locale: 'en-US' });
    expect(checkNeuralVoice('de-DE-KatjaNeural', 'fr')).toEqual({ ok: false, reason: 'wrong-language', locale: 'de-DE' });
    expect(checkNeuralVoice('Denise', 'fr')).toEqual({ ok: false, reason: 'not-a-voice-name' });
    expect(checkNeuralVoice('mi-NZ-SomeNeural', 'mi')).toMatchObject({ ok: false, reason: 'no-voices' });
    // Script subtags and names with dashes, as Microsoft's text to speech table writes them.
    expect(checkNeuralVoice('sr-Latn-RS-SophieNeural', 'sr-Latn')).toEqual({ ok: true, locale: 'sr-Latn-RS' });
    expect(checkNeuralVoice('iu-Cans-CA-SiqiniqNeural', 'iu')).toEqual({ ok: true, locale: 'iu-Cans-CA' });
    expect(checkNeuralVoice('sr-Latn-RS-SophieNeural', 'sr-Cyrl')).toMatchObject({ ok: false, reason: 'wrong-language', locale: 'sr-Latn-RS' });
    expect(checkNeuralVoice('en-US-MultiTalker-Ava-Andrew:DragonHDLatestNeural', 'en')).toMatchObject({ ok: true, locale: 'en-US' });
    expect(checkNeuralVoice('en-us-ava:DragonHDOmniLatestNeural', 'en')).toMatchObject({ ok: true, locale: 'en-US' });
  });

  it('the profile validator accepts voices with a script subtag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voices-'));
    const file = join(dir, 'serbian.yaml');
    writeFileSync(file, 'name: serbian\nmatch: { rooms: ["*"] }\nlanguages:\n  targets:\n    - { language: sr-Latn, voice: sr-Latn-RS-NicholasNeural }\n    - { language: iu, voice: iu-Cans-CA-TaqqiqNeural }\n');
    const { profiles, problems } = await loadProfiles(file);
    expect(problems).toEqual([]);
    expect(profiles[0]?.languages.targets.map((t) => t.voice)).toEqual([
      { kind: 'neural', name: 'sr-Latn-RS-NicholasNeural' },
      { kind: 'neural', name: 'iu-Cans-CA-TaqqiqNeural' },
    ]);
  });
});
