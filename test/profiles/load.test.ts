import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findProfile,
  formatProblems,
  loadProfiles,
  loadProfilesOrThrow,
  loadProfilesOrThrowSync,
  ProfileError,
  writeProfileBundle,
  type ProfileProblem,
} from '../../src/profiles/index.ts';

const BROKEN = 'test/fixtures/profiles/broken';

async function problemsOf(file: string): Promise<ProfileProblem[]> {
  const { problems } = await loadProfiles(join(BROKEN, file));
  return problems.filter((p) => p.severity === 'error');
}

// One broken file per bad input: where the error must point, what it must say, and the hint.
const cases: { file: string; line: number; column: number; message: RegExp; hint?: RegExp; path?: string }[] = [
  { file: 'malformed-yaml.yaml', line: 4, column: 1, message: /YAML syntax: Flow sequence .* end with a \]/, hint: /indentation and brackets/ },
  { file: 'wrong-type.yaml', line: 7, column: 16, message: /limits\.maxSpeakers: expected a whole number, got "ten"/, path: '/limits/maxSpeakers' },
  { file: 'unknown-key.yaml', line: 3, column: 3, message: /unknown field `roms` in match/, hint: /did you mean `rooms`\?/, path: '/match/roms' },
  { file: 'unknown-language.yaml', line: 6, column: 19, message: /"dee" is not an Azure speech translation language/, hint: /did you mean `de`\?/, path: '/languages/targets/1/language' },
  { file: 'misspelled-locale.yaml', line: 7, column: 33, message: /"en-SU" is not an Azure speech-to-text locale/, hint: /did you mean `en-US`\?/ },
  { file: 'voice-mismatch.yaml', line: 6, column: 14, message: /voice de-DE-KatjaNeural speaks de-DE, not French \(fr\)/, hint: /fr-FR-DeniseNeural/ },
  { file: 'personal-not-offered.yaml', line: 5, column: 30, message: /personal voice does not speak Icelandic \(is\)/, hint: /is-IS-GudrunNeural/ },
  { file: 'empty.yaml', line: 0, column: 0, message: /file is empty/ },
  { file: 'binary.yaml', line: 0, column: 0, message: /not a text file/ },
  { file: 'numbers.yaml', line: 1, column: 1, message: /expected a profile or a list of profiles, got a list of number values/ },
  { file: 'not-a-mapping.yaml', line: 1, column: 1, message: /expected a profile \(a mapping/ },
  { file: 'duplicate-names.yaml', line: 4, column: 9, message: /duplicate profile name "duplicate"/, hint: /first defined at .*duplicate-names\.yaml:1/, path: '/1/name' },
  { file: 'priority-clash.yaml', line: 7, column: 29, message: /"clash-first" and "clash-second" both match rooms "clash-\*" with priority 3/, hint: /different priority or pattern/ },
  { file: 'bad-regex.yaml', line: 3, column: 26, message: /regular expression \/\^\(board\$\/ does not compile/ },
  { file: 'captions-off.yaml', line: 5, column: 30, message: /captions only, but this profile has captions: false/, hint: /set captions: true/ },
  { file: 'missing-languages.yaml', line: 1, column: 1, message: /missing required field `languages`/, hint: /What is spoken/ },
  { file: 'duplicate-key.yaml', line: 7, column: 1, message: /Map keys must be unique/ },
  { file: 'alias-bomb.yaml', line: 1, column: 1, message: /cannot read YAML: Excessive alias count/ },
  { file: 'duplicate-target.yaml', line: 7, column: 17, message: /languages\.targets\[2\]: fr is already a target \(languages\.targets\[0\]\)/, hint: /list each language once/, path: '/languages/targets/2/language' },
  { file: 'fallback-without-personal.yaml', line: 7, column: 7, message: /fallbackVoice only applies with voice: personal/, hint: /remove fallbackVoice, or set voice: personal/, path: '/languages/targets/0/fallbackVoice' },
  { file: 'listeners-typo.yaml', line: 6, column: 10, message: /listeners\.audio: expected one of all, chosen-language, got "chosen-languge"/, hint: /did you mean `chosen-language`\?/, path: '/listeners/audio' },
  { file: 'unspeakable-language.yaml', line: 6, column: 7, message: /Azure has no neural voice for Haitian Creole \(ht\), so it cannot be spoken/, hint: /add voice: none/, path: '/languages/targets/1' },
];

describe('broken profiles', () => {
  it.each(cases)('$file: one positioned error', async ({ file, line, column, message, hint, path }) => {
    const problems = await problemsOf(file);
    expect(problems, formatProblems(problems)).toHaveLength(1);
    const [problem] = problems as [ProfileProblem];
    expect(problem.file).toBe(join(BROKEN, file));
    expect([problem.line, problem.column]).toEqual([line, column]);
    expect(problem.message).toMatch(message);
    if (hint) expect(problem.hint).toMatch(hint);
    if (path) expect(problem.path).toBe(path);
  });

  it('a language Azure cannot speak never becomes a profile (its default voice would be the empty name)', async () => {
    const { profiles } = await loadProfiles(join(BROKEN, 'unspeakable-language.yaml'));
    expect(profiles).toEqual([]);
  });

  it('covers every fixture in the folder', async () => {
    const { problems } = await loadProfiles(BROKEN);
    const files = new Set(problems.map((p) => p.file));
    expect([...files].sort()).toEqual(cases.map((c) => join(BROKEN, c.file)).sort());
  });

  it('reports a missing folder and a folder without profiles', async () => {
    const missing = await loadProfiles('no/such/folder');
    expect(missing.problems).toMatchObject([{ file: 'no/such/folder', line: 0, message: 'no such file or folder' }]);
    const emptyDir = mkdtempSync(join(tmpdir(), 'profiles-'));
    expect((await loadProfiles(emptyDir)).problems[0]?.message).toMatch(/holds no profiles/);
  });

  it('throws ProfileError whose message lists every problem as file:line:col', async () => {
    const error = await loadProfilesOrThrow([join(BROKEN, 'unknown-key.yaml'), join(BROKEN, 'voice-mismatch.yaml')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProfileError);
    const { message, problems } = error as ProfileError;
    expect(problems).toHaveLength(2);
    expect(message.split('\n')).toEqual([
      `${BROKEN}/unknown-key.yaml:3:3  unknown field \`roms\` in match  (did you mean \`rooms\`?)`,
      expect.stringMatching(/^test\/fixtures\/profiles\/broken\/voice-mismatch\.yaml:6:14  languages\.targets\[0\]\.voice: voice de-DE-KatjaNeural/),
    ]);
  });

  it('catches shape errors in several places at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
    const file = join(dir, 'many.yml');
    writeFileSync(file, 'name: Bad Name\nmatch: {}\nlanguages:\n  source: english\n  targets: []\nprofanity: mask\naudio: { sampleRate: 44100 }\n');
    const { problems } = await loadProfiles(file);
    const lines = problems.map((p) => `${p.line}:${p.column} ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    expect(lines).toEqual([
      expect.stringMatching(/^1:7 name: expected a profile name of lower-case letters/),
      expect.stringMatching(/^2:8 match: must not be empty/),
      expect.stringMatching(/^4:11 languages\.source: expected `auto` or a list of speech locales/),
      expect.stringMatching(/^5:12 languages\.targets: needs at least 1 item/),
      expect.stringMatching(/^6:12 profanity: expected one of masked, removed, raw, got "mask" \(did you mean `masked`\?\)/),
      expect.stringMatching(/^7:22 audio\.sampleRate: expected one of 16000, 24000, got number 44100/),
    ]);
  });

  it('hints at the code when a target is written as a locale or a language name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
    const file = join(dir, 'names.yaml');
    writeFileSync(file, 'name: names\nmatch: { rooms: [names] }\nlanguages:\n  targets:\n    - { language: ja-JP }\n    - { language: French }\n');
    const { problems } = await loadProfiles(file);
    expect(problems.map((p) => [p.line, p.hint])).toEqual([
      [5, 'targets are text language codes: use `ja` for ja-JP'],
      [6, 'French is `fr`'],
    ]);
  });
});

describe('good profiles', () => {
  it('loads a list of profiles with defaults and canonical spelling, keeping warnings', async () => {
    const { profiles, problems } = await loadProfiles('test/fixtures/profiles/good');
    expect(problems.map((p) => [p.severity, p.line, p.message])).toEqual([['warning', 18, expect.stringMatching(/speakers\[1\] never applies/)]]);
    const standup = findProfile(profiles, 'standup');
    expect(standup).toMatchObject({
      priority: 0,
      match: { rooms: ['standup-*'], metadata: {} },
      languages: { source: 'auto', targets: [{ language: 'es', voice: { kind: 'neural', name: 'es-ES-ElviraNeural' } }, { language: 'zh-Hant', voice: { kind: 'none' } }] },
      speakers: [],
      audio: { sampleRate: 16000 },
      captions: true,
      profanity: 'masked',
      limits: { maxSessionMinutes: 240, maxSpeakers: 10, emptyRoomTimeoutSeconds: 120 },
      onDemand: false,
      origin: { file: 'test/fixtures/profiles/good/several.yaml', line: 3 },
    });
    const vip = findProfile(profiles, 'vip-standup');
    expect(vip?.languages.source).toEqual(['en-US']);
    expect(vip?.languages.targets[0]?.voice).toEqual({ kind: 'personal', fallback: 'fr-FR-DeniseNeural' });
    expect(vip?.origin.line).toBe(9);
    expect(profiles.map((p) => p.name)).toEqual(['standup', 'vip-standup', 'webinar', 'webinar-vip']);
    expect(findProfile(profiles, 'webinar-vip')?.origin).toEqual({ file: 'test/fixtures/profiles/good/two-documents.yml', line: 6 });
  });

  it('has a synchronous loader for cdk synth that throws the same ProfileError', () => {
    expect(loadProfilesOrThrowSync('configs').map((p) => p.name)).toEqual(['all-hands', 'board-meeting', 'interview']);
    expect(() => loadProfilesOrThrowSync(join(BROKEN, 'empty.yaml'))).toThrow(ProfileError);
  });

  it('round-trips through a bundle, which is re-validated on load', async () => {
    const profiles = await loadProfilesOrThrow('configs');
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const bundle = join(dir, 'profiles.json');
    writeFileSync(bundle, writeProfileBundle(profiles));
    expect(await loadProfilesOrThrow(bundle)).toEqual(profiles);

    const tampered = JSON.parse(readFileSync(bundle, 'utf8')) as { profiles: { languages: { targets: { language: string }[] } }[] };
    (tampered.profiles[0]?.languages.targets[0] as { language: string }).language = 'xx';
    writeFileSync(bundle, JSON.stringify(tampered));
    const { problems } = await loadProfiles(bundle);
    expect(problems).toMatchObject([{ file: bundle, line: 0, path: '/profiles/0/languages/targets/0/language', message: expect.stringMatching(/"xx" is not an Azure/) }]);

    writeFileSync(bundle, JSON.stringify({ format: 'lk-interpreter-profiles', version: 99, profiles: [] }));
    expect((await loadProfiles(bundle)).problems[0]?.message).toMatch(/version 99 is not supported/);
  });
});
