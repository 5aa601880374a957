import { describe, expect, it } from 'vitest';
import { applyEvent, applySpeechContext, isOpenRange } from '../../src/emulator/context.ts';
import type { ConnectionRecord } from '../../src/emulator/types.ts';

function record(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    id: 'c1',
    path: '/stt/speech/universal/v2',
    query: {},
    targetLanguages: [],
    sourceLanguages: [],
    languageUpdates: 0,
    openedAt: 0,
    utterances: 0,
    audioBytes: 0,
    turns: 0,
    ...overrides,
  };
}

/** The Live Interpreter context SDK 1.52 sends (notes azure-speech 3.2). */
const liveInterpreter = {
  phraseDetection: { mode: 'Conversation', onSuccess: { action: 'Translate' }, enrichment: {} },
  languageId: { languages: ['UND'], mode: 'DetectAtAudioStart' },
  translation: { onSuccess: { action: 'Synthesize' }, targetLanguages: ['fr'] },
  synthesis: { defaultVoices: { fr: 'personal-voice' } },
};

describe('applySpeechContext', () => {
  it('records the Live Interpreter context: targets, voice, language-id mode and candidates, the context as sent; wants synthesis', () => {
    const r = record();
    expect(applySpeechContext(JSON.stringify(liveInterpreter), r)).toBe(true);
    expect(r.targetLanguages).toStrictEqual(['fr']);
    expect(r.voice).toBe('personal-voice');
    expect(r.languageIdMode).toBe('DetectAtAudioStart');
    expect(r.sourceLanguages).toStrictEqual(['UND']);
    expect(r.speechContext).toStrictEqual(liveInterpreter);
    expect(r.profanity).toBeUndefined();
    expect(r.phrases).toBeUndefined();
    expect(r.phraseWeight).toBeUndefined();
    expect(r.translationCategory).toBeUndefined();
    expect(r.segmentation).toBeUndefined();
  });

  it('copies the target list (a later change to the context object does not reach the record)', () => {
    const context = { translation: { targetLanguages: ['fr', 'de'] } };
    const r = record();
    applySpeechContext(JSON.stringify(context), r);
    expect(r.targetLanguages).toStrictEqual(['fr', 'de']);
    (r.speechContext as typeof context).translation.targetLanguages.push('es');
    expect(r.targetLanguages).toStrictEqual(['fr', 'de']);
  });

  it('prefers translationcontext.to (a runtime language update) over translation.targetLanguages', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ translation: { targetLanguages: ['fr'] }, translationcontext: { to: ['fr', 'de'] } }), r);
    expect(r.targetLanguages).toStrictEqual(['fr', 'de']);
  });

  it('keeps the URL targets when the context names none or an empty list', () => {
    const r = record({ targetLanguages: ['it'] });
    applySpeechContext(JSON.stringify({ translation: { targetLanguages: [] } }), r);
    expect(r.targetLanguages).toStrictEqual(['it']);
    applySpeechContext('{}', r);
    expect(r.targetLanguages).toStrictEqual(['it']);
  });

  it('reads an empty body as an empty context: nothing changes, no synthesis', () => {
    const r = record({ targetLanguages: ['it'] });
    expect(applySpeechContext('', r)).toBe(false);
    expect(r.speechContext).toStrictEqual({});
    expect(r.targetLanguages).toStrictEqual(['it']);
    expect(r.voice).toBeUndefined();
  });

  it('without a voice wants no synthesis, even with onSuccess Synthesize', () => {
    const r = record();
    expect(applySpeechContext(JSON.stringify({ translation: { targetLanguages: ['fr'], onSuccess: { action: 'Synthesize' } } }), r)).toBe(false);
    expect(r.voice).toBeUndefined();
  });

  it('with a voice and onSuccess None (the SDK without a voice name) wants no synthesis', () => {
    const r = record();
    const context = { translation: { onSuccess: { action: 'None' } }, synthesis: { defaultVoices: { fr: 'fr-FR-DeniseNeural' } } };
    expect(applySpeechContext(JSON.stringify(context), r)).toBe(false);
    expect(r.voice).toBe('fr-FR-DeniseNeural');
  });

  it('with a voice and no onSuccess action synthesizes (Synthesize is the default action)', () => {
    const r = record();
    expect(applySpeechContext(JSON.stringify({ synthesis: { defaultVoices: { fr: 'fr-FR-DeniseNeural' } } }), r)).toBe(true);
    expect(applySpeechContext(JSON.stringify({ translation: {}, synthesis: { defaultVoices: { fr: 'fr-FR-DeniseNeural' } } }), r)).toBe(true);
  });

  it('takes the first of several default voices', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ synthesis: { defaultVoices: { fr: 'fr-FR-DeniseNeural', de: 'de-DE-KatjaNeural' } } }), r);
    expect(r.voice).toBe('fr-FR-DeniseNeural');
  });

  it('falls back to the voice in the URL query when the context names none, and synthesizes with it', () => {
    const r = record({ query: { voice: 'de-DE-KatjaNeural' } });
    expect(applySpeechContext(JSON.stringify({ synthesis: {} }), r)).toBe(true);
    expect(r.voice).toBe('de-DE-KatjaNeural');
  });

  it('an empty defaultVoices map names no voice: the URL voice is used, or none', () => {
    const withQuery = record({ query: { voice: 'de-DE-KatjaNeural' } });
    expect(applySpeechContext(JSON.stringify({ synthesis: { defaultVoices: {} } }), withQuery)).toBe(true);
    expect(withQuery.voice).toBe('de-DE-KatjaNeural');
    const without = record();
    expect(applySpeechContext(JSON.stringify({ synthesis: { defaultVoices: {} } }), without)).toBe(false);
    expect(without.voice).toBeUndefined();
  });

  it('keeps an earlier voice when a later context names none, but synthesizes only if this context asks for it', () => {
    const r = record({ voice: 'fr-FR-DeniseNeural' });
    expect(applySpeechContext(JSON.stringify({ translation: { targetLanguages: ['fr'] } }), r)).toBe(false);
    expect(r.voice).toBe('fr-FR-DeniseNeural');
  });

  it('records language-id candidates and DetectContinuous, and leaves them when a context has no languageId', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ languageId: { languages: ['en-US', 'de-DE'], mode: 'DetectContinuous' } }), r);
    expect(r.sourceLanguages).toStrictEqual(['en-US', 'de-DE']);
    expect(r.languageIdMode).toBe('DetectContinuous');
    applySpeechContext(JSON.stringify({ languageId: {} }), r);
    expect(r.sourceLanguages).toStrictEqual(['en-US', 'de-DE']);
    expect(r.languageIdMode).toBe('DetectContinuous');
    applySpeechContext(JSON.stringify({ languageId: { mode: '' } }), r);
    expect(r.languageIdMode).toBe('DetectContinuous');
  });

  it('records profanity from phraseDetection.enrichment, and keeps it when a later context has none', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ phraseDetection: { enrichment: { profanity: 'Raw' } } }), r);
    expect(r.profanity).toBe('Raw');
    applySpeechContext(JSON.stringify({ phraseDetection: { enrichment: {} } }), r);
    expect(r.profanity).toBe('Raw');
    applySpeechContext(JSON.stringify({ phraseDetection: { enrichment: { profanity: '' } } }), r);
    expect(r.profanity).toBe('Raw');
  });
});

