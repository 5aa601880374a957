import { describe, expect, it } from 'vitest';
import { defaultNeuralVoice, isSameLanguage } from '../../src/common/azure-languages.ts';
import { captionGroups, findProfile, loadProfilesOrThrow, matchRoom, planRoom, planSpeaker, sessionsOf, type Profile } from '../../src/profiles/index.ts';

const configs = await loadProfilesOrThrow('configs');
const board = findProfile(configs, 'board-meeting') as Profile;
const allHands = findProfile(configs, 'all-hands') as Profile;
const interview = findProfile(configs, 'interview') as Profile;

function profile(name: string, overrides: Partial<Profile> = {}): Profile {
  return {
    name,
    priority: 0,
    match: { rooms: [], metadata: {} },
    languages: { source: 'auto', targets: [{ language: 'fr', voice: { kind: 'neural', name: 'fr-FR-DeniseNeural' } }] },
    speakers: [],
    audio: { sampleRate: 24000 },
    captions: true,
    profanity: 'masked',
    limits: { maxSessionMinutes: 60, maxSpeakers: 4, emptyRoomTimeoutSeconds: 60 },
    onDemand: false,
    origin: { file: 'test', line: 1 },
    ...overrides,
  };
}

describe('configs/', () => {
  it('loads the three example profiles with defaults applied', () => {
    expect(configs.map((p) => p.name)).toEqual(['all-hands', 'board-meeting', 'interview']);
    expect(allHands.languages.targets).toHaveLength(8);
    expect(allHands.languages.targets.find((t) => t.language === 'fr')?.voice).toEqual({ kind: 'neural', name: 'fr-FR-DeniseNeural' });
    expect(board.languages.targets[1]).toEqual({ language: 'de', voice: { kind: 'personal', fallback: 'de-DE-KatjaNeural' } });
    expect(interview.priority).toBe(0);
    // No audio section: Azure's own 16 kHz, nothing resampled.
    expect(interview.audio.sampleRate).toBe(16000);
    expect(board.origin.file).toBe('configs/board-meeting.yaml');
  });

  it('gives board-q3 the board profile and says why', () => {
    const match = matchRoom(configs, { name: 'board-q3' });
    expect(match?.profile.name).toBe('board-meeting');
    expect(match?.reason).toContain('board-*');
    expect(matchRoom(configs, { name: 'EXEC-offsite' })?.profile.name).toBe('board-meeting');
  });

  it('requires metadata conditions, and non-JSON metadata never matches them', () => {
    expect(matchRoom(configs, { name: 'interview-42' })).toBeUndefined();
    expect(matchRoom(configs, { name: 'interview-42', metadata: '{"kind":"interview"}' })?.profile.name).toBe('interview');
    expect(matchRoom(configs, { name: 'interview-42', metadata: 'kind=interview' })).toBeUndefined();
    expect(matchRoom(configs, { name: 'interview-42', metadata: '["interview"]' })).toBeUndefined();
    expect(matchRoom(configs, { name: 'interview-42', metadata: '{"kind":"other"}' })).toBeUndefined();
  });

  it('gives an unmatched room no profile', () => {
    expect(matchRoom(configs, { name: 'random-chat' })).toBeUndefined();
  });
});

describe('matchRoom order', () => {
  it('prefers higher priority, then load order', () => {
    const low = profile('low', { match: { rooms: ['team-*'], metadata: {} } });
    const high = profile('high', { priority: 5, match: { rooms: ['team-?'], metadata: {} } });
    const later = profile('later', { match: { rooms: ['*'], metadata: {} } });
    expect(matchRoom([low, later, high], { name: 'team-a' })?.profile.name).toBe('high');
    expect(matchRoom([low, later, high], { name: 'team-ab' })?.profile.name).toBe('low');
    expect(matchRoom([later, low], { name: 'team-ab' })?.profile.name).toBe('later');
  });

  it('matches globs on the whole name and regexes with flags', () => {
    const glob = profile('glob', { match: { rooms: ['a?c'], metadata: {} } });
    const regex = profile('regex', { match: { rooms: ['/^x\\d+$/i'], metadata: {} } });
    expect(matchRoom([glob], { name: 'abc' })).toBeDefined();
    expect(matchRoom([glob], { name: 'abcd' })).toBeUndefined();
    expect(matchRoom([glob], { name: 'a.c' })).toBeDefined();
    expect(matchRoom([regex], { name: 'X12' })).toBeDefined();
    expect(matchRoom([regex], { name: 'X12y' })).toBeUndefined();
  });

  it('compares metadata values with their JSON type', () => {
    const numeric = profile('n', { match: { rooms: [], metadata: { tier: 3 } } });
    expect(matchRoom([numeric], { name: 'r', metadata: '{"tier":3}' })).toBeDefined();
    expect(matchRoom([numeric], { name: 'r', metadata: '{"tier":"3"}' })).toBeUndefined();
  });
});

