import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { checkNeuralVoice, TARGET_LANGUAGES } from '../../src/common/azure-languages.ts';
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

describe('Azure language catalog', () => {
  it('has about ninety text targets, unique codes, and default voices that speak their language', () => {
    expect(TARGET_LANGUAGES.length).toBeGreaterThan(85);
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
  });
});
