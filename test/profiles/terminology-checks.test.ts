// checkTerminology and the normalized terminology/timing: the phrase cap at its exact edges, which
// phrases a file gives, what each finding points at and the fix it suggests.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_PHRASES, type ProfileProblem, loadProfilesSync } from '../../src/profiles/index.ts';
import type { RawProfile } from '../../src/profiles/raw.ts';
import { checkTerminology, normalizeTerminology, normalizeTiming } from '../../src/profiles/terminology.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-terms-checks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const profileFile = join(dir, 'profile.yaml');
let count = 0;

/** A phrase file in the temp folder; returns its name relative to the profile. */
function phraseFile(content: string | Buffer): string {
  const name = `words-${count++}.txt`;
  writeFileSync(join(dir, name), content);
  return name;
}

const raw = (rest: Partial<RawProfile>): RawProfile => ({ name: 'terms', match: { rooms: ['board-*'] }, languages: { targets: [{ language: 'fr' }] }, ...rest }) as RawProfile;
const phrases = (n: number, prefix = 'term') => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

const CAP_HINT = 'keep the words people get wrong most (names, products); for a larger vocabulary train a Custom Speech model';
const WEIGHT_WARNING = { pointer: '/terminology/weight', severity: 'warning', message: 'terminology.weight has no effect: there are no phrases', hint: 'add terminology.phrases, or remove weight' };

