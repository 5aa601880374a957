/**
 * The emulator's behaviours, each met by the real, unmodified Speech SDK: speech events per stretch
 * of speech or per phrase, synthesis completion per stream or per phrase, both endpoint paths,
 * runtime language updates, and both forms of the detected language.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorOptions, type SpeechEmulator } from '../../src/emulator/index.ts';
import { runRecognizer, speech } from './sdk-client.ts';

let emulator: SpeechEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}) {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}

const count = (events: string[], name: string) => events.filter((e) => e === name).length;
/** Three sentences with ~1.6 s pauses between them. */
const meeting = () => speech('meeting.wav');

describe('emulator behaviours with the real SDK', () => {
  it('reports speech once for a stretch of speech by default, and ends it after a long silence', async () => {
    const e = await start();
    const result = await runRecognizer({ url: e.url, audio: meeting(), voice: 'fr-FR-DeniseNeural', silenceMs: 4000 });
    expect(result.recognized).toHaveLength(3);
    expect(count(result.events, 'speechStartDetected')).toBe(1);
    expect(count(result.events, 'speechEndDetected')).toBe(1);
    // The end came from the trailing silence (3 s by default), before the end of the audio.
    expect(result.events.indexOf('speechEndDetected')).toBeLessThan(result.events.indexOf('canceled:EndOfStream:NoError'));
    expect(result.events.lastIndexOf('recognized:TranslatedSpeech')).toBeLessThan(result.events.indexOf('speechEndDetected'));
  });

  it('a shorter turn silence splits the meeting into three stretches; per-phrase events bracket every phrase', async () => {
    const short = await start({ turnEndSilenceMs: 1000 });
    const split = await runRecognizer({ url: short.url, audio: meeting() });
    expect(count(split.events, 'speechStartDetected')).toBe(3);
    expect(count(split.events, 'speechEndDetected')).toBe(3);
    await short.close();
    const perPhrase = await start({ speechEvents: 'per-phrase' });
    const result = await runRecognizer({ url: perPhrase.url, audio: meeting() });
    const marks = result.events.filter((ev) => ev.startsWith('speech') || ev.startsWith('recognized'));
    expect(marks).toEqual(Array.from({ length: 3 }, () => ['speechStartDetected', 'recognized:TranslatedSpeech', 'speechEndDetected']).flat());
  });

  it('completes synthesis once for the stream by default, or after every phrase', async () => {
    const stream = await start();
    const once = await runRecognizer({ url: stream.url, audio: meeting(), voice: 'fr-FR-DeniseNeural' });
    expect(once.recognized).toHaveLength(3);
    expect(count(once.events, 'synthesizing:SynthesizingAudioCompleted')).toBe(1);
    expect(once.events.at(-3)).toBe('synthesizing:SynthesizingAudioCompleted');
    await stream.close();
    const phrase = await start({ synthesisCompletion: 'per-phrase' });
    const each = await runRecognizer({ url: phrase.url, audio: meeting(), voice: 'fr-FR-DeniseNeural' });
    const synthesis = each.events.filter((ev) => ev.startsWith('recognized') || ev === 'synthesizing:SynthesizingAudioCompleted');
    expect(synthesis).toEqual(Array.from({ length: 3 }, () => ['recognized:TranslatedSpeech', 'synthesizing:SynthesizingAudioCompleted']).flat());
  });

  it('serves the resource-host path and the regional-host path, and fromHost', async () => {
    const e = await start();
    const resource = await runRecognizer({ url: new URL('/stt/speech/universal/v2', e.url), audio: speech().subarray(0, 32000) });
    const regional = await runRecognizer({ url: new URL('/speech/universal/v2', e.url), audio: speech().subarray(0, 32000) });
    expect(resource.recognized).toHaveLength(1);
    expect(regional.recognized).toHaveLength(1);
    expect(e.connections.map((c) => c.path)).toEqual(['/stt/speech/universal/v2', '/speech/universal/v2']);

    const viaHost = await runRecognizer({ url: new URL(`ws://127.0.0.1:${e.port}`), host: true, audio: speech().subarray(0, 32000) });
    expect(viaHost.recognized).toHaveLength(1);
    expect(e.connections.at(-1)?.path).toBe('/stt/speech/universal/v2');
  });

  it('takes a runtime language update with synthesis.defaultVoices, and translates into the new language', async () => {
    const e = await start({ turnEndSilenceMs: 1000 });
    const result = await runRecognizer({
      url: e.url,
      audio: meeting(),
      voice: 'personal-voice',
      speed: 4,
      onRecognized: (recognizer, n) => {
        if (n === 1) recognizer.addTargetLanguage('de');
      },
    });
    const record = e.connections[0]!;
    expect(record.languageUpdates).toBe(1);
    expect(record.targetLanguages).toEqual(['fr', 'de']);
    expect(record.voice).toBe('personal-voice');
    expect(result.recognized[0]!.translations.get('de')).toBeUndefined();
    expect(result.recognized.at(-1)!.translations.get('de')).toMatch(/^\[de\] utterance 3/);
  });

  it('reports the detected language as a bare code with open range and as the candidate locale otherwise', async () => {
    const e = await start({ detectLanguage: 'de' });
    const audio = speech('speech-de.wav');
    expect((await runRecognizer({ url: e.url, audio })).recognized[0]!.language).toBe('de');
    expect((await runRecognizer({ url: e.url, audio, candidates: ['en-US', 'de-DE'] })).recognized[0]!.language).toBe('de-DE');
    await e.close();
    const locale = await start({ detectLanguage: 'de', languageForm: 'locale' });
    expect((await runRecognizer({ url: locale.url, audio })).recognized[0]!.language).toBe('de-DE');
  });
});
