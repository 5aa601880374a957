// Room -> profile: room metadata parsing, the order profiles are tried in, the reason a room
// matched, name patterns (globs and /regex/flags), and the profiles a later one can never beat.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainMatch, loadProfilesSync, matchOrder, matchRoom, parseRoomMetadata, type Profile } from '../../src/profiles/index.ts';
import { compilePattern, isGlobPattern, matchesPattern } from '../../src/profiles/patterns.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-match-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function loadYaml(yaml: string) {
  const file = join(dir, `p${count++}.yaml`);
  writeFileSync(file, yaml);
  return { file, ...loadProfilesSync(file) };
}

/** One list entry of a profile file: `- name: ...` with the given match rule (flow YAML) and priority. */
const entry = (name: string, match: string, priority = 0) => [`- name: ${name}`, `  priority: ${priority}`, `  match: ${match}`, '  languages: { targets: [{ language: fr }] }'].join('\n');

describe('parseRoomMetadata', () => {
  it('gives a JSON object, and undefined for anything else', () => {
    expect(parseRoomMetadata('{"dept":"legal","n":2}')).toEqual({ dept: 'legal', n: 2 });
    for (const text of [undefined, '', '   ', 'not json', '[1,2]', 'null', '5', '"text"']) expect(parseRoomMetadata(text), String(text)).toBeUndefined();
  });
});

describe('matchOrder and matchRoom', () => {
  const { profiles, problems } = loadYaml(
    [entry('first', '{ rooms: [a-*] }'), entry('second', '{ rooms: [b-*] }'), entry('high', '{ rooms: [c-*] }', 5), entry('third', '{ rooms: [d-*] }'), entry('low', '{ rooms: [e-*] }', -1)].join('\n'),
  );

  it('tries higher priority first, then load order among equals', () => {
    expect(problems).toEqual([]);
    expect(matchOrder(profiles).map((p) => p.name)).toEqual(['high', 'first', 'second', 'third', 'low']);
  });

  it('gives the matching profile and the reason', () => {
    expect(matchRoom(profiles, { name: 'd-1' })).toEqual({ profile: profiles[3], reason: 'profile "third" (priority 0): room name "d-1" matches d-*' });
    expect(matchRoom(profiles, { name: 'z-1' })).toBeUndefined();
  });
});

describe('explainMatch', () => {
  const { profiles, problems } = loadYaml(
    [entry('exact', '{ rooms: [lobby, hall-*] }'), entry('both', '{ rooms: [board-*], metadata: { dept: legal, level: 2 } }'), entry('meta', '{ metadata: { dept: hr } }')].join('\n'),
  );
  const [exact, both, meta] = profiles as [Profile, Profile, Profile];

  it('says "is" for an exact name and "matches" for a pattern', () => {
    expect(problems).toEqual([]);
    expect(explainMatch(exact, 'lobby', undefined)).toBe('profile "exact" (priority 0): room name is "lobby"');
    expect(explainMatch(exact, 'hall-2', undefined)).toBe('profile "exact" (priority 0): room name "hall-2" matches hall-*');
  });

  it('lists every metadata condition that held', () => {
    expect(explainMatch(both, 'board-1', { dept: 'legal', level: 2, extra: true })).toBe('profile "both" (priority 0): room name "board-1" matches board-* and metadata has dept="legal", level=2');
    expect(explainMatch(meta, 'anything', { dept: 'hr' })).toBe('profile "meta" (priority 0): metadata has dept="hr"');
  });

  it('does not match when a condition fails or the room has no metadata', () => {
    expect(explainMatch(both, 'board-1', { dept: 'legal', level: 3 })).toBeUndefined();
    expect(explainMatch(both, 'board-1', undefined)).toBeUndefined();
    expect(explainMatch(both, 'lobby', { dept: 'legal', level: 2 })).toBeUndefined();
  });
});

