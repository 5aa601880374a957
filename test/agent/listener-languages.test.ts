/**
 * The languages listeners chose, kept one participant at a time: what joins, changes and
 * departures do to the planned languages, and how a language whose last listener left lingers
 * for `lingerMs` before it goes (one timer for all of them).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ListenerLanguages } from '../../src/agent/listener-languages.ts';
import type { ParticipantInfo } from '../../src/agent/room-io.ts';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const person = (identity: string, language?: string, isAgent = false): ParticipantInfo => ({ identity, attributes: language === undefined ? {} : { language }, isAgent });

function tracked(lingerMs: number) {
  let changes = 0;
  const languages = new ListenerLanguages(lingerMs, () => changes++);
  return { languages, changes: () => changes };
}

describe('ListenerLanguages without lingering', () => {
  it("a listener's language is planned from their join; a second listener of it changes nothing", () => {
    const { languages } = tracked(0);
    expect(languages.languages()).toEqual([]);
    expect(languages.update(person('carol', 'fr'))).toBe(true);
    expect(languages.languages()).toEqual(['fr']);
    expect(languages.listeners('fr')).toBe(1);
    expect(languages.update(person('dave', 'fr'))).toBe(false);
    expect(languages.listeners('fr')).toBe(2);
    expect(languages.update(person('erin', 'de'))).toBe(true);
    expect(languages.languages()).toEqual(['fr', 'de']);
    expect(languages.listeners('es')).toBe(0);
  });

  it('an update that keeps the language is no change', () => {
    const { languages } = tracked(0);
    languages.update(person('carol', 'fr'));
    expect(languages.update(person('carol', 'fr'))).toBe(false);
    expect(languages.update(person('carol', ' fr '))).toBe(false);
    expect(languages.listeners('fr')).toBe(1);
  });

  it('ignores agents, participants without the attribute, and a blank one', () => {
    const { languages } = tracked(0);
    expect(languages.update(person('recorder', 'fr', true))).toBe(false);
    expect(languages.update(person('speaker'))).toBe(false);
    expect(languages.update(person('blank', '   '))).toBe(false);
    expect(languages.languages()).toEqual([]);
    expect(languages.remove('nobody')).toBe(false);
  });

  it('takes the language trimmed', () => {
    const { languages } = tracked(0);
    languages.update(person('carol', '  fr-FR '));
    expect(languages.languages()).toEqual(['fr-FR']);
  });

  it("a language goes with its last listener, not before; a listener becoming an agent or clearing theirs leaves it", () => {
    const { languages, changes } = tracked(0);
    languages.update(person('carol', 'fr'));
    languages.update(person('dave', 'fr'));
    expect(languages.remove('carol')).toBe(false);
    expect(languages.listeners('fr')).toBe(1);
    expect(languages.languages()).toEqual(['fr']);
    expect(languages.update(person('dave', 'fr', true))).toBe(true);
    expect(languages.listeners('fr')).toBe(0);
    expect(languages.languages()).toEqual([]);
    languages.update(person('erin', 'de'));
    expect(languages.update(person('erin', ''))).toBe(true);
    expect(languages.languages()).toEqual([]);
    // Without lingering there is nothing to call back about later.
    expect(vi.getTimerCount()).toBe(0);
    expect(changes()).toBe(0);
  });

  it('a switch of language is a change: the new one is planned and the old one goes', () => {
    const { languages } = tracked(0);
    languages.update(person('carol', 'fr'));
    expect(languages.update(person('carol', 'de'))).toBe(true);
    expect(languages.languages()).toEqual(['de']);
    expect(languages.listeners('fr')).toBe(0);
    expect(languages.listeners('de')).toBe(1);
  });

  it('answers the same list until the languages change (no rebuild per question)', () => {
    const { languages } = tracked(0);
    languages.update(person('carol', 'fr'));
    const first = languages.languages();
    languages.update(person('dave', 'fr'));
    expect(languages.languages()).toBe(first);
    languages.update(person('erin', 'de'));
    expect(languages.languages()).not.toBe(first);
    expect(languages.languages()).toEqual(['fr', 'de']);
  });
});

describe('ListenerLanguages with lingering', () => {
  it('keeps a language for lingerMs after its last listener left, then drops it and says so', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    const before = languages.languages();
    expect(languages.remove('carol')).toBe(false);
    expect(languages.languages()).toBe(before);
    expect(languages.languages()).toEqual(['fr']);
    expect(languages.listeners('fr')).toBe(0);
    await vi.advanceTimersByTimeAsync(999);
    expect(changes()).toBe(0);
    expect(languages.languages()).toEqual(['fr']);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes()).toBe(1);
    expect(languages.languages()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a language chosen again while it lingers is no change, and stays when the linger would have ended', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    languages.remove('carol');
    await vi.advanceTimersByTimeAsync(500);
    expect(languages.update(person('erin', 'fr'))).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(changes()).toBe(0);
    expect(languages.languages()).toEqual(['fr']);
    expect(languages.listeners('fr')).toBe(1);
  });

  it('a listener flipping between two languages keeps both planned', () => {
    const { languages } = tracked(1000);
    expect(languages.update(person('flipper', 'fr'))).toBe(true);
    expect(languages.update(person('flipper', 'de'))).toBe(true);
    expect(languages.update(person('flipper', 'fr'))).toBe(false);
    expect(languages.update(person('flipper', 'de'))).toBe(false);
    expect([...languages.languages()].sort()).toEqual(['de', 'fr']);
  });

  it('one timer for the first to stop lingering, then the next: each language goes at its own time', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    languages.update(person('dave', 'de'));
    languages.remove('carol');
    await vi.advanceTimersByTimeAsync(400);
    languages.remove('dave');
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(changes()).toBe(1);
    expect(languages.languages()).toEqual(['de']);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(399);
    expect(changes()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes()).toBe(2);
    expect(languages.languages()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops together the languages whose lingers end at once, with one call', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    languages.update(person('dave', 'de'));
    languages.remove('carol');
    languages.remove('dave');
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes()).toBe(1);
    expect(languages.languages()).toEqual([]);
  });

  it('a timer that finds nothing expired (the language was chosen again) says nothing', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    languages.remove('carol');
    languages.update(person('carol', 'fr'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stop cancels the timer: nothing is called back afterwards', async () => {
    const { languages, changes } = tracked(1000);
    languages.update(person('carol', 'fr'));
    languages.update(person('dave', 'de'));
    languages.remove('carol');
    await vi.advanceTimersByTimeAsync(100);
    languages.remove('dave');
    languages.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(changes()).toBe(0);
    expect(() => languages.stop()).not.toThrow();
  });
});
