// planRoom / planSpeaker details that `interpreter plan` shows: the warnings and their remedies,
// the recognizer each voiced language gets, which speaker rule applies, and the languages a
// listener's choice selects.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSpeakerRule, loadProfilesSync, personalVoiceWarnings, planRoom, planSpeaker, targetsChosenBy, type Profile } from '../../src/profiles/index.ts';
import { normalizeProfile } from '../../src/profiles/normalize.ts';
import type { RawProfile } from '../../src/profiles/raw.ts';

const dir = mkdtempSync(join(tmpdir(), 'lk-plan-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let count = 0;
function profileOf(...lines: string[]): Profile {
  const file = join(dir, `p${count++}.yaml`);
  writeFileSync(file, ['name: p', 'match:', '  rooms: [p-*]', ...lines].join('\n'));
  const { profiles, problems } = loadProfilesSync(file);
  expect(problems).toEqual([]);
  return profiles[0] as Profile;
}

const personal = profileOf(
  'languages:',
  '  source: [en-US]',
  '  targets:',
  '    - { language: fr, voice: personal, fallbackVoice: fr-FR-HenriNeural }',
  '    - { language: de, voice: personal }',
  '    - { language: es, voice: es-ES-ElviraNeural }',
  'speakers:',
  '  - { identity: ceo, personalVoice: true }',
  '  - { identity: "guest-*", language: de-DE }',
  "  - { identity: '/^vip\\d$/' }",
);
const USABLE = 'eastus, southeastasia, westeurope, westus2';

describe('personalVoiceWarnings', () => {
  it('lists the fallback voice of each personal target where personal voice cannot work', () => {
    const [warning] = personalVoiceWarnings(personal, { kind: 'speech', tier: 'F0' });
    expect(warning).toMatch(/^voice: personal cannot work here: personal voice is not available on a free \(F0\) Speech resource .*\. Consenting speakers get the fallback voices \(fr -> fr-FR-HenriNeural, de -> de-DE-\w+Neural\)$/);
  });

  it('names the personal targets where the region lists no personal voice', () => {
    expect(personalVoiceWarnings(personal, { kind: 'speech', tier: 'S0', region: 'japaneast' })).toEqual([
      `voice: personal (fr, de): japaneast runs Live Interpreter but Azure lists no personal voice there: synthesis in the speaker's voice will likely fail; prefer ${USABLE}`,
    ]);
  });

  it('says nothing where personal voice works, or for a profile without it', () => {
    expect(personalVoiceWarnings(personal, { kind: 'speech', tier: 'S0', region: 'westeurope' })).toEqual([]);
    const neural = profileOf('languages:', '  targets: [{ language: fr }]');
    expect(personalVoiceWarnings(neural, { kind: 'speech', tier: 'F0' })).toEqual([]);
  });
});

describe('planRoom warnings', () => {
  const speakers = (n: number) => Array.from({ length: n }, (_, i) => ({ identity: `p${i}` }));

  it('warns past the quota with the remedy for the tier, and not at the quota', () => {
    // 3 targets: 3 recognizers a speaker.
    expect(planRoom(personal, { speakers: speakers(2), quota: 6 }).warnings).toEqual([]);
    expect(planRoom(personal, { speakers: speakers(2), quota: 5 }).warnings).toEqual([
      "6 concurrent Azure sessions exceed the resource's quota of 5: sessions past it would be refused; ask Azure for a higher limit, lower limits.maxSpeakers, or use onDemand / captions-only languages",
    ]);
    const free = planRoom(personal, { speakers: speakers(1), resource: { kind: 'speech', tier: 'F0', region: 'westeurope' } });
    expect(free.warnings[0]).toBe("3 concurrent Azure sessions exceed the resource's quota of 1: sessions past it would be refused; a free (F0) resource allows one session and Azure does not raise it: use an S0 resource");
  });

  it('names the speakers past limits.maxSpeakers', () => {
    const small = profileOf('languages:', '  targets: [{ language: fr }]', 'limits: { maxSpeakers: 1 }');
    expect(planRoom(small, { speakers: speakers(3) }).warnings).toEqual(['3 speakers exceed limits.maxSpeakers (1): 2 would not be interpreted (p1, p2)']);
  });

  it('warns about a target language missing from the Azure list', () => {
    const raw = { name: 'old', match: { rooms: ['o-*'] }, languages: { targets: [{ language: 'zz', voice: 'zz-ZZ-TestNeural' }, { language: 'fr' }] } } as RawProfile;
    expect(planRoom(normalizeProfile(raw, { file: 'b.json', line: 0 }), { speakers: [{ identity: 'x' }] }).warnings).toEqual(['target zz is not in the Azure language list']);
  });

  it('gives each voiced language its own recognizer with that language as target', () => {
    const plan = planRoom(personal, { speakers: [{ identity: 'ceo' }] });
    expect(plan.recognizers.map((r) => [r.targets, r.spoken])).toEqual([
      [['fr'], { language: 'fr', voice: 'personal-voice' }],
      [['de'], { language: 'de', voice: 'personal-voice' }],
      [['es'], { language: 'es', voice: 'es-ES-ElviraNeural' }],
    ]);
  });
});

describe('speaker rules', () => {
  it('applies an exact identity or a glob; a /regex/ identity is only an exact name', () => {
    expect(findSpeakerRule(personal, 'ceo')?.identity).toBe('ceo');
    expect(findSpeakerRule(personal, 'guest-42')?.identity).toBe('guest-*');
    expect(findSpeakerRule(personal, 'vip1')).toBeUndefined();
    expect(findSpeakerRule(personal, 'ceo2')).toBeUndefined();
  });

  it("records the rule a speaker's plan came from, and none for a speaker without one", () => {
    expect(planSpeaker(personal, { identity: 'guest-1' }).rule).toEqual({ identity: 'guest-*', language: 'de-DE', personalVoice: false, translate: true });
    expect(Object.keys(planSpeaker(personal, { identity: 'someone' }))).not.toContain('rule');
  });
});

describe('targetsChosenBy', () => {
  const regional = profileOf('languages:', '  targets: [{ language: pt }, { language: pt-PT }, { language: fr }]');

  it('gives the exact target for a regional choice that is a target, else the same language', () => {
    expect(targetsChosenBy(regional, 'pt-PT')).toEqual(['pt-PT']);
    expect(targetsChosenBy(regional, 'PT-pt')).toEqual(['pt-PT']);
    expect(targetsChosenBy(regional, 'pt')).toEqual(['pt']);
    expect(targetsChosenBy(regional, 'fr-CA')).toEqual(['fr']);
  });
});
