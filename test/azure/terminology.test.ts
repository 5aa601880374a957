/**
 * Terminology and phrase timing: the options' checks, and what the unmodified Speech SDK puts on the
 * wire for them (the emulator keeps each connection's `speech.context` as sent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveInterpreterOptionsError, MAX_PHRASES, type LiveInterpreterOptions } from '../../src/azure/index.ts';
import { resolveOptions } from '../../src/azure/options.ts';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, concat, fixture, modelFor, pushSpeech, record, silence, until } from './harness.ts';

const base: LiveInterpreterOptions = { speechKey: 'k', speechRegion: 'westeurope', targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural' };
const CATEGORY = 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH';

describe('terminology options', () => {
  it('resolves to nothing by default, trims phrases and drops repeats', () => {
    expect(resolveOptions(base, {}).terminology).toEqual({ phrases: [], phraseWeight: undefined, translatorCategory: undefined, segmentation: undefined });
    const t = resolveOptions({ ...base, phrases: [' Contoso ', 'Rehaan', 'contoso'], phraseWeight: 2 }, {}).terminology;
    expect(t.phrases).toEqual(['Contoso', 'Rehaan']);
    expect(t.phraseWeight).toBe(2);
  });

  it('gives the Time strategy the documented 500 ms silence when none is set (the maximum needs one)', () => {
    const t = resolveOptions({ ...base, segmentation: { strategy: 'time', maxPhraseSeconds: 30 } }, {}).terminology;
    expect(t.segmentation).toEqual({ strategy: 'time', silenceMs: 500, maxPhraseMs: 30000 });
    expect(resolveOptions({ ...base, translatorCategory: 'general' }, {}).terminology.translatorCategory).toBe('general');
  });

  const tooMany = Array.from({ length: MAX_PHRASES + 1 }, (_, i) => `term ${i}`);
  const bad: Array<[string, Partial<LiveInterpreterOptions>, RegExp]> = [
    ['more phrases than Azure takes', { phrases: tooMany }, /2001 phrases: Azure takes at most 2000 in one phrase list/],
    ['an empty phrase', { phrases: ['Contoso', ' '] }, /phrases\[1\] is " ": each phrase is a non-empty word/],
    ['phrases that are no list', { phrases: 'Contoso' as unknown as string[] }, /`phrases` must be a list/],
    ['a weight above 2', { phrases: ['Contoso'], phraseWeight: 2.5 }, /phraseWeight 2.5 is outside Azure's range 0 to 2/],
    ['a negative weight', { phrases: ['Contoso'], phraseWeight: -0.1 }, /phraseWeight -0.1 is outside/],
    ['a weight without phrases', { phraseWeight: 1.5 }, /`phraseWeight` is set but there are no `phrases`/],
    ['a category that cannot be one', { translatorCategory: 'TECH' }, /translatorCategory "TECH" cannot be a Custom Translator category id.*a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH/],
    ['a category with a broken workspace id', { translatorCategory: 'a2eb72f9-43a8-46bd-82fa-TECH' }, /cannot be a Custom Translator category id/],
    ['a silence under 100 ms', { segmentation: { silenceMs: 50 } }, /segmentation.silenceMs 50 is outside Azure's range: a whole number of milliseconds from 100 to 5000/],
    ['a silence over 5000 ms', { segmentation: { silenceMs: 6000 } }, /silenceMs 6000 is outside/],
    ['a fractional silence', { segmentation: { silenceMs: 250.5 } }, /silenceMs 250.5 is outside/],
    ['a maximum under 20 s', { segmentation: { strategy: 'time', maxPhraseSeconds: 10 } }, /maxPhraseSeconds 10 is outside Azure's range of 20 to 70 seconds/],
    ['a maximum over 70 s', { segmentation: { strategy: 'time', maxPhraseSeconds: 90 } }, /maxPhraseSeconds 90 is outside/],
    ['a maximum without the Time strategy', { segmentation: { maxPhraseSeconds: 30 } }, /maxPhraseSeconds applies only with the time strategy/],
    ['the Time strategy without a maximum', { segmentation: { strategy: 'time' } }, /the time strategy needs maxPhraseSeconds/],
    ['a silence with the Semantic strategy', { segmentation: { strategy: 'semantic', silenceMs: 300 } }, /the semantic strategy takes no silenceMs or maxPhraseSeconds/],
    ['an unknown strategy', { segmentation: { strategy: 'fast' as 'time' } }, /strategy "fast" is not one of default, time, semantic/],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what} at construction`, () => {
      const options = { ...base, ...patch } as LiveInterpreterOptions;
      expect(() => resolveOptions(options, {})).toThrow(message);
      expect(() => resolveOptions(options, {})).toThrow(LiveInterpreterOptionsError);
    });
  }
});

describe('terminology on the wire (real SDK, emulator)', () => {
  let emulator: SpeechEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, keys: [TEST_KEY] });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  /** Opens a session, waits for its speech.context, translates one utterance; returns the connection. */
  async function contextOf(options: Partial<LiveInterpreterOptions>) {
    const before = emulator.connections.length;
    const session = modelFor(emulator.url, options).session();
    const rec = record(session);
    await until('the connection', () => emulator.connections.length > before && emulator.connections.at(-1)?.speechContext !== undefined);
    pushSpeech(session, concat(fixture('speech-en.wav'), silence(1500)));
    await session.finishInput();
    await session.close();
    expect(rec.errors).toEqual([]);
    return { connection: emulator.connections.at(-1)!, rec };
  }

  it('carries the phrase list as dgi with its weight, the category as translation.category, and the segmentation', async () => {
    const { connection, rec } = await contextOf({
      phrases: ['Contoso', 'Rehaan', 'Jessie'],
      phraseWeight: 1.5,
      translatorCategory: CATEGORY,
      segmentation: { silenceMs: 300 },
    });
    const context = connection.speechContext as {
      dgi?: unknown;
      translation?: { category?: string };
      phraseDetection?: { mode?: string; conversation?: { segmentation?: unknown } };
    };
    expect(context.dgi).toEqual({ groups: [{ type: 'Generic', items: [{ text: 'Contoso' }, { text: 'Rehaan' }, { text: 'Jessie' }] }], bias: 1.5 });
    expect(context.translation?.category).toBe(CATEGORY);
    expect(context.phraseDetection?.mode).toBe('Conversation');
    expect(context.phraseDetection?.conversation?.segmentation).toEqual({ mode: 'Custom', segmentationSilenceTimeoutMs: 300 });
    // The SDK also puts the silence in the URL (ConnectionFactoryBase.setCommonUrlParams).
    expect(connection.query.segmentationSilenceTimeoutMs).toBe('300');
    expect(connection).toMatchObject({ phrases: ['Contoso', 'Rehaan', 'Jessie'], phraseWeight: 1.5, translationCategory: CATEGORY, phraseSilenceMs: 300 });
    // The session works as before: the phrases only bias recognition.
    expect(rec.translations.filter((t) => t.isFinal).length).toBeGreaterThan(0);
  });

  it('sends the weight Azure defaults to (1) when only phrases are given', async () => {
    const { connection } = await contextOf({ phrases: ['Contoso'] });
    expect((connection.speechContext as { dgi?: unknown }).dgi).toEqual({ groups: [{ type: 'Generic', items: [{ text: 'Contoso' }] }], bias: 1 });
  });

  it('sends the Time strategy with its silence and maximum, and Semantic alone', async () => {
    const time = await contextOf({ segmentation: { strategy: 'time', silenceMs: 400, maxPhraseSeconds: 25 } });
    expect(time.connection.segmentation).toEqual({ mode: 'Custom', segmentationSilenceTimeoutMs: 400, segmentationForcedTimeoutMs: 25000 });
    const semantic = await contextOf({ segmentation: { strategy: 'semantic' } });
    expect(semantic.connection.segmentation).toEqual({ mode: 'Semantic' });
    expect(semantic.connection.query.segmentationSilenceTimeoutMs).toBeUndefined();
  });

  it('sends no dgi, category or segmentation when none is set', async () => {
    const { connection } = await contextOf({});
    const context = connection.speechContext as { dgi?: unknown; translation?: { category?: string }; phraseDetection?: { conversation?: unknown } };
    expect(context.dgi).toBeUndefined();
    expect(context.translation?.category).toBeUndefined();
    expect(context.phraseDetection?.conversation).toBeUndefined();
  });
});
