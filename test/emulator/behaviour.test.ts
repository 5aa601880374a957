import { describe, expect, it } from 'vitest';
import {
  hypothesisMessage,
  phraseErrorMessage,
  phraseMessage,
  resolveBehaviour,
  synthesisEndMessage,
  synthesisPath,
  type ResultFields,
} from '../../src/emulator/behaviour.ts';

const result: ResultFields = {
  offset: 5_000_000,
  duration: 12_000_000,
  text: '[en] utterance 1 (1.2 s)',
  language: 'en-US',
  translations: [
    { language: 'fr', text: '[fr] utterance 1 (1.2 s)' },
    { language: 'de', text: '[de] utterance 1 (1.2 s)' },
  ],
};

describe('resolveBehaviour', () => {
  it('defaults to the real v2 service: v2 paths, speech per turn after 3000 ms, completion per stream, wav per chunk, auto language form, interim decided per connection', () => {
    expect(resolveBehaviour({})).toStrictEqual({
      protocol: 'v2',
      speechEvents: 'per-turn',
      turnEndSilenceMs: 3000,
      interimResults: undefined,
      synthesisCompletion: 'per-stream',
      chunkLayout: 'wav-per-chunk',
      languageForm: 'auto',
    });
  });

  it('takes every option a test sets instead of its default', () => {
    expect(
      resolveBehaviour({
        protocol: 'flat',
        speechEvents: 'per-phrase',
        turnEndSilenceMs: 1000,
        interimResults: true,
        synthesisCompletion: 'per-phrase',
        chunkLayout: 'header-first',
        languageForm: 'locale',
      }),
    ).toStrictEqual({
      protocol: 'flat',
      speechEvents: 'per-phrase',
      turnEndSilenceMs: 1000,
      interimResults: true,
      synthesisCompletion: 'per-phrase',
      chunkLayout: 'header-first',
      languageForm: 'locale',
    });
  });

  it('keeps a turn silence of 0 ms and interim results turned off (falsy values are choices, not gaps)', () => {
    const behaviour = resolveBehaviour({ turnEndSilenceMs: 0, interimResults: false, languageForm: 'bare' });
    expect(behaviour.turnEndSilenceMs).toBe(0);
    expect(behaviour.interimResults).toBe(false);
    expect(behaviour.languageForm).toBe('bare');
  });
});

describe('phraseMessage', () => {
  it('v2: translation.response with the recognition in SpeechPhrase and the translations (DisplayText) beside it', () => {
    expect(phraseMessage('v2', result)).toStrictEqual({
      path: 'translation.response',
      body: {
        SpeechPhrase: {
          RecognitionStatus: 'Success',
          Offset: 5_000_000,
          Duration: 12_000_000,
          DisplayText: '[en] utterance 1 (1.2 s)',
          PrimaryLanguage: { Language: 'en-US', Confidence: 'High' },
        },
        TranslationStatus: 'Success',
        Translations: [
          { Language: 'fr', DisplayText: '[fr] utterance 1 (1.2 s)' },
          { Language: 'de', DisplayText: '[de] utterance 1 (1.2 s)' },
        ],
      },
    });
  });

  it('flat: translation.phrase with Text, DisplayText and the nested Translation object the SDK needs', () => {
    expect(phraseMessage('flat', result)).toStrictEqual({
      path: 'translation.phrase',
      body: {
        RecognitionStatus: 'Success',
        Offset: 5_000_000,
        Duration: 12_000_000,
        Text: '[en] utterance 1 (1.2 s)',
        DisplayText: '[en] utterance 1 (1.2 s)',
        PrimaryLanguage: { Language: 'en-US', Confidence: 'High' },
        Translation: {
          TranslationStatus: 'Success',
          Translations: [
            { Language: 'fr', Text: '[fr] utterance 1 (1.2 s)' },
            { Language: 'de', Text: '[de] utterance 1 (1.2 s)' },
          ],
        },
      },
    });
  });

  it('sends an empty translation list when there are no target languages, in both forms', () => {
    const bare = { ...result, translations: [] };
    expect(phraseMessage('v2', bare).body).toMatchObject({ Translations: [] });
    expect(phraseMessage('flat', bare).body).toMatchObject({ Translation: { Translations: [] } });
  });
});

