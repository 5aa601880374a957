// normalizeProfile: the defaults and canonical spellings a checked profile gets, with no key set
// to undefined; toRawProfile: the YAML shape a bundle stores, which must load back the same.
import { describe, expect, it } from 'vitest';
import { PROFILE_DEFAULTS, type Profile } from '../../src/profiles/index.ts';
import { normalizeProfile, toRawProfile } from '../../src/profiles/normalize.ts';
import type { RawProfile } from '../../src/profiles/raw.ts';

const origin = { file: 'configs/p.yaml', line: 1 };
const minimal: RawProfile = { name: 'p', match: { metadata: { dept: 'legal' } }, languages: { targets: [{ language: 'fr' }] } } as RawProfile;

const DEFAULTED: Profile = {
  name: 'p',
  priority: 0,
  match: { rooms: [], metadata: { dept: 'legal' } },
  languages: { source: 'auto', targets: [{ language: 'fr', voice: { kind: 'neural', name: 'fr-FR-DeniseNeural' } }] },
  speakers: [],
  audio: { sampleRate: 16000 },
  captions: true,
  profanity: 'masked',
  limits: { maxSessionMinutes: 240, maxSpeakers: 10, emptyRoomTimeoutSeconds: 120, replanDebounceMs: 250, languageLingerSeconds: 30, sessionOpensPerMinute: 120 },
  onDemand: false,
  speechGate: { ...PROFILE_DEFAULTS.speechGate },
  listeners: { ...PROFILE_DEFAULTS.listeners },
  origin,
} as Profile;

describe('normalizeProfile', () => {
  it('fills every default and sets no optional key', () => {
    expect(normalizeProfile(minimal, origin)).toStrictEqual(DEFAULTED);
  });

  it('keeps what the profile sets, in canonical spelling', () => {
    const raw = {
      name: 'full',
      description: 'Board',
      priority: 3,
      match: { rooms: ['board-*'] },
      languages: { source: ['en-us'], targets: [{ language: 'FR', voice: 'none' }, { language: 'de', voice: 'personal' }, { language: 'ht', voice: 'personal', fallbackVoice: 'fr-FR-HenriNeural' }] },
      speakers: [
        { identity: 'ceo', language: 'de-de', personalVoice: true, phrases: ['  Rehaan Khan '] },
        { identity: 'interp-*', translate: false },
      ],
      limits: { replanDebounceMs: 100, languageLingerSeconds: 5, sessionOpensPerMinute: 7 },
      speechGate: { enabled: true },
      listeners: { captions: 'chosen-language' },
      terminology: { phrases: ['Contoso'] },
      timing: { silenceMs: 300 },
    } as RawProfile;
    const profile = normalizeProfile(raw, origin);
    expect(profile.description).toBe('Board');
    expect(profile.match).toStrictEqual({ rooms: ['board-*'], metadata: {} });
    expect(profile.languages.source).toEqual(['en-US']);
    expect(profile.languages.targets).toStrictEqual([
      { language: 'fr', voice: { kind: 'none' } },
      { language: 'de', voice: { kind: 'personal', fallback: expect.stringMatching(/^de-DE-\w+Neural$/) } },
      { language: 'ht', voice: { kind: 'personal', fallback: 'fr-FR-HenriNeural' } },
    ]);
    expect(profile.speakers).toStrictEqual([
      { identity: 'ceo', personalVoice: true, translate: true, language: 'de-DE', phrases: ['Rehaan Khan'] },
      { identity: 'interp-*', personalVoice: false, translate: false },
    ]);
    expect(profile.limits).toStrictEqual({ maxSessionMinutes: 240, maxSpeakers: 10, emptyRoomTimeoutSeconds: 120, replanDebounceMs: 100, languageLingerSeconds: 5, sessionOpensPerMinute: 7 });
    expect(profile.speechGate).toStrictEqual({ ...PROFILE_DEFAULTS.speechGate, enabled: true });
    expect(profile.listeners).toStrictEqual({ audio: 'all', captions: 'chosen-language' });
    expect(profile.terminology).toStrictEqual({ phrases: ['Contoso'] });
    expect(profile.timing).toStrictEqual({ segmentation: 'default', silenceMs: 300 });
  });

  it('keeps a language code it does not know, and gives personal voice no fallback where Azure has none', () => {
    const raw = { ...minimal, languages: { targets: [{ language: 'zz' }, { language: 'ht', voice: 'personal' }] } } as RawProfile;
    expect(normalizeProfile(raw, origin).languages.targets).toStrictEqual([
      { language: 'zz', voice: { kind: 'neural', name: '' } },
      { language: 'ht', voice: { kind: 'personal', fallback: '' } },
    ]);
  });
});

describe('toRawProfile', () => {
  it('writes a defaulted profile back without keys it does not have', () => {
    expect(toRawProfile(DEFAULTED)).toStrictEqual({
      name: 'p',
      priority: 0,
      match: { metadata: { dept: 'legal' } },
      languages: { source: 'auto', targets: [{ language: 'fr', voice: 'fr-FR-DeniseNeural' }] },
      speakers: [],
      audio: { sampleRate: 16000 },
      captions: true,
      profanity: 'masked',
      limits: DEFAULTED.limits,
      onDemand: false,
      speechGate: DEFAULTED.speechGate,
      listeners: DEFAULTED.listeners,
    });
  });

  it('leaves out speech gate and listener settings a stored profile lacks', () => {
    const { speechGate: _gate, listeners: _listeners, ...older } = DEFAULTED;
    const raw = toRawProfile({ ...older, match: { rooms: ['a-*'], metadata: {} }, description: 'old' } as Profile);
    expect(Object.keys(raw)).not.toContain('speechGate');
    expect(Object.keys(raw)).not.toContain('listeners');
    expect(raw.match).toStrictEqual({ rooms: ['a-*'] });
    expect(raw.description).toBe('old');
  });

  it('loads back to the same profile', () => {
    const raw = {
      name: 'full',
      description: 'Board',
      match: { rooms: ['board-*'], metadata: { dept: 'legal' } },
      languages: { source: ['en-US'], targets: [{ language: 'fr', voice: 'none' }, { language: 'de', voice: 'personal', fallbackVoice: 'de-DE-KatjaNeural' }] },
      speakers: [{ identity: 'ceo', personalVoice: true }],
      speechGate: { enabled: true },
      terminology: { phrases: ['Contoso'], weight: 1.5 },
      timing: { segmentation: 'time', maxPhraseSeconds: 30 },
    } as RawProfile;
    const profile = normalizeProfile(raw, origin);
    expect(normalizeProfile(toRawProfile(profile), origin)).toStrictEqual(profile);
  });
});
