/**
 * Terminology without a connection: resolveTerminology's checks and results, and what
 * applyToConfig / applyToRecognizer hand the Speech SDK (read back from the SDK's own objects; no
 * recognizer is started). What the SDK then sends is terminology.test.ts's job, against the emulator.
 */
import { AudioConfig, AudioInputStream, PropertyId, SpeechTranslationConfig, TranslationRecognizer } from 'microsoft-cognitiveservices-speech-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_PHRASES,
  applyToConfig,
  applyToRecognizer,
  resolveTerminology,
  type ResolvedTerminology,
  type TerminologyInput,
} from '../../src/azure/terminology.ts';

class Refused extends Error {}
const fail = (message: string): never => {
  throw new Refused(message);
};
const CATEGORY = 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH';
const none: ResolvedTerminology = { phrases: [], phraseWeight: undefined, translatorCategory: undefined, segmentation: undefined };

/** The message `resolveTerminology` fails with, or undefined when it accepts the input. */
function refusal(input: TerminologyInput): string | undefined {
  try {
    resolveTerminology(input, fail);
    return undefined;
  } catch (error) {
    if (error instanceof Refused) return error.message;
    throw error;
  }
}

describe('resolveTerminology', () => {
  it('resolves nothing to nothing', () => {
    expect(resolveTerminology({}, fail)).toEqual(none);
  });

  it('trims phrases and drops case-insensitive repeats, keeping the first spelling', () => {
    expect(resolveTerminology({ phrases: [' Contoso ', 'Rehaan', 'contoso', 'REHAAN'] }, fail).phrases).toEqual(['Contoso', 'Rehaan']);
    expect(resolveTerminology({ phrases: [] }, fail)).toEqual(none);
  });

  it('names the first phrase that is empty or not text, by index', () => {
    expect(refusal({ phrases: ['a', '', 'b'] })).toBe('phrases[1] is "": each phrase is a non-empty word or phrase');
    expect(refusal({ phrases: ['a', 'b', '  \t'] })).toBe('phrases[2] is "  \\t": each phrase is a non-empty word or phrase');
    expect(refusal({ phrases: [7 as unknown as string] })).toBe('phrases[0] is 7: each phrase is a non-empty word or phrase');
    expect(refusal({ phrases: 'Contoso' as unknown as string[] })).toBe('`phrases` must be a list of words or phrases, e.g. ["Contoso", "Rehaan"]');
  });

  it('takes exactly MAX_PHRASES distinct phrases and refuses one more (repeats do not count)', () => {
    const max = Array.from({ length: MAX_PHRASES }, (_, i) => `term ${i}`);
    expect(MAX_PHRASES).toBe(2000);
    expect(resolveTerminology({ phrases: [...max, 'TERM 0'] }, fail).phrases).toHaveLength(MAX_PHRASES);
    expect(refusal({ phrases: [...max, 'one more'] })).toBe(
      '2001 phrases: Azure takes at most 2000 in one phrase list (improve-accuracy-phrase-list); for more, train a Custom Speech model',
    );
  });

  it('takes a weight from 0 to 2 inclusive with phrases, and refuses any other', () => {
    for (const weight of [0, 1, 1.5, 2]) expect(resolveTerminology({ phrases: ['x'], phraseWeight: weight }, fail).phraseWeight).toBe(weight);
    const message = (w: string) => `phraseWeight ${w} is outside Azure's range 0 to 2 (0 disables the list, 1 is the default, 2 the strongest)`;
    expect(refusal({ phrases: ['x'], phraseWeight: 2.0001 })).toBe(message('2.0001'));
    expect(refusal({ phrases: ['x'], phraseWeight: -0.0001 })).toBe(message('-0.0001'));
    expect(refusal({ phrases: ['x'], phraseWeight: Number.NaN })).toBe(message('NaN'));
    expect(refusal({ phrases: ['x'], phraseWeight: '1' as unknown as number })).toBe(message('1'));
  });

  it('refuses a weight without phrases, even a valid one', () => {
    const message = '`phraseWeight` is set but there are no `phrases`: the weight applies to a phrase list';
    expect(refusal({ phraseWeight: 1 })).toBe(message);
    expect(refusal({ phrases: [], phraseWeight: 0 })).toBe(message);
  });

  it('takes a Custom Translator category id or "general", and refuses anything else with an example', () => {
    expect(resolveTerminology({ translatorCategory: CATEGORY }, fail)).toEqual({ ...none, translatorCategory: CATEGORY });
    expect(resolveTerminology({ translatorCategory: 'general' }, fail).translatorCategory).toBe('general');
    expect(refusal({ translatorCategory: 'TECH' })).toBe(
      `translatorCategory "TECH" cannot be a Custom Translator category id: it is the workspace id, project label and category code joined by dashes, e.g. ${CATEGORY} (see Custom Translator, "Publish")`,
    );
    expect(refusal({ translatorCategory: 42 as unknown as string })).toMatch(/^translatorCategory 42 cannot be/);
    expect(refusal({ translatorCategory: '' })).toMatch(/^translatorCategory "" cannot be/);
  });
});

