/** The browser app's logic that needs no browser: what to subscribe to and how loud, captions, and the names it shares with the agent. */
import { describe, expect, it } from 'vitest';
import { captionLanguage, languageOfTrack } from '../../src/common/listener-protocol.ts';
import { CaptionStore } from '../../web/src/captions.ts';
import { roleOf, volumeFor, type PublicationFacts } from '../../web/src/subscriptions.ts';

const track = (facts: Partial<PublicationFacts>): PublicationFacts => ({ participantIdentity: 'ana', participantIsAgent: false, trackName: 'microphone', kind: 'audio', source: 'microphone', ...facts });
const agentTrack = (name: string) => track({ participantIdentity: 'interpreter', participantIsAgent: true, trackName: name, source: 'unknown' });

describe('roleOf', () => {
  it('takes the chosen interpretation and every microphone, nothing else', () => {
    expect(roleOf(agentTrack('interpretation-fr'), 'fr')).toBe('interpretation');
    expect(roleOf(agentTrack('interpretation-de'), 'fr')).toBeUndefined();
    expect(roleOf(agentTrack('interpretation-fr'), '')).toBeUndefined();
    expect(roleOf(track({}), 'fr')).toBe('floor');
    expect(roleOf(track({ source: 'screen_share_audio' }), 'fr')).toBeUndefined();
    expect(roleOf(track({ kind: 'video', source: 'camera' }), 'fr')).toBeUndefined();
    // Another agent's microphone-like track is not a speaker.
    expect(roleOf(track({ participantIsAgent: true }), 'fr')).toBeUndefined();
  });

  it('plays the floor at its own volume under an interpretation and at full volume alone', () => {
    const volumes = { interpretation: 0.8, floor: 0.15 };
    expect(volumeFor('interpretation', volumes, 'fr')).toBe(0.8);
    expect(volumeFor('floor', volumes, 'fr')).toBe(0.15);
    expect(volumeFor('floor', volumes, '')).toBe(1);
  });
});

describe('CaptionStore', () => {
  it('replaces interims, keeps a segment in place, and drops an interim that lands after its final', () => {
    const store = new CaptionStore();
    store.update('u1-fr', 'klaus', 'Bonjour', false);
    store.update('u2-fr', 'ana', 'Oui', false);
    store.update('u1-fr', 'klaus', 'Bonjour à tous.', true);
    expect(store.update('u1-fr', 'klaus', 'Bonjour à', false)).toBeUndefined();
    expect(store.lines().map((l) => [l.segmentId, l.text, l.final])).toEqual([
      ['u1-fr', 'Bonjour à tous.', true],
      ['u2-fr', 'Oui', false],
    ]);
  });

  it('forgets the oldest lines past its limit', () => {
    const store = new CaptionStore(2);
    for (const id of ['a', 'b', 'c']) store.update(id, 'x', id, true);
    expect(store.lines().map((l) => l.segmentId)).toEqual(['b', 'c']);
  });
});

describe('listener-protocol', () => {
  it('reads a caption language and a track language from its name', () => {
    expect(captionLanguage({ language: 'fr' })).toBe('fr');
    expect(captionLanguage({ 'lk.translated_language': 'de' })).toBeUndefined();
    expect(captionLanguage({})).toBeUndefined();
    expect(languageOfTrack('interpretation-zh-Hans')).toBe('zh-Hans');
    expect(languageOfTrack('interpretation-')).toBeUndefined();
    expect(languageOfTrack('microphone')).toBeUndefined();
  });
});
