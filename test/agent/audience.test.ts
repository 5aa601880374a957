/**
 * Who chose each target language: a listener's choice mapped to the profile's targets, kept one
 * participant at a time, and whom each language's captions go to (nobody, a list, everyone).
 */
import { describe, expect, it } from 'vitest';
import { LanguageAudience, MAX_CAPTION_DESTINATIONS } from '../../src/agent/audience.ts';
import type { ParticipantInfo } from '../../src/agent/room-io.ts';
import { agentProfile, neuralTarget } from './profiles.ts';

const profile = agentProfile({ targets: [neuralTarget('fr'), neuralTarget('pt-BR'), neuralTarget('pt-PT'), neuralTarget('de')] });
const person = (identity: string, language?: string, isAgent = false): ParticipantInfo => ({ identity, attributes: language === undefined ? {} : { language }, isAgent });

describe('LanguageAudience: listeners and their languages', () => {
  it("maps a listener's choice to the profile's targets: fr-FR hears fr, pt both Portuguese targets, a language it lacks none", () => {
    const audience = new LanguageAudience(profile);
    expect(audience.update(person('carol', 'fr-FR'))).toBe(true);
    expect(audience.update(person('paulo', 'pt'))).toBe(true);
    expect(audience.update(person('jo', 'ja'))).toBe(true);
    expect(audience.languagesOf('carol')).toEqual(['fr']);
    expect(audience.languagesOf('paulo')).toEqual(['pt-BR', 'pt-PT']);
    // A listener of a language the room does not have is still a listener.
    expect(audience.languagesOf('jo')).toEqual([]);
    expect([...audience.listeners()]).toEqual(['carol', 'paulo', 'jo']);
  });

  it('is no listener: an agent, a participant without the attribute, a blank one; the choice is trimmed', () => {
    const audience = new LanguageAudience(profile);
    expect(audience.update(person('recorder', 'fr', true))).toBe(false);
    expect(audience.update(person('speaker'))).toBe(false);
    expect(audience.update(person('blank', '  '))).toBe(false);
    expect(audience.languagesOf('recorder')).toBeUndefined();
    expect([...audience.listeners()]).toEqual([]);
    audience.update(person('carol', ' fr '));
    expect(audience.languagesOf('carol')).toEqual(['fr']);
  });

  it('an update to the same targets is no change, also through another choice naming them', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('carol', 'fr'));
    expect(audience.update(person('carol', 'fr'))).toBe(false);
    expect(audience.update(person('carol', 'fr-FR'))).toBe(false);
    expect(audience.update(person('carol', 'FR'))).toBe(false);
  });

  it('a change to other targets is a change: another language, more, fewer, or none', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('p', 'pt-BR'));
    expect(audience.update(person('p', 'pt'))).toBe(true);
    expect(audience.languagesOf('p')).toEqual(['pt-BR', 'pt-PT']);
    expect(audience.update(person('p', 'pt-BR'))).toBe(true);
    expect(audience.update(person('p', 'pt-PT'))).toBe(true);
    expect(audience.languagesOf('p')).toEqual(['pt-PT']);
    expect(audience.update(person('p', 'fr'))).toBe(true);
    expect(audience.update(person('p', 'ja'))).toBe(true);
    expect(audience.languagesOf('p')).toEqual([]);
    expect(audience.update(person('p', 'ja-JP'))).toBe(false);
  });

  it('remove: true for a listener, who is then gone; false for anyone else', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('carol', 'fr'));
    audience.update(person('speaker'));
    expect(audience.remove('speaker')).toBe(false);
    expect(audience.remove('carol')).toBe(true);
    expect(audience.languagesOf('carol')).toBeUndefined();
    expect([...audience.listeners()]).toEqual([]);
    expect(audience.remove('carol')).toBe(false);
  });

  it('a listener who clears their language, or turns out to be an agent, is no listener any more', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('carol', 'fr'));
    expect(audience.update(person('carol'))).toBe(true);
    expect(audience.languagesOf('carol')).toBeUndefined();
    audience.update(person('dave', 'de'));
    expect(audience.update(person('dave', 'de', true))).toBe(true);
    expect(audience.captionDestinations('de')).toBe('nobody');
  });

  it('remembers at most 256 distinct choices with their targets (a client may set anything)', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('first', 'fr'));
    const remembered = audience.languagesOf('first');
    for (let i = 0; i < 255; i++) audience.update(person(`x${i}`, `x-${i}`));
    audience.update(person('second', 'fr'));
    // 256 choices remembered: fr's targets are the ones worked out before.
    expect(audience.languagesOf('second')).toBe(remembered);
    audience.update(person('overflow', 'x-256'));
    audience.update(person('third', 'fr'));
    expect(audience.languagesOf('third')).not.toBe(remembered);
    expect(audience.languagesOf('third')).toEqual(['fr']);
  });
});

describe('LanguageAudience.captionDestinations', () => {
  it('nobody for a language no listener chose, or whose listeners all went', () => {
    const audience = new LanguageAudience(profile);
    expect(audience.captionDestinations('fr')).toBe('nobody');
    audience.update(person('carol', 'fr'));
    audience.remove('carol');
    expect(audience.captionDestinations('fr')).toBe('nobody');
  });

  it("exactly the language's listeners, kept up to date with joins, changes and departures", () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('carol', 'fr'));
    audience.update(person('paulo', 'pt'));
    audience.update(person('dave', 'de'));
    expect(audience.captionDestinations('fr')).toEqual(['carol']);
    expect(audience.captionDestinations('pt-BR')).toEqual(['paulo']);
    expect(audience.captionDestinations('pt-PT')).toEqual(['paulo']);
    audience.update(person('erin', 'fr'));
    expect(audience.captionDestinations('fr')).toEqual(['carol', 'erin']);
    audience.update(person('paulo', 'pt-PT'));
    expect(audience.captionDestinations('pt-BR')).toBe('nobody');
    expect(audience.captionDestinations('pt-PT')).toEqual(['paulo']);
    audience.remove('carol');
    expect(audience.captionDestinations('fr')).toEqual(['erin']);
    expect(audience.captionDestinations('de')).toEqual(['dave']);
  });

  it('answers the same list until the language changes (no rebuild per caption)', () => {
    const audience = new LanguageAudience(profile);
    audience.update(person('carol', 'fr'));
    audience.update(person('dave', 'de'));
    const list = audience.captionDestinations('fr');
    audience.update(person('erin', 'de'));
    expect(audience.captionDestinations('fr')).toBe(list);
  });

  it('everyone above maxDestinations listeners, the list up to it', () => {
    const audience = new LanguageAudience(profile, 2);
    audience.update(person('a', 'fr'));
    audience.update(person('b', 'fr'));
    expect(audience.captionDestinations('fr')).toEqual(['a', 'b']);
    audience.update(person('c', 'fr'));
    expect(audience.captionDestinations('fr')).toBe('everyone');
    audience.remove('a');
    expect(audience.captionDestinations('fr')).toEqual(['b', 'c']);
  });

  it('by default lists up to 32 listeners, above that sends to everyone', () => {
    expect(MAX_CAPTION_DESTINATIONS).toBe(32);
    const audience = new LanguageAudience(profile);
    for (let i = 0; i < 32; i++) audience.update(person(`l${i}`, 'fr'));
    expect(audience.captionDestinations('fr')).toHaveLength(32);
    audience.update(person('l32', 'fr'));
    expect(audience.captionDestinations('fr')).toBe('everyone');
  });
});