describe('checkTerminology: the phrase cap', () => {
  it('takes exactly MAX_PHRASES phrases, and refuses one more with the fix to make', () => {
    expect(checkTerminology(raw({ terminology: { phrases: phrases(MAX_PHRASES) } }), profileFile).findings).toEqual([]);
    expect(checkTerminology(raw({ terminology: { phrases: phrases(MAX_PHRASES + 1) } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrases', message: `terminology: ${MAX_PHRASES + 1} distinct phrases, but Azure takes at most ${MAX_PHRASES} in one phrase list`, hint: CAP_HINT },
    ]);
  });

  it('points the cap at the phrase file when one is given', () => {
    const file = phraseFile(phrases(MAX_PHRASES).join('\n'));
    const check = checkTerminology(raw({ terminology: { phrases: ['extra'], phrasesFile: file } }), profileFile);
    expect(check.findings).toEqual([{ pointer: '/terminology/phrasesFile', message: expect.stringContaining(`${MAX_PHRASES + 1} distinct phrases`), hint: CAP_HINT }]);
  });

  it("refuses a speaker whose phrases take the profile's full list over the cap, with the fix", () => {
    const speakerOver = raw({ speakers: [{ identity: 'ceo', phrases: ['Rehaan Khan'] }], terminology: { phrases: phrases(MAX_PHRASES) } });
    expect(checkTerminology(speakerOver, profileFile).findings).toEqual([
      {
        pointer: '/speakers/0/phrases',
        message: `speakers[0].phrases: with the profile's ${MAX_PHRASES} terminology phrases this speaker's sessions get ${MAX_PHRASES + 1}, over Azure's ${MAX_PHRASES} per phrase list`,
        hint: 'shorten the speaker list or the profile terminology',
      },
    ]);
  });

  it('takes a speaker whose sessions reach exactly the cap', () => {
    const atCap = raw({ speakers: [{ identity: 'ceo', phrases: ['Rehaan Khan', 'term 0'] }], terminology: { phrases: phrases(MAX_PHRASES - 1) } });
    expect(checkTerminology(atCap, profileFile).findings).toEqual([]);
  });

  it('reports an over-cap profile list once, not again for each speaker', () => {
    const file = phraseFile(phrases(MAX_PHRASES + 1).join('\n'));
    const findings = checkTerminology(raw({ speakers: [{ identity: 'ceo', phrases: ['Rehaan Khan'] }], terminology: { phrasesFile: file } }), profileFile).findings;
    expect(findings.map((f) => f.pointer)).toEqual(['/terminology/phrasesFile']);
  });
});

describe('checkTerminology: phrases that have no effect', () => {
  it('warns, with the exact text, when an untranslated speaker is given phrases', () => {
    const findings = checkTerminology(raw({ speakers: [{ identity: 'interp-1', translate: false, phrases: ['Contoso'] }] }), profileFile).findings;
    expect(findings).toEqual([{ pointer: '/speakers/0/phrases', severity: 'warning', message: 'speakers[0].phrases has no effect: this speaker is not translated (translate: false)' }]);
  });

  it('does not warn about an untranslated speaker whose phrase list is empty', () => {
    expect(checkTerminology(raw({ speakers: [{ identity: 'interp-1', translate: false, phrases: [] }] }), profileFile).findings).toEqual([]);
  });

  it('warns about a weight with no phrases anywhere, with the fix', () => {
    expect(checkTerminology(raw({ terminology: { weight: 1.2 } }), profileFile).findings).toEqual([WEIGHT_WARNING]);
    // Speakers without phrases, or with an empty list, give the weight nothing to weigh either.
    const speakers = [{ identity: 'ceo' }, { identity: 'cfo', phrases: [] }];
    expect(checkTerminology(raw({ speakers, terminology: { weight: 1.2 } }), profileFile).findings).toEqual([WEIGHT_WARNING]);
  });

  it("takes a weight that weighs the profile's phrases or a translated speaker's", () => {
    expect(checkTerminology(raw({ terminology: { weight: 1.2, phrases: ['Contoso'] } }), profileFile).findings).toEqual([]);
    expect(checkTerminology(raw({ speakers: [{ identity: 'ceo' }, { identity: 'cfo', phrases: ['Fabrikam'] }], terminology: { weight: 1.2 } }), profileFile).findings).toEqual([]);
  });

  it("still warns about the weight when only an untranslated speaker has phrases", () => {
    const findings = checkTerminology(raw({ speakers: [{ identity: 'interp-1', translate: false, phrases: ['Contoso'] }], terminology: { weight: 1.2 } }), profileFile).findings;
    expect(findings.map((f) => f.pointer)).toEqual(['/speakers/0/phrases', '/terminology/weight']);
  });
});

describe('checkTerminology: the phrase file', () => {
  it('gives one phrase per line, trimmed, without blank lines and comments (also indented ones)', () => {
    const file = phraseFile('# products\nContoso\n\n   \n  # indented comment\n  Fabrikam  \r\nNorthwind\r\n');
    const check = checkTerminology(raw({ terminology: { phrasesFile: file } }), profileFile);
    expect(check).toStrictEqual({ findings: [], filePhrases: ['Contoso', 'Fabrikam', 'Northwind'] });
  });

  it('returns no filePhrases at all when the profile names no phrase file', () => {
    const check = checkTerminology(raw({ terminology: { phrases: ['Contoso'] } }), profileFile);
    expect(Object.keys(check)).toEqual(['findings']);
  });

  const HINT = 'one phrase per line, UTF-8 text';
  it('refuses a file with a NUL byte even when it decodes as UTF-8', () => {
    const file = phraseFile(Buffer.from('Contoso\0Fabrikam\n', 'utf8'));
    expect(checkTerminology(raw({ terminology: { phrasesFile: file } }), profileFile)).toStrictEqual({
      findings: [{ pointer: '/terminology/phrasesFile', message: `terminology.phrasesFile: ${file} is not a UTF-8 text file`, hint: HINT }],
    });
  });

  it('refuses a file that is not valid UTF-8 (no NUL byte)', () => {
    const file = phraseFile(Buffer.from([0x43, 0x6f, 0xff, 0xfe, 0x0a]));
    expect(checkTerminology(raw({ terminology: { phrasesFile: file } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrasesFile', message: `terminology.phrasesFile: ${file} is not a UTF-8 text file`, hint: HINT },
    ]);
  });

  it('names the folder it looked in for a missing file, and says why another cannot be read', () => {
    expect(checkTerminology(raw({ terminology: { phrasesFile: 'missing.txt' } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrasesFile', message: `terminology.phrasesFile: missing.txt does not exist (looked in ${dir})`, hint: HINT },
    ]);
    // "." is the profile's own folder: inside it, but a folder, not a file.
    expect(checkTerminology(raw({ terminology: { phrasesFile: '.' } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrasesFile', message: 'terminology.phrasesFile: cannot read . (EISDIR)', hint: HINT },
    ]);
  });

  it('refuses a symbolic link beside the profile that points outside its folder, and follows one that stays inside', () => {
    const outside = mkdtempSync(join(tmpdir(), 'lk-terms-outside-'));
    try {
      writeFileSync(join(outside, 'secret.txt'), 'not for Azure\n');
      symlinkSync(join(outside, 'secret.txt'), join(dir, 'linked.txt'));
      expect(checkTerminology(raw({ terminology: { phrasesFile: 'linked.txt' } }), profileFile)).toEqual({
        findings: [{ pointer: '/terminology/phrasesFile', message: "terminology.phrasesFile: linked.txt leaves the profile's folder", hint: 'keep the phrase file beside the profile (or in a folder below it)' }],
      });
      writeFileSync(join(dir, 'real-glossary.txt'), 'Contoso\n');
      symlinkSync(join(dir, 'real-glossary.txt'), join(dir, 'glossary-link.txt'));
      expect(checkTerminology(raw({ terminology: { phrasesFile: 'glossary-link.txt' } }), profileFile).filePhrases).toEqual(['Contoso']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reads a file in a folder below the profile, and refuses paths outside it with the fix', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'names.txt'), 'Contoso\n');
    expect(checkTerminology(raw({ terminology: { phrasesFile: 'sub/names.txt' } }), profileFile).filePhrases).toEqual(['Contoso']);
    expect(checkTerminology(raw({ terminology: { phrasesFile: '../elsewhere.txt' } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrasesFile', message: "terminology.phrasesFile: ../elsewhere.txt leaves the profile's folder", hint: 'keep the phrase file beside the profile (or in a folder below it)' },
    ]);
    expect(checkTerminology(raw({ terminology: { phrasesFile: '/etc/hostname' } }), profileFile).findings).toEqual([
      { pointer: '/terminology/phrasesFile', message: 'terminology.phrasesFile: /etc/hostname is an absolute path', hint: 'give the file name beside the profile, e.g. glossary.txt' },
    ]);
  });
});

describe('checkTerminology: timing', () => {
  it('points a strategy problem at the segmentation value', () => {
    const findings = checkTerminology(raw({ timing: { segmentation: 'time' } }), profileFile).findings;
    expect(findings).toEqual([{ pointer: '/timing/segmentation', message: expect.stringMatching(/^timing: the time strategy needs maxPhraseSeconds/) }]);
  });

  it('positions a timing problem in the file at the value of the field', () => {
    const file = join(dir, `timing-${count++}.yaml`);
    writeFileSync(file, ['name: t', 'match:', '  rooms: [t-*]', 'languages:', '  targets: [{ language: fr }]', 'timing:', '  segmentation:   time'].join('\n'));
    const errors = loadProfilesSync(file).problems.filter((p: ProfileProblem) => p.severity === 'error');
    expect(errors.map((p) => [p.path, p.line, p.column])).toEqual([['/timing/segmentation', 7, 19]]);
  });
});

describe('normalizeTerminology and normalizeTiming', () => {
  it('keeps only the fields a profile sets', () => {
    expect(normalizeTerminology(raw({ terminology: { phrases: ['Contoso', 'contoso'] } }), undefined)).toStrictEqual({ phrases: ['Contoso'] });
    expect(normalizeTerminology(raw({ terminology: { weight: 0.5, translatorCategory: 'cat' } }), ['Fabrikam'])).toStrictEqual({ phrases: ['Fabrikam'], weight: 0.5, translatorCategory: 'cat' });
    expect(normalizeTerminology(raw({}), ['Fabrikam'])).toBeUndefined();
    expect(normalizeTiming(raw({ timing: {} }))).toStrictEqual({ segmentation: 'default' });
    expect(normalizeTiming(raw({ timing: { segmentation: 'time', silenceMs: 200, maxPhraseSeconds: 25 } }))).toStrictEqual({ segmentation: 'time', silenceMs: 200, maxPhraseSeconds: 25 });
    expect(normalizeTiming(raw({}))).toBeUndefined();
  });
});
