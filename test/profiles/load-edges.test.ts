// loadProfilesSync on the inputs around the happy path: JSON files that are or are not bundles,
// lists that hold no profiles, YAML that cannot be expanded, entries that are not mappings, and one
// run reporting the schema's and the meaning checks' problems together without repeating itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfilesSync, writeProfileBundle, type ProfileProblem } from '../../src/profiles/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-load-edges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function load(content: string, extension = 'yaml') {
  const file = join(dir, `p${count++}.${extension}`);
  writeFileSync(file, content);
  return { file, ...loadProfilesSync(file) };
}
const brief = (problems: ProfileProblem[]) => problems.map((p) => `${p.line}:${p.column} ${p.path} ${p.message}${p.hint ? ` (${p.hint})` : ''}`);

const PROFILE = { name: 'plain', match: { rooms: ['plain-*'] }, languages: { targets: [{ language: 'fr' }] } };
const YAML_PROFILE = ['name: plain', 'match:', '  rooms: [plain-*]', 'languages:', '  targets: [{ language: fr }]'].join('\n');

describe('JSON files', () => {
  it('loads a .json file that is a profile, not a bundle, as YAML', () => {
    const { profiles, problems } = load(JSON.stringify(PROFILE), 'json');
    expect(problems).toEqual([]);
    expect(profiles.map((p) => p.name)).toEqual(['plain']);
  });

  it('loads a bundle only from a .json file: in a .yaml file its fields are unknown', () => {
    const bundle = writeProfileBundle(load(YAML_PROFILE).profiles);
    expect(load(bundle, 'JSON').problems).toEqual([]);
    const asYaml = load(bundle, 'yaml');
    expect(asYaml.profiles).toEqual([]);
    expect(asYaml.problems.map((p) => p.message)).toContain('unknown field `format` in profile');
  });

  it('loads a .json file that is not JSON at all as YAML', () => {
    const { profiles, problems } = load(YAML_PROFILE, 'json');
    expect(problems).toEqual([]);
    expect(profiles.map((p) => p.name)).toEqual(['plain']);
  });

  it('refuses a bundle of another version, with the fix', () => {
    const { file, problems } = load(JSON.stringify({ format: 'lk-interpreter-profiles', version: 2, profiles: [] }), 'json');
    expect(problems).toStrictEqual([{ file, line: 0, column: 0, path: '', message: 'profile bundle version 2 is not supported (expected 1)', severity: 'error', hint: 'rebuild it with this version (cdk synth)' }]);
  });

  it('refuses a bundle without a profiles list', () => {
    const { file, problems } = load(JSON.stringify({ format: 'lk-interpreter-profiles', version: 1 }), 'json');
    expect(problems).toStrictEqual([{ file, line: 0, column: 0, path: '', message: 'profile bundle has no `profiles` list', severity: 'error' }]);
  });

  it('refuses a bundle entry that is not a profile, naming its index', () => {
    const { file, problems, profiles } = load(JSON.stringify({ format: 'lk-interpreter-profiles', version: 1, profiles: [null] }), 'json');
    expect(profiles).toEqual([]);
    expect(problems).toStrictEqual([{ file, line: 0, column: 0, path: '/profiles/0', message: 'bundle entry 0 is not a profile', severity: 'error' }]);
  });

  it("keeps a bundled profile's origin only when it names a file and a line", () => {
    const [profile] = load(YAML_PROFILE).profiles;
    const withOrigin = (origin: unknown) => JSON.stringify({ format: 'lk-interpreter-profiles', version: 1, profiles: [{ ...profile, origin }] });
    const kept = load(withOrigin({ file: 'configs/plain.yaml', line: 3 }), 'json');
    expect(kept.profiles[0]?.origin).toEqual({ file: 'configs/plain.yaml', line: 3 });
    for (const origin of [{ file: 'configs/plain.yaml' }, { line: 3 }, { file: 3, line: 3 }, { file: 'x', line: '3' }]) {
      const dropped = load(withOrigin(origin), 'json');
      expect(dropped.profiles[0]?.origin, JSON.stringify(origin)).toEqual({ file: dropped.file, line: 0 });
    }
  });
});

