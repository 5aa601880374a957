// describeTerminology: the lines `interpreter plan` prints about what every session is sent
// (phrase list, weight, Custom Translator category, per-speaker phrases, timing).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTerminology, loadProfilesSync, type Profile } from '../../src/profiles/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-describe-terms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;

/** Loads one profile from YAML lines after name/match; fails the test on any problem. */
function profileOf(lines: string[], languages = ['languages:', '  targets: [{ language: fr }]']): Profile {
  const file = join(dir, `p${count++}.yaml`);
  writeFileSync(file, ['name: terms', 'match:', '  rooms: [board-*]', ...languages, ...lines].join('\n'));
  const { profiles, problems } = loadProfilesSync(file);
  expect(problems).toEqual([]);
  expect(profiles).toHaveLength(1);
  return profiles[0] as Profile;
}

const FIXED_SOURCE = ['languages:', '  source: [en-US]', '  targets: [{ language: fr }]'];
const DEFAULT_TIMING = "Timing: Azure's default segmentation (a phrase ends after about 500 ms of silence)";

describe('describeTerminology (interpreter plan)', () => {
  it('says only the default timing when a profile sets neither terminology nor timing', () => {
    expect(describeTerminology(profileOf([], FIXED_SOURCE))).toEqual([DEFAULT_TIMING]);
  });

  it('lists up to 8 phrases, counts the rest, and shows weight and category', () => {
    const names = Array.from({ length: 10 }, (_, i) => `P${i}`);
    const p = profileOf(['terminology:', `  phrases: [${names.join(', ')}]`, '  weight: 1.5', '  translatorCategory: a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH'], FIXED_SOURCE);
    expect(describeTerminology(p)).toEqual([
      'Terminology: 10 phrases (P0, P1, P2, P3, P4, P5, P6, P7, ... (2 more)), weight 1.5',
      '  Custom Translator category: a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH',
      DEFAULT_TIMING,
    ]);
  });

  it('shows exactly 8 phrases without a "more" count', () => {
    const names = Array.from({ length: 8 }, (_, i) => `P${i}`);
    const [first] = describeTerminology(profileOf(['terminology:', `  phrases: [${names.join(', ')}]`], FIXED_SOURCE));
    expect(first).toBe('Terminology: 8 phrases (P0, P1, P2, P3, P4, P5, P6, P7), weight 1 (Azure default)');
  });

  it('says "1 phrase" (singular) and the defaults for weight and category', () => {
    expect(describeTerminology(profileOf(['terminology:', '  phrases: [Contoso]'], FIXED_SOURCE))).toEqual([
      'Terminology: 1 phrase (Contoso), weight 1 (Azure default)',
      "  Custom Translator category: none (Microsoft's general model)",
      DEFAULT_TIMING,
    ]);
  });

  it('describes speaker phrases when the profile has no terminology of its own', () => {
    const p = profileOf(['speakers:', '  - identity: ceo', '    phrases: [Rehaan Khan, Northwind]', '  - identity: guest'], FIXED_SOURCE);
    expect(describeTerminology(p)).toEqual([
      'Terminology: 0 phrases, weight 1 (Azure default)',
      '  speaker "ceo" adds Rehaan Khan, Northwind',
      "  Custom Translator category: none (Microsoft's general model)",
      DEFAULT_TIMING,
    ]);
  });

  it('notes that open-range (auto) source languages may ignore phrase lists', () => {
    const lines = describeTerminology(profileOf(['terminology:', '  phrases: [Contoso]']));
    expect(lines).toContain("  note: Microsoft's docs say nothing of phrase lists or categories in open-range (multilingual) translation; they are sent anyway (docs/profiles.md)");
    expect(describeTerminology(profileOf(['terminology:', '  phrases: [Contoso]'], FIXED_SOURCE)).some((l) => l.includes('note:'))).toBe(false);
  });

  it('describes the time strategy with its silence and maximum phrase length', () => {
    const p = profileOf(['timing:', '  segmentation: time', '  silenceMs: 300', '  maxPhraseSeconds: 30'], FIXED_SOURCE);
    expect(describeTerminology(p)).toEqual(['Timing: segmentation time, a phrase ends after 300 ms of silence, at most 30 s per phrase']);
  });

  it("gives the time strategy's typical 500 ms silence when silenceMs is not set", () => {
    const p = profileOf(['timing:', '  segmentation: time', '  maxPhraseSeconds: 40'], FIXED_SOURCE);
    expect(describeTerminology(p)).toEqual(["Timing: segmentation time, a phrase ends after 500 ms of silence (Azure's typical default), at most 40 s per phrase"]);
  });

  it('names a non-time strategy alone, and a silence without a strategy as the default one', () => {
    expect(describeTerminology(profileOf(['timing:', '  segmentation: semantic'], FIXED_SOURCE))).toEqual(['Timing: segmentation semantic']);
    expect(describeTerminology(profileOf(['timing:', '  silenceMs: 800'], FIXED_SOURCE))).toEqual(['Timing: segmentation default, a phrase ends after 800 ms of silence']);
  });
});