describe('name patterns', () => {
  it('tells globs from plain names and regular expressions', () => {
    expect(['board-*', 'guest-?', 'lobby', '/^exec-.*$/i'].map(isGlobPattern)).toEqual([true, true, false, false]);
  });

  it('matches globs against the whole name, with . and + taken literally', () => {
    expect(matchesPattern('room.1+', 'room.1+')).toBe(true);
    expect(matchesPattern('room.1+', 'roomx11')).toBe(false);
    expect(matchesPattern('guest-?', 'guest-7')).toBe(true);
    expect(matchesPattern('guest-?', 'guest-77')).toBe(false);
    expect(matchesPattern('a-*', 'a-line\nbreak')).toBe(true);
  });

  it('refuses the stateful regex flags g and y, naming them', () => {
    expect(compilePattern('/^a$/g')).toEqual({ ok: false, error: "flag 'g' is not allowed (it makes matching depend on the previous room)" });
    expect(compilePattern('/^a$/iyg')).toEqual({ ok: false, error: "flag 'yg' is not allowed (it makes matching depend on the previous room)" });
    expect(matchesPattern('/^a$/g', 'a')).toBe(false);
  });

  it("reports a regex that does not compile with the engine's reason, and matches nothing with it", () => {
    const compiled = compilePattern('/(/');
    expect(compiled.ok).toBe(false);
    expect(compiled.ok ? '' : compiled.error).toMatch(/Invalid regular expression/);
    expect(matchesPattern('/(/', '(')).toBe(false);
  });

  it('compiles each pattern once', () => {
    expect(compilePattern('/^once-\\d+$/i')).toBe(compilePattern('/^once-\\d+$/i'));
    expect(matchesPattern('/^once-\\d+$/i', 'ONCE-12')).toBe(true);
  });
});

describe('profiles a later one can never beat', () => {
  it('reports a later profile whose metadata only narrows an earlier one on the same pattern, at that pattern', () => {
    const { file, problems } = loadYaml([entry('broad', '{ rooms: [x-*], metadata: { dept: legal } }'), entry('narrow', '{ rooms: [y-*, x-*], metadata: { dept: legal, level: 2 } }')].join('\n'));
    expect(problems).toEqual([
      {
        file,
        line: 7,
        column: 25,
        path: '/1/match/rooms/1',
        severity: 'error',
        message: 'profiles "broad" and "narrow" both match rooms "x-*" with priority 0',
        hint: `"broad" (${file}:1) would always win; give one a different priority or pattern`,
      },
    ]);
  });

  it('takes profiles whose metadata differs, or that add a condition the later one lacks', () => {
    expect(loadYaml([entry('a', '{ rooms: [x-*], metadata: { dept: legal } }'), entry('b', '{ rooms: [x-*], metadata: { dept: hr } }')].join('\n')).problems).toEqual([]);
    expect(loadYaml([entry('a', '{ rooms: [x-*], metadata: { dept: legal } }'), entry('b', '{ rooms: [x-*], metadata: { level: 2 } }')].join('\n')).problems).toEqual([]);
  });

  it("reports a later profile behind a metadata-only one: at its first pattern, or at match when it has none", () => {
    const first = loadYaml([entry('any', '{ metadata: { dept: legal } }'), entry('named', '{ rooms: [x-*, y-*], metadata: { dept: legal } }')].join('\n'));
    expect(first.problems.map((p) => [p.path, p.line, p.message])).toEqual([['/1/match/rooms/0', 7, 'profiles "any" and "named" both match rooms "x-*" with priority 0']]);
    const none = loadYaml([entry('any', '{ metadata: { dept: legal } }'), entry('also', '{ metadata: { dept: legal } }')].join('\n'));
    expect(none.problems.map((p) => [p.path, p.line, p.column, p.message])).toEqual([['/1/match', 7, 10, 'profiles "any" and "also" both match any room name with priority 0']]);
  });
});