describe('planSpeaker', () => {
  it('uses personal voice only for consenting speakers and skips their own language', () => {
    const ceo = planSpeaker(board, { identity: 'ceo' });
    expect(ceo.source).toEqual(['en-US']);
    expect(ceo.voiced).toEqual([
      { language: 'fr', voice: 'personal-voice' },
      { language: 'de', voice: 'personal-voice' },
    ]);
    expect(ceo.captionOnly).toEqual(['ja']);
    const guest = planSpeaker(board, { identity: 'guest', detectedLanguage: 'fr' });
    expect(guest.rule).toBeUndefined();
    expect(guest.voiced).toEqual([{ language: 'de', voice: 'de-DE-KatjaNeural' }]);
    expect(guest.source).toEqual(board.languages.source);
    const cfo = planSpeaker(board, { identity: 'cfo' });
    expect(cfo.voiced).toEqual([{ language: 'fr', voice: 'personal-voice' }]);
  });

  it('opens nothing for translate: false (glob identity)', () => {
    const interpreter = planSpeaker(board, { identity: 'interp-fr' });
    expect(interpreter).toMatchObject({ translate: false, voiced: [], captionOnly: [] });
  });

  it('with onDemand, only languages some listener chose', () => {
    expect(planSpeaker(allHands, { identity: 'ceo' }).voiced).toEqual([]);
    const plan = planSpeaker(allHands, { identity: 'ceo', detectedLanguage: 'en', listenerLanguages: ['fr-FR', 'en', 'zh-Hans'] });
    expect(plan.voiced.map((v) => v.language)).toEqual(['fr', 'zh-Hans']);
  });

  it('treats locales and Azure codes of the same language as the same', () => {
    const chinese = profile('zh', {
      languages: {
        source: 'auto',
        targets: [
          { language: 'zh-Hans', voice: { kind: 'neural', name: 'zh-CN-XiaoxiaoNeural' } },
          { language: 'zh-Hant', voice: { kind: 'none' } },
          { language: 'en', voice: { kind: 'neural', name: 'en-US-JennyNeural' } },
        ],
      },
    });
    const plan = planSpeaker(chinese, { identity: 'a', detectedLanguage: 'zh-CN' });
    expect(plan.voiced).toEqual([{ language: 'en', voice: 'en-US-JennyNeural' }]);
    expect(plan.captionOnly).toEqual(['zh-Hant']);
    expect(planSpeaker(chinese, { identity: 'b', detectedLanguage: 'en-GB' }).voiced.map((v) => v.language)).toEqual(['zh-Hans']);
    expect(isSameLanguage('pt-BR', 'pt')).toBe(true);
    expect(isSameLanguage('zh-TW', 'zh-Hans')).toBe(false);
  });

  it('leaves captions out when the profile has none', () => {
    const silent = profile('s', { captions: false, languages: { source: 'auto', targets: [{ language: 'ja', voice: { kind: 'none' } }] } });
    expect(planSpeaker(silent, { identity: 'x' }).captionOnly).toEqual([]);
  });
});