describe('applySpeechContext: terminology', () => {
  it('records the phrase list of every dgi group in order, and its bias as the weight', () => {
    const r = record();
    const dgi = { groups: [{ type: 'Generic', items: [{ text: 'Contoso' }, { text: 'Fabrikam' }] }, { type: 'Generic', items: [{ text: 'Northwind' }] }], bias: 0.5 };
    applySpeechContext(JSON.stringify({ dgi }), r);
    expect(r.phrases).toStrictEqual(['Contoso', 'Fabrikam', 'Northwind']);
    expect(r.phraseWeight).toBe(0.5);
  });

  it('skips items without text and groups without items', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ dgi: { groups: [{ type: 'Generic' }, { items: [{}, { text: 'Contoso' }, { text: 7 }] }] } }), r);
    expect(r.phrases).toStrictEqual(['Contoso']);
    expect(r.phraseWeight).toBeUndefined();
  });

  it('keeps a bias of 0 as the weight, and ignores a bias that is not a number', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ dgi: { groups: [{ items: [{ text: 'Contoso' }] }], bias: 0 } }), r);
    expect(r.phraseWeight).toBe(0);
    applySpeechContext(JSON.stringify({ dgi: { groups: [{ items: [{ text: 'Contoso' }] }], bias: '2' } }), r);
    expect(r.phraseWeight).toBeUndefined();
    expect(r.phrases).toStrictEqual(['Contoso']);
  });

  it('records no weight for a bias without phrases', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ dgi: { groups: [], bias: 1 } }), r);
    expect(r.phrases).toBeUndefined();
    expect(r.phraseWeight).toBeUndefined();
    expect('phrases' in r).toBe(false);
    expect('phraseWeight' in r).toBe(false);
  });

  it('forgets the phrase list and weight when a later context has no dgi (each context states the whole list again)', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ dgi: { groups: [{ items: [{ text: 'Contoso' }] }], bias: 1 } }), r);
    applySpeechContext(JSON.stringify({ translation: { targetLanguages: ['fr'] } }), r);
    expect('phrases' in r).toBe(false);
    expect('phraseWeight' in r).toBe(false);
  });

  it('records the Custom Translator category, an empty one too, and keeps it when a later context has none', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ translation: { category: 'cat-1' } }), r);
    expect(r.translationCategory).toBe('cat-1');
    applySpeechContext(JSON.stringify({ translation: {} }), r);
    expect(r.translationCategory).toBe('cat-1');
    applySpeechContext(JSON.stringify({ translation: { category: '' } }), r);
    expect(r.translationCategory).toBe('');
    applySpeechContext(JSON.stringify({ translation: { category: 5 } }), r);
    expect(r.translationCategory).toBe('');
  });

  it('records the segmentation of conversation, else interactive, else dictation mode, as a copy', () => {
    const segmentation = { mode: 'Custom', segmentationSilenceTimeoutMs: 300 };
    const conversation = record();
    applySpeechContext(JSON.stringify({ phraseDetection: { conversation: { segmentation }, interactive: { segmentation: { mode: 'Semantic' } } } }), conversation);
    expect(conversation.segmentation).toStrictEqual(segmentation);
    const interactive = record();
    applySpeechContext(JSON.stringify({ phraseDetection: { interactive: { segmentation: { mode: 'Semantic' } }, dictation: { segmentation } } }), interactive);
    expect(interactive.segmentation).toStrictEqual({ mode: 'Semantic' });
    const dictation = record();
    applySpeechContext(JSON.stringify({ phraseDetection: { dictation: { segmentation: { segmentationForcedTimeoutMs: 9000 } } } }), dictation);
    expect(dictation.segmentation).toStrictEqual({ segmentationForcedTimeoutMs: 9000 });
    const context = dictation.speechContext as { phraseDetection: { dictation: { segmentation: object } } };
    expect(dictation.segmentation).not.toBe(context.phraseDetection.dictation.segmentation);
  });

  it('keeps an earlier segmentation when a later context has none', () => {
    const r = record();
    applySpeechContext(JSON.stringify({ phraseDetection: { conversation: { segmentation: { mode: 'Custom' } } } }), r);
    applySpeechContext(JSON.stringify({ phraseDetection: { conversation: {} } }), r);
    expect(r.segmentation).toStrictEqual({ mode: 'Custom' });
  });
});

