import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems, loadProfilesSync, sessionPhrases, writeProfileBundle, type ProfileProblem } from '../../src/profiles/index.ts';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'lk-terms-'));
}

/** A profile whose lines 1-5 are fixed, so the cases below know where their own lines start (6). */
function profile(rest: string): string {
  return ['name: terms', 'match:', '  rooms: [board-*]', 'languages:', '  targets: [{ language: fr }]', rest].join('\n');
}

function load(yaml: string, files: Record<string, string | Buffer> = {}): { dir: string; problems: ProfileProblem[]; file: string } {
  const dir = folder();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const file = join(dir, 'profile.yaml');
  writeFileSync(file, yaml);
  return { dir, file, problems: loadProfilesSync(file).problems };
}

const phrases = (n: number, prefix = 'term') => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

describe('profile terminology and timing', () => {
  it('loads phrases, a phrase file beside the profile, weight, category, speaker phrases and timing', () => {
    const dir = folder();
    writeFileSync(join(dir, 'glossary.txt'), '# products\nContoso\n\n  Fabrikam  \r\ncontoso\n');
    const file = join(dir, 'p.yaml');
    writeFileSync(
      file,
      profile(
        [
          'speakers:',
          '  - identity: ceo',
          '    phrases: [Rehaan Khan]',
          'terminology:',
          '  phrases: [Northwind, Contoso]',
          '  phrasesFile: glossary.txt',
          '  weight: 1.5',
          '  translatorCategory: a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH',
          'timing:',
          '  segmentation: time',
          '  silenceMs: 300',
          '  maxPhraseSeconds: 30',
        ].join('\n'),
      ),
    );
    const { profiles, problems } = loadProfilesSync(file);
    expect(problems).toEqual([]);
    const [p] = profiles;
    expect(p?.terminology).toEqual({ phrases: ['Northwind', 'Contoso', 'Fabrikam'], weight: 1.5, translatorCategory: 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH' });
    expect(p?.timing).toEqual({ segmentation: 'time', silenceMs: 300, maxPhraseSeconds: 30 });
    expect(p?.speakers[0]?.phrases).toEqual(['Rehaan Khan']);
    // A speaker's sessions get the profile's phrases and their own; others only the profile's.
    expect(sessionPhrases(p!, p!.speakers[0]?.phrases)).toEqual(['Northwind', 'Contoso', 'Fabrikam', 'Rehaan Khan']);
    expect(sessionPhrases(p!)).toEqual(['Northwind', 'Contoso', 'Fabrikam']);

    // A bundle carries the file's phrases inline and loads to the same profile.
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, writeProfileBundle(profiles));
    const again = loadProfilesSync(bundle);
    expect(again.problems).toEqual([]);
    expect(again.profiles[0]?.terminology).toEqual(p?.terminology);
    expect(again.profiles[0]?.timing).toEqual(p?.timing);
  });

  it('leaves terminology and timing out of a profile that sets none', () => {
    const { problems, file } = load(profile(''));
    expect(problems).toEqual([]);
    const p = loadProfilesSync(file).profiles[0]!;
    expect(p.terminology).toBeUndefined();
    expect(p.timing).toBeUndefined();
    expect(sessionPhrases(p)).toEqual([]);
  });

  // Each value Azure would refuse: where the error points (line:col of the profile file) and what it says.
  const refused: { what: string; yaml: string; files?: Record<string, string | Buffer>; line: number; column: number; message: RegExp; path: string }[] = [
    { what: 'more than 2,000 phrases inline', yaml: `terminology:\n  phrases: [${phrases(2001).join(', ')}]`, line: 7, column: 12, message: /terminology\.phrases: allows at most 2000 items, got 2001/, path: '/terminology/phrases' },
    {
      what: 'more than 2,000 phrases with the phrase file',
      yaml: 'terminology:\n  phrases: [a, b]\n  phrasesFile: big.txt',
      files: { 'big.txt': phrases(1999).join('\n') },
      line: 8,
      column: 16,
      message: /terminology: 2001 distinct phrases, but Azure takes at most 2000 in one phrase list/,
      path: '/terminology/phrasesFile',
    },
    {
      what: "a speaker's phrases taking their sessions over the cap",
      yaml: `speakers:\n  - identity: ceo\n    phrases: [${phrases(10, 'name').join(', ')}]\nterminology:\n  phrases: [${phrases(1995).join(', ')}]`,
      line: 8,
      column: 14,
      message: /speakers\[0\]\.phrases: with the profile's 1995 terminology phrases this speaker's sessions get 2005, over Azure's 2000/,
      path: '/speakers/0/phrases',
    },
    { what: 'a weight above 2', yaml: 'terminology:\n  phrases: [Contoso]\n  weight: 2.5', line: 8, column: 11, message: /terminology\.weight: must be <= 2, got number 2.5/, path: '/terminology/weight' },
    { what: 'a negative weight', yaml: 'terminology:\n  phrases: [Contoso]\n  weight: -1', line: 8, column: 11, message: /terminology\.weight: must be >= 0, got number -1/, path: '/terminology/weight' },
    { what: 'a blank phrase', yaml: "terminology:\n  phrases: [Contoso, ' ']", line: 7, column: 22, message: /terminology\.phrases\[1\]: expected a word or phrase \(not blank\)/, path: '/terminology/phrases/1' },
    { what: 'a category id that cannot be one', yaml: 'terminology:\n  translatorCategory: TECH', line: 7, column: 23, message: /terminology\.translatorCategory: expected a Custom Translator category id/, path: '/terminology/translatorCategory' },
    { what: 'a silence under 100 ms', yaml: 'timing:\n  silenceMs: 50', line: 7, column: 14, message: /timing\.silenceMs: must be >= 100, got number 50/, path: '/timing/silenceMs' },
    { what: 'a silence over 5,000 ms', yaml: 'timing:\n  silenceMs: 6000', line: 7, column: 14, message: /timing\.silenceMs: must be <= 5000, got number 6000/, path: '/timing/silenceMs' },
    { what: 'a maximum under 20 s', yaml: 'timing:\n  segmentation: time\n  maxPhraseSeconds: 10', line: 8, column: 21, message: /timing\.maxPhraseSeconds: must be >= 20, got number 10/, path: '/timing/maxPhraseSeconds' },
    { what: 'a maximum over 70 s', yaml: 'timing:\n  segmentation: time\n  maxPhraseSeconds: 90', line: 8, column: 21, message: /timing\.maxPhraseSeconds: must be <= 70/, path: '/timing/maxPhraseSeconds' },
    { what: 'an unknown strategy', yaml: 'timing:\n  segmentation: fast', line: 7, column: 17, message: /timing\.segmentation: expected one of default, time, semantic, got "fast"/, path: '/timing/segmentation' },
    { what: 'a maximum without the time strategy', yaml: 'timing:\n  maxPhraseSeconds: 30', line: 7, column: 21, message: /timing: maxPhraseSeconds applies only with the time strategy/, path: '/timing/maxPhraseSeconds' },
    { what: 'the time strategy without a maximum', yaml: 'timing:\n  segmentation: time', line: 7, column: 17, message: /timing: the time strategy needs maxPhraseSeconds/, path: '/timing/segmentation' },
    { what: 'a silence with the semantic strategy', yaml: 'timing:\n  segmentation: semantic\n  silenceMs: 300', line: 8, column: 14, message: /timing: the semantic strategy takes no silenceMs/, path: '/timing/silenceMs' },
    { what: 'a phrase file that is not there', yaml: 'terminology:\n  phrasesFile: missing.txt', line: 7, column: 16, message: /terminology\.phrasesFile: missing\.txt does not exist/, path: '/terminology/phrasesFile' },
    { what: "a phrase file outside the profile's folder", yaml: 'terminology:\n  phrasesFile: ../elsewhere.txt', line: 7, column: 16, message: /\.\.\/elsewhere\.txt leaves the profile's folder/, path: '/terminology/phrasesFile' },
    { what: 'a phrase file given by absolute path', yaml: 'terminology:\n  phrasesFile: /etc/hostname', line: 7, column: 16, message: /\/etc\/hostname is an absolute path/, path: '/terminology/phrasesFile' },
    { what: 'a binary phrase file', yaml: 'terminology:\n  phrasesFile: words.bin', files: { 'words.bin': Buffer.from([0x43, 0, 0xff]) }, line: 7, column: 16, message: /words\.bin is not a UTF-8 text file/, path: '/terminology/phrasesFile' },
    { what: 'an unknown terminology field', yaml: 'terminology:\n  phrase: [Contoso]', line: 7, column: 3, message: /unknown field `phrase` in terminology/, path: '/terminology/phrase' },
  ];
  it.each(refused)('refuses $what at file:line:col', ({ yaml, files, line, column, message, path }) => {
    const { problems, file } = load(profile(yaml), files);
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors, formatProblems(problems)).toHaveLength(1);
    const [error] = errors as [ProfileProblem];
    expect(error.file).toBe(file);
    expect(error.message).toMatch(message);
    expect(error.path).toBe(path);
    expect([error.line, error.column]).toEqual([line, column]);
  });

  it('warns when a weight has no phrases to weigh, or phrases go to a speaker who is not translated', () => {
    const { problems } = load(profile('speakers:\n  - identity: interpreter\n    translate: false\n    phrases: [Contoso]\nterminology:\n  weight: 1.2'));
    expect(problems.map((p) => [p.severity, p.path, p.line])).toEqual([
      ['warning', '/speakers/0/phrases', 9],
      ['warning', '/terminology/weight', 11],
    ]);
  });
});

describe('interpreter plan', () => {
  it('shows the terminology and timing a room gets, and gives them in --json', () => {
    const dir = folder();
    writeFileSync(join(dir, 'glossary.txt'), 'Contoso\nFabrikam\n');
    writeFileSync(
      join(dir, 'board.yaml'),
      profile('speakers:\n  - identity: ceo\n    phrases: [Rehaan Khan]\nterminology:\n  phrases: [Northwind]\n  phrasesFile: glossary.txt\n  weight: 1.5\ntiming:\n  silenceMs: 300'),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AZURE_SPEECH_')));
    const run = (...args: string[]) => spawnSync(process.execPath, ['bin/interpreter.js', 'plan', '--room', 'board-1', '--speakers', '2', '--profiles', dir, ...args], { encoding: 'utf8', env, timeout: 60_000 });
    const text = run();
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('Terminology: 3 phrases (Northwind, Contoso, Fabrikam), weight 1.5');
    expect(text.stdout).toContain('  speaker "ceo" adds Rehaan Khan');
    expect(text.stdout).toContain("  Custom Translator category: none (Microsoft's general model)");
    expect(text.stdout).toContain('Timing: segmentation default, a phrase ends after 300 ms of silence');
    const json = JSON.parse(run('--json').stdout) as { terminology: unknown; timing: unknown };
    expect(json.terminology).toEqual({ phrases: ['Northwind', 'Contoso', 'Fabrikam'], weight: 1.5 });
    expect(json.timing).toEqual({ segmentation: 'default', silenceMs: 300 });
  });
});