describe('files that hold no profiles', () => {
  it('says so for an empty file, with the fix', () => {
    const { file, problems } = load('# nothing yet\n');
    expect(problems).toStrictEqual([{ file, line: 0, column: 0, path: '', message: 'file is empty: it defines no profile', severity: 'error', hint: 'write a profile (see configs/ for examples) or delete the file' }]);
  });

  it('says so for an empty list', () => {
    expect(brief(load('[]\n').problems)).toEqual(['1:1  the list of profiles is empty']);
  });

  it('says once that a list of scalars or nothings is not a list of profiles', () => {
    expect(brief(load('[1, 2]\n').problems)).toEqual(['1:1  expected a profile or a list of profiles, got a list of number values (see configs/ for examples)']);
    expect(brief(load('- \n- \n').problems)).toEqual(['1:1  expected a profile or a list of profiles, got a list of nothing values (see configs/ for examples)']);
  });

  it('reports each entry that is not a mapping in a list that also holds profiles', () => {
    const yaml = ['- [a, b]', '- ', `- ${JSON.stringify(PROFILE)}`, '- 5'].join('\n');
    const { problems, profiles } = load(yaml);
    expect(profiles.map((p) => p.name)).toEqual(['plain']);
    expect(brief(problems)).toEqual([
      '1:3 /0 expected a profile (a mapping with name, match and languages), got a list (see configs/ for examples)',
      '2:3 /1 expected a profile (a mapping with name, match and languages), got nothing (see configs/ for examples)',
      '4:3 /3 expected a profile (a mapping with name, match and languages), got number 5 (see configs/ for examples)',
    ]);
  });

  it('gives a top-level scalar the same message and hint', () => {
    expect(brief(load('just text\n').problems)).toEqual(['1:1  expected a profile (a mapping with name, match and languages), got "just text" (see configs/ for examples)']);
  });
});

describe('YAML that cannot be read', () => {
  it('reports only the syntax error, not what the broken document seems to say', () => {
    const { file, problems } = load(`${YAML_PROFILE}\nprofanity: [masked\n`);
    expect(problems).toEqual([expect.objectContaining({ file, line: 7, column: 1, message: 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]' })]);
  });

  it('refuses aliases that expand into too many nodes, with the fix', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'];
    const { file, problems } = load(lines.join('\n'));
    expect(problems).toEqual([
      { file, line: 1, column: 1, path: '', severity: 'error', message: expect.stringMatching(/^cannot read YAML: .*alias/i), hint: 'avoid deeply nested aliases (*anchor)' },
    ]);
  });
});

describe('schema and meaning problems in one run', () => {
  it('sorts problems of one line by column', () => {
    const { problems } = load(['name: plain', 'match: { rooms: [plain-*] }', 'languages: { targets: [{ voice: Denise, language: French }] }'].join('\n'));
    expect(problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [3, 33, '/languages/targets/0/voice'],
      [3, 51, '/languages/targets/0/language'],
    ]);
  });

  it('still reports meaning problems when a required field is missing at the top', () => {
    const { problems } = load(['match: { rooms: ["/(/"] }', 'languages: { targets: [{ language: fr }] }'].join('\n'));
    expect(problems.map((p) => p.path)).toEqual(['', '/match/rooms/0']);
  });

  it('drops meaning findings about a field the schema already rejected, keeping the others', () => {
    const { problems } = load(['name: plain', 'match: { rooms: [plain-*] }', 'languages: { targets: [{ language: French }] }', 'profanity: maskd'].join('\n'));
    expect(problems.map((p) => p.path)).toEqual(['/languages/targets/0/language', '/profanity']);
  });

  it('drops meaning findings about the part that holds a rejected field, or a part inside it', () => {
    const target = load(['name: plain', 'match: { rooms: [plain-*] }', 'languages: { targets: [{ language: ht, fallbackVoice: bad }] }'].join('\n'));
    expect(target.problems.map((p) => p.path)).toEqual(['/languages/targets/0/fallbackVoice']);
    const speaker = load([YAML_PROFILE, 'speakers: [{ language: en-XX }]'].join('\n'));
    expect(speaker.problems.map((p) => [p.path, p.message])).toEqual([['/speakers/0', 'speakers[0] is missing required field `identity`']]);
  });

  it('checks terminology only once the shape is right', () => {
    const { problems } = load([YAML_PROFILE, 'terminology: { phrases: 5 }'].join('\n'));
    expect(brief(problems)).toEqual(['6:25 /terminology/phrases terminology.phrases: expected a list of words or phrases like [Contoso, Rehaan], got number 5']);
  });
});
