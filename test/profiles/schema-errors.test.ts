// checkShape's findings, one per kind of schema error: the pointer, the message a person reads and
// the hint; and the field names and value words those messages are built from.
import { describe, expect, it } from 'vitest';
import { checkShape, describeValue, fieldName } from '../../src/profiles/schema.ts';

const base = { name: 'p', match: { rooms: ['a-*'] }, languages: { targets: [{ language: 'fr' }] } };
const withTargets = (targets: unknown) => ({ ...base, languages: { targets } });

describe('fieldName', () => {
  it('writes pointers as the dotted field names people see in the file', () => {
    expect(fieldName('')).toBe('profile');
    expect(fieldName('/languages')).toBe('languages');
    expect(fieldName('/languages/targets/1/voice')).toBe('languages.targets[1].voice');
    expect(fieldName('/speakers/10')).toBe('speakers[10]');
    // Only whole numbers are list indexes: keys with digits stay keys.
    expect(fieldName('/match/metadata/x1/1x')).toBe('match.metadata.x1.1x');
  });
});

describe('describeValue', () => {
  it('names the value a field was given', () => {
    expect([null, undefined, [], {}, 'ten', 3, true].map(describeValue)).toEqual(['nothing', 'nothing', 'a list', 'a mapping', '"ten"', 'number 3', 'boolean true']);
  });
});

describe('checkShape', () => {
  it('accepts a minimal profile', () => {
    expect(checkShape(base)).toEqual([]);
  });

  it('reports every error of a profile, not just the first', () => {
    const findings = checkShape({ ...base, name: 'Bad Name', profanity: 'maskd' });
    expect(findings.map((f) => f.pointer)).toEqual(['/name', '/profanity']);
  });

  it('says what a whole value should have been', () => {
    expect(checkShape(5)).toEqual([{ pointer: '', message: 'profile: expected a profile (a mapping with name, match and languages), got number 5' }]);
    expect(checkShape({ ...base, name: null })).toEqual([{ pointer: '/name', message: 'name: expected a profile name of lower-case letters, digits and dashes, like `board-meeting`, got nothing' }]);
    expect(checkShape({ ...base, languages: { targets: 'fr' } })).toEqual([{ pointer: '/languages/targets', message: 'languages.targets: expected a list, got "fr"' }]);
    expect(checkShape({ ...base, languages: { source: 'any', targets: [{ language: 'fr' }] } })).toEqual([
      { pointer: '/languages/source', message: 'languages.source: expected `auto` or a list of speech locales like [en-US, de-DE], got "any"' },
    ]);
  });

  it('points an unknown field at its key, with the closest name or the allowed ones', () => {
    expect(checkShape({ ...base, nmae: 'x' })).toEqual([{ pointer: '/nmae', at: 'key', message: 'unknown field `nmae` in profile', hint: 'did you mean `name`?' }]);
    expect(checkShape({ ...base, audio: { rate: 1 } })).toEqual([{ pointer: '/audio/rate', at: 'key', message: 'unknown field `rate` in audio', hint: 'allowed: sampleRate' }]);
  });

  it('escapes ~ and / of an unknown key in its pointer', () => {
    const [finding] = checkShape({ ...base, 'a~b/c': 1 });
    expect(finding?.pointer).toBe('/a~0b~1c');
    expect(finding?.message).toBe('unknown field `a~b/c` in profile');
    expect(finding?.hint).toMatch(/^allowed: name, description, priority, match, languages, /);
  });

  it('names a missing required field and explains it from the schema', () => {
    expect(checkShape({ match: base.match, languages: base.languages })).toEqual([
      { pointer: '', message: 'profile is missing required field `name`', hint: "name: Unique name of the profile, used in logs, `interpreter plan` and the agent's launch." },
    ]);
    expect(checkShape(withTargets([{ voice: 'none' }]))).toEqual([
      { pointer: '/languages/targets/0', message: 'languages.targets[0] is missing required field `language`', hint: expect.stringMatching(/^language: Azure speech translation text language code/) },
    ]);
  });

  it('gives the code of a target language written as a name, at any index', () => {
    expect(checkShape(withTargets([{ language: 'French' }]))).toEqual([
      { pointer: '/languages/targets/0/language', message: 'languages.targets[0].language: expected an Azure text language code like `fr`, `de` or `zh-Hans`, got "French"', hint: 'French is `fr`' },
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ language: i === 10 ? 'German' : 'fr' }));
    expect(checkShape(withTargets(eleven)).find((f) => f.pointer === '/languages/targets/10/language')?.hint).toBe('German is `de`');
  });

  it('does not offer a language code for a profile name that happens to be a language', () => {
    expect(checkShape({ ...base, name: 'French' })).toStrictEqual([{ pointer: '/name', message: 'name: expected a profile name of lower-case letters, digits and dashes, like `board-meeting`, got "French"' }]);
  });

  it('points a repeated list item at its second occurrence', () => {
    expect(checkShape({ ...base, languages: { source: ['en-US', 'de-DE', 'en-US'], targets: [{ language: 'fr' }] } })).toEqual([
      { pointer: '/languages/source/2', message: 'languages.source: "en-US" is listed twice', hint: 'remove the repetition' },
    ]);
  });

  it("reports an empty text with the field's description as the hint, when it has one", () => {
    expect(checkShape({ ...base, speakers: [{ identity: '' }] })).toEqual([
      { pointer: '/speakers/0/identity', message: 'speakers[0].identity: must NOT have fewer than 1 characters, got ""', hint: 'LiveKit participant identity: exact, or a glob (`interp-*`, `guest-?`).' },
    ]);
    expect(checkShape({ ...base, match: { rooms: [''] } })).toStrictEqual([{ pointer: '/match/rooms/0', message: 'match.rooms[0]: must NOT have fewer than 1 characters, got ""' }]);
  });

  it('refuses an empty match rule and explains what it takes', () => {
    expect(checkShape({ ...base, match: {} })).toEqual([{ pointer: '/match', message: 'match: must not be empty', hint: expect.stringMatching(/^Which rooms get this profile/) }]);
  });

  it('suggests the allowed value closest to a misspelled one', () => {
    expect(checkShape({ ...base, profanity: 'maskd' })).toEqual([{ pointer: '/profanity', message: 'profanity: expected one of masked, removed, raw, got "maskd"', hint: 'did you mean `masked`?' }]);
    expect(checkShape({ ...base, profanity: 7 })).toStrictEqual([{ pointer: '/profanity', message: 'profanity: expected one of masked, removed, raw, got number 7' }]);
  });

  it('reports a wrong source list once per problem, at the item', () => {
    const source = (value: unknown) => checkShape({ ...base, languages: { source: value, targets: base.languages.targets } });
    expect(source(5)).toStrictEqual([{ pointer: '/languages/source', message: 'languages.source: expected `auto` or a list of speech locales like [en-US, de-DE], got number 5' }]);
    expect(source(['en-US', 5, 'x'])).toStrictEqual([
      { pointer: '/languages/source/1', message: 'languages.source[1]: expected a speech locale like `en-US`, got number 5' },
      { pointer: '/languages/source/2', message: 'languages.source[2]: expected a speech locale like `en-US`, got "x"' },
    ]);
    expect(source([])).toStrictEqual([{ pointer: '/languages/source', message: 'languages.source: needs at least 1 item(s)' }]);
  });

  it('names the allowed types of a metadata value', () => {
    expect(checkShape({ ...base, match: { metadata: { a: [1] } } })).toStrictEqual([{ pointer: '/match/metadata/a', message: 'match.metadata.a: expected a string, number or boolean, got a list' }]);
  });
});