describe('hypothesisMessage', () => {
  it('v2: translation.response with SpeechHypothesis and the translations (Text) beside it', () => {
    expect(hypothesisMessage('v2', result)).toStrictEqual({
      path: 'translation.response',
      body: {
        SpeechHypothesis: { Offset: 5_000_000, Duration: 12_000_000, Text: '[en] utterance 1 (1.2 s)', PrimaryLanguage: { Language: 'en-US', Confidence: 'High' } },
        TranslationStatus: 'Success',
        Translations: [
          { Language: 'fr', Text: '[fr] utterance 1 (1.2 s)' },
          { Language: 'de', Text: '[de] utterance 1 (1.2 s)' },
        ],
      },
    });
  });

  it('flat: translation.hypothesis with the nested Translation object', () => {
    expect(hypothesisMessage('flat', result)).toStrictEqual({
      path: 'translation.hypothesis',
      body: {
        Offset: 5_000_000,
        Duration: 12_000_000,
        Text: '[en] utterance 1 (1.2 s)',
        PrimaryLanguage: { Language: 'en-US', Confidence: 'High' },
        Translation: {
          TranslationStatus: 'Success',
          Translations: [
            { Language: 'fr', Text: '[fr] utterance 1 (1.2 s)' },
            { Language: 'de', Text: '[de] utterance 1 (1.2 s)' },
          ],
        },
      },
    });
  });
});

describe('phraseErrorMessage', () => {
  it('v2: a SpeechPhrase with RecognitionStatus Error, its offset and duration, and nothing else', () => {
    expect(phraseErrorMessage('v2', 100, 200)).toStrictEqual({
      path: 'translation.response',
      body: { SpeechPhrase: { RecognitionStatus: 'Error', Offset: 100, Duration: 200 } },
    });
  });

  it('flat: translation.phrase with RecognitionStatus Error, its offset and duration', () => {
    expect(phraseErrorMessage('flat', 100, 200)).toStrictEqual({
      path: 'translation.phrase',
      body: { RecognitionStatus: 'Error', Offset: 100, Duration: 200 },
    });
  });
});

describe('synthesis paths and completion', () => {
  it('sends synthesized audio on `audio` (v2) or `translation.synthesis` (flat)', () => {
    expect(synthesisPath('v2')).toBe('audio');
    expect(synthesisPath('flat')).toBe('translation.synthesis');
  });

  it('v2: audio.end with Status Success, and no FailureReason', () => {
    expect(synthesisEndMessage('v2')).toStrictEqual({ path: 'audio.end', body: { Status: 'Success' } });
  });

  it('v2: audio.end with Status Error and the FailureReason on a failure', () => {
    expect(synthesisEndMessage('v2', 'voice not found')).toStrictEqual({ path: 'audio.end', body: { Status: 'Error', FailureReason: 'voice not found' } });
  });

  it('flat: translation.synthesis.end with SynthesisStatus Success, or Error and the FailureReason', () => {
    expect(synthesisEndMessage('flat')).toStrictEqual({ path: 'translation.synthesis.end', body: { SynthesisStatus: 'Success' } });
    expect(synthesisEndMessage('flat', 'voice not found')).toStrictEqual({
      path: 'translation.synthesis.end',
      body: { SynthesisStatus: 'Error', FailureReason: 'voice not found' },
    });
  });

  it('treats an empty failure reason as a failure (only an absent reason is success)', () => {
    expect(synthesisEndMessage('v2', '')).toStrictEqual({ path: 'audio.end', body: { Status: 'Error', FailureReason: '' } });
  });
});