describe('resolveTerminology: segmentation', () => {
  it('resolves each strategy with what it takes', () => {
    expect(resolveTerminology({ segmentation: {} }, fail).segmentation).toEqual({ strategy: undefined, silenceMs: undefined, maxPhraseMs: undefined });
    expect(resolveTerminology({ segmentation: { strategy: 'default', silenceMs: 300 } }, fail).segmentation).toEqual({
      strategy: 'default',
      silenceMs: 300,
      maxPhraseMs: undefined,
    });
    expect(resolveTerminology({ segmentation: { strategy: 'semantic' } }, fail).segmentation).toEqual({ strategy: 'semantic', silenceMs: undefined, maxPhraseMs: undefined });
    expect(resolveTerminology({ segmentation: { silenceMs: 800 } }, fail).segmentation).toEqual({ strategy: undefined, silenceMs: 800, maxPhraseMs: undefined });
  });

  it('gives the time strategy 500 ms of silence unless one is set, and the maximum in whole ms', () => {
    expect(resolveTerminology({ segmentation: { strategy: 'time', maxPhraseSeconds: 30 } }, fail).segmentation).toEqual({ strategy: 'time', silenceMs: 500, maxPhraseMs: 30000 });
    expect(resolveTerminology({ segmentation: { strategy: 'time', silenceMs: 1200, maxPhraseSeconds: 20.0004 } }, fail).segmentation).toEqual({
      strategy: 'time',
      silenceMs: 1200,
      maxPhraseMs: 20000,
    });
    expect(resolveTerminology({ segmentation: { strategy: 'time', maxPhraseSeconds: 45.5006 } }, fail).segmentation?.maxPhraseMs).toBe(45501);
  });

  it('takes a silence of 100 to 5000 whole milliseconds and refuses any other', () => {
    for (const silenceMs of [100, 5000]) expect(resolveTerminology({ segmentation: { silenceMs } }, fail).segmentation?.silenceMs).toBe(silenceMs);
    const message = (v: string) => `segmentation.silenceMs ${v} is outside Azure's range: a whole number of milliseconds from 100 to 5000 (500 is typical)`;
    expect(refusal({ segmentation: { silenceMs: 99 } })).toBe(message('99'));
    expect(refusal({ segmentation: { silenceMs: 5001 } })).toBe(message('5001'));
    expect(refusal({ segmentation: { silenceMs: 250.5 } })).toBe(message('250.5'));
    expect(refusal({ segmentation: { silenceMs: '300' as unknown as number } })).toBe(message('300'));
  });

  it('takes a maximum of 20 to 70 seconds with the time strategy and refuses any other', () => {
    for (const maxPhraseSeconds of [20, 70]) {
      expect(resolveTerminology({ segmentation: { strategy: 'time', maxPhraseSeconds } }, fail).segmentation?.maxPhraseMs).toBe(maxPhraseSeconds * 1000);
    }
    const message = (v: string) => `segmentation.maxPhraseSeconds ${v} is outside Azure's range of 20 to 70 seconds`;
    expect(refusal({ segmentation: { strategy: 'time', maxPhraseSeconds: 19.99 } })).toBe(message('19.99'));
    expect(refusal({ segmentation: { strategy: 'time', maxPhraseSeconds: 70.01 } })).toBe(message('70.01'));
    expect(refusal({ segmentation: { strategy: 'time', maxPhraseSeconds: Number.NaN } })).toBe(message('NaN'));
    expect(refusal({ segmentation: { strategy: 'time', maxPhraseSeconds: '30' as unknown as number } })).toBe(message('30'));
  });

  it('refuses an unknown strategy, a segmentation that is no object, and combinations Azure rejects', () => {
    expect(refusal({ segmentation: { strategy: 'fast' as 'time' } })).toBe('segmentation.strategy "fast" is not one of default, time, semantic');
    expect(refusal({ segmentation: 'time' as unknown as object })).toBe('`segmentation` must be { strategy?, silenceMs?, maxPhraseSeconds? }');
    expect(refusal({ segmentation: null as unknown as object })).toBe('`segmentation` must be { strategy?, silenceMs?, maxPhraseSeconds? }');
    expect(refusal({ segmentation: { strategy: 'time' } })).toMatch(/^segmentation: the time strategy needs maxPhraseSeconds \(20 to 70\)/);
    expect(refusal({ segmentation: { maxPhraseSeconds: 30 } })).toMatch(/^segmentation: maxPhraseSeconds applies only with the time strategy/);
    expect(refusal({ segmentation: { strategy: 'semantic', silenceMs: 300 } })).toMatch(/^segmentation: the semantic strategy takes no silenceMs or maxPhraseSeconds/);
  });
});

