/**
 * What the emulator says, and in which words: the defaults are the real v2 service's behaviour as
 * documented or captured, each with its source; the alternatives are options a test turns on.
 * Also the message bodies for both protocol forms, checked against what Speech SDK 1.52 parses
 * (`common.speech/TranslationServiceRecognizer.js`, `ServiceMessages/Translation*.js`).
 */
import type { EmulatorBehaviour } from './types.ts';

export interface Behaviour {
  protocol: 'v2' | 'flat';
  speechEvents: 'per-turn' | 'per-phrase';
  turnEndSilenceMs: number;
  /** Undefined: decided per connection by its language-id mode. */
  interimResults: boolean | undefined;
  synthesisCompletion: 'per-stream' | 'per-phrase';
  chunkLayout: 'wav-per-chunk' | 'header-first';
  languageForm: 'auto' | 'bare' | 'locale';
}

export function resolveBehaviour(options: EmulatorBehaviour): Behaviour {
  return {
    // SDK 1.52 handles `translation.response` (SpeechPhrase | SpeechHypothesis + TranslationStatus +
    // Translations) and binary `audio` / `audio.end` besides the flat paths (TranslationServiceRecognizer
    // .processTypeSpecificMessages); a public capture of real universal/v2 traffic shows
    // translation.response (notes azure-speech 9).
    protocol: options.protocol ?? 'v2',
    // Speech start/end bound speech by a long silence, not each phrase: the SDK's own tests pump
    // speech then silence until speechEndDetected, and sdk-js #475 reports endDetected never firing
    // during continuous recognition (notes azure-speech 9).
    speechEvents: options.speechEvents ?? 'per-turn',
    // Undocumented; long enough that the pauses between sentences (~1.6 s in our meeting fixture)
    // stay inside one stretch of speech.
    turnEndSilenceMs: options.turnEndSilenceMs ?? 3000,
    // how-to-translate-speech (JavaScript and C#): "Intermediate translation results aren't available
    // when you use multi-lingual speech translation" (open range); with candidates they are.
    interimResults: options.interimResults,
    // Microsoft's Live Interpreter sample writes each synthesizing chunk to its own file and stops at
    // the first zero-length one: one completion for the stream (notes azure-speech 9, 10).
    synthesisCompletion: options.synthesisCompletion ?? 'per-stream',
    // The same sample writes every chunk as its own .wav, and a Microsoft engineer (Azure-Samples
    // cognitive-services-speech-sdk#94): "each non-zero byte array contains its own wav header".
    chunkLayout: options.chunkLayout ?? 'wav-per-chunk',
    // The SDK's open-range test expects `de` (tests/AutoSourceLangDetectionTests.ts); a real v2
    // capture with a fixed language showed `"PrimaryLanguage":{"Language":"pl-PL"}` (notes 9).
    languageForm: options.languageForm ?? 'auto',
  };
}

export interface Message {
  path: string;
  body: unknown;
}

export interface ResultFields {
  offset: number;
  duration: number;
  /** Source-language text. */
  text: string;
  language: string;
  translations: { language: string; text: string }[];
}

function primary(language: string) {
  return { Language: language, Confidence: 'High' };
}

/** A final result. v2 puts the recognition in `SpeechPhrase` and the translations beside it (TranslationPhrase.fromTranslationResponse). */
export function phraseMessage(protocol: Behaviour['protocol'], r: ResultFields): Message {
  if (protocol === 'v2') {
    return {
      path: 'translation.response',
      body: {
        SpeechPhrase: { RecognitionStatus: 'Success', Offset: r.offset, Duration: r.duration, DisplayText: r.text, PrimaryLanguage: primary(r.language) },
        TranslationStatus: 'Success',
        Translations: r.translations.map((t) => ({ Language: t.language, DisplayText: t.text })),
      },
    };
  }
  return {
    path: 'translation.phrase',
    body: {
      RecognitionStatus: 'Success',
      Offset: r.offset,
      Duration: r.duration,
      Text: r.text,
      DisplayText: r.text,
      PrimaryLanguage: primary(r.language),
      // The flat form needs the nested Translation object: without it the SDK's receive loop dies (notes 3.1).
      Translation: { TranslationStatus: 'Success', Translations: r.translations.map((t) => ({ Language: t.language, Text: t.text })) },
    },
  };
}

/** An interim result (TranslationHypothesis.fromTranslationResponse for v2). */
export function hypothesisMessage(protocol: Behaviour['protocol'], r: ResultFields): Message {
  const translations = r.translations.map((t) => ({ Language: t.language, Text: t.text }));
  if (protocol === 'v2') {
    return {
      path: 'translation.response',
      body: { SpeechHypothesis: { Offset: r.offset, Duration: r.duration, Text: r.text, PrimaryLanguage: primary(r.language) }, TranslationStatus: 'Success', Translations: translations },
    };
  }
  return {
    path: 'translation.hypothesis',
    body: { Offset: r.offset, Duration: r.duration, Text: r.text, PrimaryLanguage: primary(r.language), Translation: { TranslationStatus: 'Success', Translations: translations } },
  };
}

/** A phrase the service failed on: the SDK cancels recognition (`RecognitionStatus: Error`). */
export function phraseErrorMessage(protocol: Behaviour['protocol'], offset: number, duration: number): Message {
  if (protocol === 'v2') return { path: 'translation.response', body: { SpeechPhrase: { RecognitionStatus: 'Error', Offset: offset, Duration: duration } } };
  return { path: 'translation.phrase', body: { RecognitionStatus: 'Error', Offset: offset, Duration: duration } };
}

export function synthesisPath(protocol: Behaviour['protocol']): string {
  return protocol === 'v2' ? 'audio' : 'translation.synthesis';
}

/** The end of synthesis: v2 says `Status`, the flat form `SynthesisStatus` (TranslationSynthesisEnd reads either). */
export function synthesisEndMessage(protocol: Behaviour['protocol'], failure?: string): Message {
  const status = failure === undefined ? 'Success' : 'Error';
  const detail = failure === undefined ? {} : { FailureReason: failure };
  if (protocol === 'v2') return { path: 'audio.end', body: { Status: status, ...detail } };
  return { path: 'translation.synthesis.end', body: { SynthesisStatus: status, ...detail } };
}