describe('applyEvent', () => {
  const update = { id: 'translation', name: 'updateLanguage', to: ['fr', 'de'] };

  it('applies a language update: the new targets (a copy), one more update counted; synthesis only with a voice', () => {
    const r = record({ targetLanguages: ['fr'] });
    expect(applyEvent(JSON.stringify(update), r)).toBe(false);
    expect(r.targetLanguages).toStrictEqual(['fr', 'de']);
    expect(r.languageUpdates).toBe(1);
    expect(applyEvent(JSON.stringify({ ...update, to: [] }), r)).toBe(false);
    expect(r.targetLanguages).toStrictEqual([]);
    expect(r.languageUpdates).toBe(2);
  });

  it('takes the voice that comes with the update (synthesis.defaultVoices) and then wants synthesis', () => {
    const r = record();
    expect(applyEvent(JSON.stringify({ ...update, synthesis: { defaultVoices: { fr: 'personal-voice', de: 'personal-voice' } } }), r)).toBe(true);
    expect(r.voice).toBe('personal-voice');
  });

  it('keeps an earlier voice when the update names none, and still wants synthesis', () => {
    const r = record({ voice: 'fr-FR-DeniseNeural' });
    expect(applyEvent(JSON.stringify({ ...update, synthesis: { defaultVoices: {} } }), r)).toBe(true);
    expect(r.voice).toBe('fr-FR-DeniseNeural');
  });

  it('ignores events that are not a translation language update, and an empty body', () => {
    for (const event of [
      { ...update, id: 'telemetry' },
      { ...update, name: 'somethingElse' },
      { id: 'translation', name: 'updateLanguage' },
      { id: 'translation', name: 'updateLanguage', to: 'fr' },
      {},
    ]) {
      const r = record({ targetLanguages: ['fr'], voice: 'v' });
      expect(applyEvent(JSON.stringify(event), r)).toBeUndefined();
      expect(r.targetLanguages).toStrictEqual(['fr']);
      expect(r.languageUpdates).toBe(0);
    }
    expect(applyEvent('', record())).toBeUndefined();
  });
});

describe('isOpenRange', () => {
  it('is open range when the candidates include the magic language UND, in any case', () => {
    expect(isOpenRange(record({ sourceLanguages: ['UND'] }))).toBe(true);
    expect(isOpenRange(record({ sourceLanguages: ['en-US', 'und'] }))).toBe(true);
  });

  it('is not open range with candidate locales only, or without language id', () => {
    expect(isOpenRange(record({ sourceLanguages: ['en-US', 'de-DE'] }))).toBe(false);
    expect(isOpenRange(record({ sourceLanguages: [] }))).toBe(false);
    expect(isOpenRange(record({ sourceLanguages: ['UNDER'] }))).toBe(false);
  });
});
