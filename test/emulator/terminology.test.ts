import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { runRecognizer, sdk, speech } from './sdk-client.ts';

let emulator: SpeechEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}

/** "Good morning everyone." 0.6 s of silence, "The budget is approved." (make-fixtures.sh). */
const twoSentences = () => speech('pause-600ms.wav');

function withSilence(ms: number) {
  return (config: sdk.SpeechTranslationConfig) => config.setProperty(sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs, String(ms));
}

describe('emulator: phrase timing from speech.context', () => {
  it('splits a recording with a 0.6 s pause into two phrases at 300 ms of segmentation silence', async () => {
    const e = await start();
    const result = await runRecognizer({ url: e.url, audio: twoSentences(), configure: withSilence(300) });
    expect(result.recognized.map((r) => r.reason)).toEqual([sdk.ResultReason.TranslatedSpeech, sdk.ResultReason.TranslatedSpeech]);
    const record = e.connections[0]!;
    expect(record.segmentation).toEqual({ mode: 'Custom', segmentationSilenceTimeoutMs: 300 });
    expect(record.phraseSilenceMs).toBe(300);
    // Both phrases together span the recording, and the gap between them is the pause.
    const [first, second] = result.recognized as [sdk.TranslationRecognitionResult, sdk.TranslationRecognitionResult];
    const gapMs = (second.offset - (first.offset + first.duration)) / 1e4;
    expect(gapMs).toBeGreaterThanOrEqual(590);
    expect(gapMs).toBeLessThan(700);
  });

  it('keeps the same recording one phrase at 1,200 ms', async () => {
    const e = await start();
    const result = await runRecognizer({ url: e.url, audio: twoSentences(), configure: withSilence(1200), silenceMs: 2000 });
    expect(result.recognized).toHaveLength(1);
    expect(result.recognized[0]!.duration / 1e7).toBeGreaterThan(3);
    expect(e.connections[0]!.phraseSilenceMs).toBe(1200);
  });

  it('without a requested silence uses the documented 500 ms default (two phrases for a 0.6 s pause); endSilenceMs sets another service default', async () => {
    const e = await start();
    const result = await runRecognizer({ url: e.url, audio: twoSentences() });
    expect(result.recognized).toHaveLength(2);
    expect(e.connections[0]!.segmentation).toBeUndefined();
    expect(e.connections[0]!.phraseSilenceMs).toBe(500);
    await e.close();
    const patient = await start({ endSilenceMs: 800 });
    const whole = await runRecognizer({ url: patient.url, audio: twoSentences(), silenceMs: 1500 });
    expect(whole.recognized).toHaveLength(1);
    // What the client asks for wins over the service default.
    const asked = await runRecognizer({ url: patient.url, audio: twoSentences(), configure: withSilence(300) });
    expect(asked.recognized).toHaveLength(2);
  });

  it('cuts speech at the requested maximum phrase length (Time strategy)', async () => {
    const e = await start();
    const long = new Int16Array(16000 * 24);
    // 24 s of uninterrupted "speech": the detector's own cap is 30 s, the requested one 20 s.
    for (let i = 0; i < long.length; i++) long[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16000));
    const result = await runRecognizer({
      url: e.url,
      audio: long,
      configure: (config) => {
        config.setProperty(sdk.PropertyId.Speech_SegmentationStrategy, 'Time');
        config.setProperty(sdk.PropertyId.Speech_SegmentationSilenceTimeoutMs, '500');
        config.setProperty(sdk.PropertyId.Speech_SegmentationMaximumTimeMs, '20000');
      },
      timeoutMs: 30_000,
    });
    expect(e.connections[0]!.segmentation).toEqual({ mode: 'Custom', segmentationSilenceTimeoutMs: 500, segmentationForcedTimeoutMs: 20000 });
    expect(result.recognized.map((r) => Math.round(r.duration / 1e7))).toEqual([20, 4]);
  });
});

describe('emulator: terminology it receives (recorded, not used for recognition)', () => {
  it('records the phrase list, its weight and the Custom Translator category from speech.context', async () => {
    const lines: string[] = [];
    const e = await start({ log: (line) => lines.push(line) });
    const category = 'a2eb72f9-43a8-46bd-82fa-4693c8b64c3c-TECH';
    const result = await runRecognizer({
      url: e.url,
      configure: (config) => config.setProperty(sdk.PropertyId.SpeechServiceConnection_TranslationCategoryId, category),
      prepare: (recognizer) => {
        const list = sdk.PhraseListGrammar.fromRecognizer(recognizer);
        list.addPhrases(['Contoso', 'Rehaan']);
        list.setWeight(1.5);
      },
    });
    const record = e.connections[0]!;
    expect(record.phrases).toEqual(['Contoso', 'Rehaan']);
    expect(record.phraseWeight).toBe(1.5);
    expect(record.translationCategory).toBe(category);
    expect(record.speechContext?.dgi).toEqual({ groups: [{ type: 'Generic', items: [{ text: 'Contoso' }, { text: 'Rehaan' }] }], bias: 1.5 });
    expect(lines.some((line) => line.includes(`speech.context phrases=2 weight=1.5 (recorded, not used) category=${category}`))).toBe(true);
    // The answers do not change: the emulator recognizes nothing, so phrases cannot bias it.
    expect(result.recognized[0]!.translations.get('fr')).toMatch(/^\[fr\] utterance 1 /);
  });

  it('sees a phrase added to a running recognizer only in a later speech.context (why the plugin fixes phrases per session)', async () => {
    const e = await start();
    await runRecognizer({
      url: e.url,
      audio: twoSentences(),
      prepare: (recognizer) => sdk.PhraseListGrammar.fromRecognizer(recognizer).addPhrase('Contoso'),
      onRecognized: (recognizer, count) => {
        if (count === 1) sdk.PhraseListGrammar.fromRecognizer(recognizer).addPhrase('Fabrikam');
      },
    });
    const record = e.connections[0]!;
    // One turn, one speech.context: the second phrase was recognized without the added word.
    expect(record.turns).toBe(1);
    expect(record.utterances).toBe(2);
    expect(record.phrases).toEqual(['Contoso']);
  });

  it('records nothing when the client sends no phrase list or category', async () => {
    const e = await start();
    await runRecognizer({ url: e.url });
    const record = e.connections[0]!;
    expect(record.speechContext).toBeDefined();
    expect(record.speechContext?.dgi).toBeUndefined();
    expect(record.phrases).toBeUndefined();
    expect(record.phraseWeight).toBeUndefined();
    expect(record.translationCategory).toBeUndefined();
  });
});
