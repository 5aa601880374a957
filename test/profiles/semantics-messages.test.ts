// checkMeaning's findings word for word: what is wrong, where (pointer), and the fix it suggests.
import { describe, expect, it } from 'vitest';
import type { RawProfile } from '../../src/profiles/raw.ts';
import { checkMeaning } from '../../src/profiles/semantics.ts';

const raw = (rest: Partial<RawProfile>): RawProfile => ({ name: 'p', match: { rooms: ['p-*'] }, languages: { targets: [{ language: 'fr' }] }, ...rest }) as RawProfile;
const targets = (...list: object[]) => raw({ languages: { targets: list } } as Partial<RawProfile>);

describe('checkMeaning messages', () => {
  it('explains a regex room pattern that does not compile', () => {
    expect(checkMeaning(raw({ match: { rooms: ['p-*', '/(/'] } }))).toEqual([
      {
        pointer: '/match/rooms/1',
        message: expect.stringMatching(/^match\.rooms\[1\]: regular expression \/\(\/ does not compile: /),
        hint: 'write it as /expression/flags with flags among d, i, m, s, u, v; or use a glob such as board-*',
      },
    ]);
  });

  it('names an unknown target language with its field', () => {
    expect(checkMeaning(targets({ language: 'fr' }, { language: 'qqq' }))).toEqual([
      { pointer: '/languages/targets/1/language', message: 'languages.targets[1].language: "qqq" is not an Azure speech translation language', hint: 'see the language list in docs/profiles.md (src/common/azure-languages.ts)' },
    ]);
  });

  it('says a voice is not a voice name, with an example voice of that language', () => {
    expect(checkMeaning(targets({ language: 'de', voice: 'Katja' }))).toEqual([
      { pointer: '/languages/targets/0/voice', message: 'languages.targets[0].voice: "Katja" is not a neural voice name', hint: 'voice names look like <locale>-<Name>Neural, e.g. de-DE-KatjaNeural' },
    ]);
  });

  it("lists every locale of the language for a voice of another language", () => {
    const [finding] = checkMeaning(targets({ language: 'fr', voice: 'de-DE-KatjaNeural' }));
    expect(finding?.message).toBe('languages.targets[0].voice: voice de-DE-KatjaNeural speaks de-DE, not French (fr)');
    expect(finding?.hint).toMatch(/^use a voice of fr-FR, fr-BE(, fr-[A-Z]{2})+, e\.g\. fr-FR-DeniseNeural$/);
  });

  it('suggests a voice, or none available, for a captions-only target when captions are off', () => {
    expect(checkMeaning({ ...targets({ language: 'fr', voice: 'none' }, { language: 'ht', voice: 'none' }), captions: false })).toEqual([
      { pointer: '/languages/targets/0/voice', message: 'languages.targets[0]: voice: none delivers French (fr) as captions only, but this profile has captions: false', hint: 'set captions: true, or give fr a voice (fr-FR-DeniseNeural)' },
      { pointer: '/languages/targets/1/voice', message: 'languages.targets[1]: voice: none delivers Haitian Creole (ht) as captions only, but this profile has captions: false', hint: 'set captions: true, or give ht a voice (none available)' },
    ]);
  });

  it('suggests captions only for personal voice in a language Azure cannot speak', () => {
    expect(checkMeaning(targets({ language: 'ht', voice: 'personal' }))).toEqual([
      { pointer: '/languages/targets/0/voice', message: 'languages.targets[0]: Azure personal voice does not speak Haitian Creole (ht)', hint: 'use voice: none (captions only)' },
    ]);
  });

  it("points a speaker's locale problem at its language, with a locale of that language as the example", () => {
    expect(checkMeaning(raw({ speakers: [{ identity: 'ceo', language: 'fr' }] }))).toEqual([
      { pointer: '/speakers/0/language', message: 'speakers[0].language: "fr" is not an Azure speech-to-text locale', hint: 'speech locales name a region too, e.g. fr-FR' },
    ]);
    // A target code Azure has no voice locale for gets no made-up example (en-US is no Haitian Creole).
    expect(checkMeaning(raw({ speakers: [{ identity: 'ceo', language: 'ht' }] }))).toEqual([
      { pointer: '/speakers/0/language', message: 'speakers[0].language: "ht" is not an Azure speech-to-text locale', hint: 'see the speech-to-text locales in src/common/azure-languages.ts' },
    ]);
    expect(checkMeaning(raw({ speakers: [{ identity: 'ceo', language: 'klingon-QO' }] }))).toEqual([
      { pointer: '/speakers/0/language', message: 'speakers[0].language: "klingon-QO" is not an Azure speech-to-text locale', hint: 'see the speech-to-text locales in src/common/azure-languages.ts' },
    ]);
  });

  it('warns that a repeated speaker identity never applies, with the fix', () => {
    expect(checkMeaning(raw({ speakers: [{ identity: 'ceo' }, { identity: 'cfo' }, { identity: 'ceo' }] }))).toEqual([
      { pointer: '/speakers/2/identity', severity: 'warning', message: 'speakers[2] never applies: speakers[0] has the same identity and comes first', hint: 'merge the two rules' },
    ]);
  });

  it('warns about captions for chosen listeners only when the profile sends no captions', () => {
    expect(checkMeaning({ ...raw({}), listeners: { captions: 'chosen-language' }, captions: false })).toEqual([
      { pointer: '/listeners/captions', severity: 'warning', message: 'listeners.captions has no effect: this profile sends no captions (captions: false)', hint: 'set captions: true, or remove listeners.captions' },
    ]);
    expect(checkMeaning({ ...raw({}), listeners: { captions: 'chosen-language' } })).toEqual([]);
    expect(checkMeaning({ ...raw({}), listeners: { captions: 'chosen-language' }, captions: true })).toEqual([]);
  });
});