describe('planRoom', () => {
  it('counts recognizers, cost, and warns past quota and speaker limit', () => {
    const speakers = Array.from({ length: 14 }, (_, i) => ({ identity: `p${i}` }));
    const plan = planRoom(board, { speakers, quota: 20 });
    expect(plan.skippedSpeakers).toEqual(['p12', 'p13']);
    expect(plan.recognizers).toHaveLength(12 * 3);
    expect(plan.costPerHour).toBeCloseTo(12 * 3 * 2.5, 5);
    expect(plan.warnings.join('\n')).toMatch(/maxSpeakers \(12\)/);
    expect(plan.warnings.join('\n')).toMatch(/36 concurrent Azure sessions exceed the resource's quota of 20/);
    expect(planRoom(board, { speakers: [{ identity: 'ceo' }] }).warnings).toEqual([]);
  });

  it('splits caption languages into sessions of two on a Speech resource, at $2.50 an hour each', () => {
    const captions = profile('c', {
      languages: { source: 'auto', targets: ['ja', 'ko', 'it', 'nl', 'sv'].map((language) => ({ language, voice: { kind: 'none' as const } })) },
    });
    const plan = planRoom(captions, { speakers: [{ identity: 'x' }] });
    expect(plan.resource).toEqual({ kind: 'speech', tier: 'S0' });
    expect(plan.recognizers.map((r) => r.targets)).toEqual([['it', 'ja'], ['ko', 'nl'], ['sv']]);
    expect(plan.costPerHour).toBeCloseTo(3 * 2.5, 5);
    expect(captionGroups(['b', 'a', 'c'], 'speech')).toEqual([['a', 'b'], ['c']]);
    expect(captionGroups(['b', 'a', 'c'], 'foundry')).toEqual([['a', 'b', 'c']]);
    expect(sessionsOf(planSpeaker(captions, { identity: 'x' }))).toBe(3);
  });

  it("on an AI Foundry resource bills languages beyond two as Translator characters, x3 only where interim results exist", () => {
    const targets = ['ja', 'ko', 'it', 'nl'].map((language) => ({ language, voice: { kind: 'none' as const } }));
    const foundry = { kind: 'foundry' as const, tier: 'S0' as const };
    const openRange = planRoom(profile('o', { languages: { source: 'auto', targets } }), { speakers: [{ identity: 'x' }], resource: foundry });
    expect(openRange.recognizers).toHaveLength(1);
    expect(openRange.recognizers[0]?.interimResults).toBe(false);
    expect(openRange.costPerHour).toBeCloseTo(2.5 + (2 * 54_000 * 10) / 1e6, 5);
    const candidates = planRoom(profile('c', { languages: { source: ['en-US', 'de-DE'], targets } }), { speakers: [{ identity: 'x' }], resource: foundry });
    expect(candidates.recognizers[0]?.interimResults).toBe(true);
    expect(candidates.costPerHour).toBeCloseTo(2.5 + (2 * 54_000 * 10 * 3) / 1e6, 5);
  });

  it('on F0 or outside the Live Interpreter regions, consenting speakers get the fallback voice, and the plan says why', () => {
    const f0 = planRoom(board, { speakers: [{ identity: 'ceo' }], resource: { kind: 'speech', tier: 'F0' } });
    expect(f0.quota).toBe(1);
    expect(f0.speakers[0]?.voiced).toEqual([
      { language: 'fr', voice: 'fr-FR-HenriNeural' },
      { language: 'de', voice: 'de-DE-KatjaNeural' },
    ]);
    expect(f0.warnings.join('\n')).toMatch(/exceed the resource's quota of 1.*free \(F0\) resource allows one session/);
    expect(f0.warnings.join('\n')).toMatch(/voice: personal cannot work here: personal voice is not available on a free \(F0\)/);
    const north = planRoom(board, { speakers: [{ identity: 'ceo' }], resource: { kind: 'speech', tier: 'S0', region: 'northeurope' } });
    expect(north.speakers[0]?.voiced.map((v) => v.voice)).toEqual(['fr-FR-HenriNeural', 'de-DE-KatjaNeural']);
    expect(north.warnings.join('\n')).toMatch(/runs only in eastus, japaneast, southeastasia, westeurope, westus2, not northeurope/);
    const japan = planRoom(board, { speakers: [{ identity: 'ceo' }], resource: { kind: 'speech', tier: 'S0', region: 'japaneast' } });
    expect(japan.speakers[0]?.voiced.map((v) => v.voice)).toEqual(['personal-voice', 'personal-voice']);
    expect(japan.warnings.join('\n')).toMatch(/japaneast runs Live Interpreter but Azure lists no personal voice/);
    const west = planRoom(board, { speakers: [{ identity: 'ceo' }], resource: { kind: 'speech', tier: 'S0', region: 'westeurope' } });
    expect(west.warnings).toEqual([]);
  });
});

describe('azure language catalog', () => {
  it('has default voices of the language', () => {
    expect(defaultNeuralVoice('fr')).toBe('fr-FR-DeniseNeural');
    expect(defaultNeuralVoice('DE')).toBe('de-DE-KatjaNeural');
    expect(defaultNeuralVoice('zh-Hans')).toBe('zh-CN-XiaoxiaoNeural');
    expect(defaultNeuralVoice('xx')).toBeUndefined();
  });
});