describe('applyToConfig', () => {
  const configs: SpeechTranslationConfig[] = [];
  afterEach(() => {
    for (const config of configs.splice(0)) config.close();
  });
  function config(): SpeechTranslationConfig {
    const c = SpeechTranslationConfig.fromSubscription('key', 'westeurope');
    configs.push(c);
    return c;
  }
  const read = (c: SpeechTranslationConfig, id: PropertyId) => c.getProperty(PropertyId[id], '(unset)');

  it('sets the category and every segmentation property given, as the strings the SDK expects', () => {
    const c = config();
    const terminology = resolveTerminology({ translatorCategory: CATEGORY, segmentation: { strategy: 'time', silenceMs: 700, maxPhraseSeconds: 25 } }, fail);
    applyToConfig(terminology, c);
    expect(read(c, PropertyId.SpeechServiceConnection_TranslationCategoryId)).toBe(CATEGORY);
    expect(read(c, PropertyId.Speech_SegmentationStrategy)).toBe('Time');
    expect(read(c, PropertyId.Speech_SegmentationSilenceTimeoutMs)).toBe('700');
    expect(read(c, PropertyId.Speech_SegmentationMaximumTimeMs)).toBe('25000');
  });

  it('names the strategies as the SDK spells them', () => {
    for (const [strategy, value] of [
      ['default', 'Default'],
      ['semantic', 'Semantic'],
    ] as const) {
      const c = config();
      applyToConfig(resolveTerminology({ segmentation: { strategy } }, fail), c);
      expect(read(c, PropertyId.Speech_SegmentationStrategy)).toBe(value);
      expect(read(c, PropertyId.Speech_SegmentationSilenceTimeoutMs)).toBe('(unset)');
      expect(read(c, PropertyId.Speech_SegmentationMaximumTimeMs)).toBe('(unset)');
    }
  });

  it('sets only the silence when only the silence is given', () => {
    const c = config();
    applyToConfig(resolveTerminology({ segmentation: { silenceMs: 350 } }, fail), c);
    expect(read(c, PropertyId.Speech_SegmentationSilenceTimeoutMs)).toBe('350');
    expect(read(c, PropertyId.Speech_SegmentationStrategy)).toBe('(unset)');
    expect(read(c, PropertyId.Speech_SegmentationMaximumTimeMs)).toBe('(unset)');
    expect(read(c, PropertyId.SpeechServiceConnection_TranslationCategoryId)).toBe('(unset)');
  });

  it('sets nothing when there is no terminology', () => {
    const c = config();
    applyToConfig(none, c);
    for (const id of [
      PropertyId.SpeechServiceConnection_TranslationCategoryId,
      PropertyId.Speech_SegmentationStrategy,
      PropertyId.Speech_SegmentationSilenceTimeoutMs,
      PropertyId.Speech_SegmentationMaximumTimeMs,
    ]) {
      expect(read(c, id)).toBe('(unset)');
    }
  });
});

describe('applyToRecognizer', () => {
  const recognizers: TranslationRecognizer[] = [];
  afterEach(() => {
    for (const r of recognizers.splice(0)) r.close();
  });

  /** A recognizer that is never started, and the grammar object its next `speech.context` would carry. */
  function recognizer(): { recognizer: TranslationRecognizer; grammar: () => unknown } {
    const config = SpeechTranslationConfig.fromSubscription('key', 'westeurope');
    config.speechRecognitionLanguage = 'en-US';
    config.addTargetLanguage('fr');
    const r = new TranslationRecognizer(config, AudioConfig.fromStreamInput(AudioInputStream.createPushStream()));
    recognizers.push(r);
    // The SDK's recognizer base keeps the phrase list in its DynamicGrammarBuilder.
    const base = r.internalData as { dynamicGrammar: { generateGrammarObject(): unknown } };
    return { recognizer: r, grammar: () => base.dynamicGrammar.generateGrammarObject() };
  }

  it('gives the recognizer the phrases as one generic group, with the weight', () => {
    const { recognizer: r, grammar } = recognizer();
    applyToRecognizer(resolveTerminology({ phrases: ['Contoso', 'Rehaan'], phraseWeight: 1.5 }, fail), r);
    expect(grammar()).toEqual({
      referenceGrammars: undefined,
      groups: [{ type: 'Generic', items: [{ text: 'Contoso' }, { text: 'Rehaan' }] }],
      bias: 1.5,
    });
  });

  it("keeps the SDK's default weight (1) when none is given", () => {
    const { recognizer: r, grammar } = recognizer();
    applyToRecognizer(resolveTerminology({ phrases: ['Contoso'] }, fail), r);
    expect(grammar()).toMatchObject({ bias: 1 });
  });

  it('a weight of 0 is given to the SDK as 0 (the list is off), not dropped', () => {
    const { recognizer: r, grammar } = recognizer();
    applyToRecognizer(resolveTerminology({ phrases: ['Contoso'], phraseWeight: 0 }, fail), r);
    expect(grammar()).toMatchObject({ bias: 0 });
  });

  it('adds no phrase list at all without phrases', () => {
    const { recognizer: r, grammar } = recognizer();
    applyToRecognizer(none, r);
    expect(grammar()).toBeUndefined();
    applyToRecognizer({ ...none, phraseWeight: 2 }, r);
    expect(grammar()).toBeUndefined();
  });
});
