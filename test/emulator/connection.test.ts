/**
 * EmulatedConnection over a real socket, spoken to in raw USP frames (no Speech SDK): the answer
 * sequence of each behaviour option and fault, byte for byte where it matters.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { parseWavHeader, startsWithRiff, wavHeader } from '../../src/common/wav.ts';
import { synthesizeLike } from '../../src/emulator/synthesizer.ts';
import { startEmulator, type EmulatorOptions, type SpeechEmulator } from '../../src/emulator/index.ts';
import { Client, pcm, RATE } from './usp-client.ts';

/** A hang guard, not a speed limit: each test takes well under a second; a mutant that loses an answer fails here, not at Stryker's timeout. */
const HANG = { timeout: 10_000 };

let emulator: SpeechEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const LIVE_INTERPRETER = {
  languageId: { languages: ['UND'], mode: 'DetectAtAudioStart' },
  translation: { targetLanguages: ['fr'], onSuccess: { action: 'Synthesize' } },
  synthesis: { defaultVoices: { fr: 'fr-FR-DeniseNeural' } },
};
const CANDIDATES = { languageId: { languages: ['en-US', 'de-DE'], mode: 'DetectAtAudioStart' }, translation: { targetLanguages: ['fr'], onSuccess: { action: 'None' } } };

/** 0.2 s of silence, 1 s of speech, 3.5 s of silence: one utterance, then the turn's speech end. */
const ONE_UTTERANCE = [pcm(200, 0), pcm(1000, 3000), pcm(3500, 0)];
/** Two utterances 1 s apart. */
const TWO_UTTERANCES = [pcm(200, 0), pcm(1000, 3000), pcm(1000, 0), pcm(500, 3000), pcm(1000, 0)];

async function connect(options: EmulatorOptions = {}, query = '?to=fr'): Promise<Client> {
  emulator = await startEmulator({ port: 0, ...options });
  const socket = new WebSocket(`${emulator.url.href}${query}`, { headers: { 'Ocp-Apim-Subscription-Key': 'key' } });
  const client = new Client(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return client;
}

describe('EmulatedConnection: the default (the v2 service)', HANG, () => {
  it('answers Live Interpreter with turn.start, speech start, the v2 phrase, a WAV per 200 ms chunk, speech end, audio.end, turn.end', async () => {
    const c = await connect();
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.received.every((m) => m.requestId === 'R1')).toBe(true);
    const record = emulator!.connections[0]!;
    expect(c.of('turn.start')[0]!.body).toEqual({ context: { serviceTag: record.id } });
    expect(c.of('speech.startdetected')[0]!.body).toEqual({ Offset: 2_000_000 });
    expect(c.of('translation.response')[0]!.body).toEqual({
      SpeechPhrase: { RecognitionStatus: 'Success', Offset: 2_000_000, Duration: 10_000_000, DisplayText: '[en] utterance 1 (1.0 s)', PrimaryLanguage: { Language: 'en', Confidence: 'High' } },
      TranslationStatus: 'Success',
      Translations: [{ Language: 'fr', DisplayText: '[fr] utterance 1 (1.0 s)' }],
    });
    for (const chunk of c.of('audio')) {
      expect(startsWithRiff(chunk.binary!)).toBe(true);
      expect(parseWavHeader(chunk.binary!)).toMatchObject({ sampleRate: 16000, dataOffset: 44, dataLength: 6400 });
    }
    expect(c.of('speech.enddetected')[0]!.body).toEqual({ Offset: 12_000_000 });
    expect(c.of('audio.end')[0]!.body).toEqual({ Status: 'Success' });
    expect(c.of('turn.end')[0]!.body).toEqual({});
    expect(record).toMatchObject({ targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural', utterances: 1, turns: 1, audioBytes: 32000 * 4.7, phraseSilenceMs: 500 });
  });

  it('with candidate languages: interim results every 600 ms, the matching candidate locale as the language, no synthesis without a voice', async () => {
    const c = await connect();
    c.turn(CANDIDATES, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'translation.response', 'translation.response', 'speech.enddetected', 'turn.end']);
    const [first, second, phrase] = c.of('translation.response').map((m) => m.body);
    const hypothesis = (ms: number) => ({
      SpeechHypothesis: { Offset: 2_000_000, Duration: ms * 10_000, Text: '[en-US] utterance 1 ...', PrimaryLanguage: { Language: 'en-US', Confidence: 'High' } },
      TranslationStatus: 'Success',
      Translations: [{ Language: 'fr', Text: '[fr] utterance 1 ...' }],
    });
    expect(first).toEqual(hypothesis(600));
    expect(second).toEqual(hypothesis(1200));
    expect(phrase).toMatchObject({ SpeechPhrase: { DisplayText: '[en-US] utterance 1 (1.0 s)', PrimaryLanguage: { Language: 'en-US' } } });
  });

  it('keeps speech start and end around the turn: two utterances, one start, one end after 3 s of silence at the end of the last', async () => {
    const c = await connect();
    c.turn(LIVE_INTERPRETER, [...TWO_UTTERANCES, pcm(3000, 0)]);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'translation.response', 'audio×3', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.of('speech.enddetected')[0]!.body).toEqual({ Offset: 27_000_000 });
    expect(c.of('translation.response')[1]!.body).toMatchObject({ SpeechPhrase: { Offset: 22_000_000, Duration: 5_000_000, DisplayText: '[en] utterance 2 (0.5 s)' } });
  });

  it('ends speech at the end of audio when the silence was shorter than the turn silence, and answers a repeated end of audio once', async () => {
    const c = await connect();
    c.turn(LIVE_INTERPRETER, [pcm(200, 0), pcm(1000, 3000), pcm(600, 0)]);
    c.audio(new Uint8Array(0));
    c.text('speech.context', LIVE_INTERPRETER, 'R2');
    c.audio(wavHeader(RATE, 1, 0), 'R2');
    await c.until('turn.start', 2);
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.end', 'turn.start']);
    // At the end of audio: everything the turn received (1.8 s).
    expect(c.of('speech.enddetected')[0]!.body).toEqual({ Offset: 18_000_000 });
    expect(c.received.at(-1)!.requestId).toBe('R2');
    expect(emulator!.connections[0]!.turns).toBe(2);
  });
});

describe('EmulatedConnection: behaviour options', HANG, () => {
  it('flat paths, speech per phrase, completion per phrase, header first, interim results', async () => {
    const c = await connect({ protocol: 'flat', speechEvents: 'per-phrase', synthesisCompletion: 'per-phrase', chunkLayout: 'header-first', interimResults: true });
    c.turn(LIVE_INTERPRETER, TWO_UTTERANCES);
    await c.until('turn.end');
    const phrase = (hypotheses: string[], chunks: number) => ['speech.startdetected', ...hypotheses, 'translation.phrase', `translation.synthesis×${chunks}`, 'translation.synthesis.end', 'speech.enddetected'];
    const hypothesis = 'translation.hypothesis';
    expect(c.sequence()).toEqual(['turn.start', ...phrase([hypothesis, hypothesis], 5), ...phrase([hypothesis], 3), 'turn.end']);
    expect(c.of('speech.enddetected').map((m) => m.body)).toEqual([{ Offset: 12_000_000 }, { Offset: 27_000_000 }]);
    expect(c.of('speech.startdetected').map((m) => m.body)).toEqual([{ Offset: 2_000_000 }, { Offset: 22_000_000 }]);
    expect(c.of('translation.synthesis.end')[0]!.body).toEqual({ SynthesisStatus: 'Success' });
    const chunks = c.of('translation.synthesis').map((m) => m.binary!);
    expect(parseWavHeader(chunks[0]!)).toMatchObject({ dataOffset: 44, dataLength: 32000 });
    expect(chunks.slice(1, 5).every((chunk) => !startsWithRiff(chunk) && chunk.length === 6400)).toBe(true);
    expect(c.of('translation.phrase')[0]!.body).toMatchObject({ Text: '[en] utterance 1 (1.0 s)', Translation: { Translations: [{ Language: 'fr', Text: '[fr] utterance 1 (1.0 s)' }] } });
  });

  it('no interim results when turned off, even with candidates', async () => {
    const c = await connect({ interimResults: false });
    c.turn(CANDIDATES, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.of('translation.response')).toHaveLength(1);
  });

  it('reports the language as a locale with open range when asked (the first voice locale of the language)', async () => {
    const c = await connect({ languageForm: 'locale' });
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.of('translation.response')[0]!.body).toMatchObject({ SpeechPhrase: { PrimaryLanguage: { Language: 'en-US' } } });
  });

  it('reports a bare code with candidates when asked, and the detected language a function chose for the utterance', async () => {
    const seen: { index: number; durationMs: number; samples: number; sampleRate: number }[] = [];
    const c = await connect({
      languageForm: 'bare',
      interimResults: true,
      detectLanguage: (u) => {
        seen.push({ index: u.index, durationMs: u.durationMs, samples: u.samples.length, sampleRate: u.sampleRate });
        return 'de-DE';
      },
    });
    c.turn(CANDIDATES, ONE_UTTERANCE);
    await c.until('turn.end');
    const [hypothesis, , phrase] = c.of('translation.response').map((m) => m.body);
    // Interim results come before the utterance is known: the default language, in the bare form.
    expect(hypothesis).toMatchObject({ SpeechHypothesis: { Text: '[en] utterance 1 ...', PrimaryLanguage: { Language: 'en' } } });
    expect(phrase).toMatchObject({ SpeechPhrase: { DisplayText: '[de] utterance 1 (1.0 s)', PrimaryLanguage: { Language: 'de' } } });
    expect(seen).toEqual([{ index: 1, durationMs: 1000, samples: 16000, sampleRate: 16000 }]);
  });

  it('with candidates, reports a detected locale as it is, a bare code as the matching candidate, an unknown one as it is', async () => {
    const choices = ['de-AT', 'de', 'xx'];
    const c = await connect({ interimResults: false, detectLanguage: (u) => choices[u.index - 1]! });
    c.turn(CANDIDATES, [...TWO_UTTERANCES, pcm(500, 3000), pcm(1000, 0)]);
    await c.until('turn.end');
    const languages = c.of('translation.response').map((m) => (m.body as { SpeechPhrase: { PrimaryLanguage: { Language: string } } }).SpeechPhrase.PrimaryLanguage.Language);
    expect(languages).toEqual(['de-AT', 'de-DE', 'xx']);
  });

  it('without language id, reports the recognition language of the URL (`from`) for a bare detected code', async () => {
    const c = await connect({ detectLanguage: 'de' }, '?from=de-AT&to=fr');
    c.turn({ translation: { targetLanguages: ['fr'] } }, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.of('translation.response').at(-1)!.body).toMatchObject({ SpeechPhrase: { PrimaryLanguage: { Language: 'de-AT' } } });
  });

  it('takes the phrase silence from speech.context segmentation, and cuts at its forced timeout', async () => {
    const c = await connect();
    const context = { ...LIVE_INTERPRETER, phraseDetection: { conversation: { segmentation: { mode: 'Custom', segmentationSilenceTimeoutMs: 100, segmentationForcedTimeoutMs: 600 } } } };
    c.turn(context, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.of('translation.response').map((m) => (m.body as { SpeechPhrase: { Duration: number } }).SpeechPhrase.Duration)).toEqual([6_000_000, 4_000_000]);
    expect(emulator!.connections[0]!.phraseSilenceMs).toBe(100);
  });
});

describe('EmulatedConnection: faults', HANG, () => {
  it('phraseError: a phrase with RecognitionStatus Error and no synthesis', async () => {
    const c = await connect({ faults: { phraseError: true } });
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'speech.enddetected', 'turn.end']);
    expect(c.of('translation.response')[0]!.body).toEqual({ SpeechPhrase: { RecognitionStatus: 'Error', Offset: 2_000_000, Duration: 10_000_000 } });
  });

  it('synthesisError: the phrase, then audio.end with Status Error and the reason, no audio', async () => {
    const c = await connect({ faults: { synthesisError: 'voice unavailable' } });
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio.end', 'speech.enddetected', 'turn.end']);
    expect(c.of('audio.end')[0]!.body).toEqual({ Status: 'Error', FailureReason: 'voice unavailable' });
  });

  it('neverSendTurnEnd: the turn ends without turn.end (the next turn.start comes first)', async () => {
    const c = await connect({ faults: { neverSendTurnEnd: true } });
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    c.audio(wavHeader(RATE, 1, 0), 'R2');
    await c.until('turn.start', 2);
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.start']);
  });

  it('closes the socket (1007) on a binary frame it cannot parse', async () => {
    const c = await connect();
    c.socket.send(Buffer.from([0, 50, 1]));
    expect(await c.closed).toEqual({ code: 1007, reason: 'invalid payload' });
    await expect.poll(() => emulator!.connections[0]!.closeCode).toBe(1007);
  });

  it('closes an idle connection with 1000 idle timeout', async () => {
    const c = await connect({ faults: { idleCloseMs: 50 } });
    expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
  });

  it('does not close an idle-timed connection while someone speaks; closes it once the speech has ended', async () => {
    const c = await connect();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      emulator!.setFaults({ idleCloseMs: 1000 });
      c.text('speech.context', LIVE_INTERPRETER);
      c.audio(wavHeader(RATE, 1, 0));
      c.audio(pcm(500, 3000));
      await c.until('speech.startdetected');
      // The timer was armed when speech started; at its end speech goes on, so it is armed again.
      vi.advanceTimersByTime(1000);
      // Re-armed again (the earlier timer cleared) by the answer, 500 ms later.
      vi.advanceTimersByTime(500);
      c.audio(pcm(1000, 0));
      c.audio(new Uint8Array(0));
      await c.until('turn.end');
      expect(c.socket.readyState).toBe(WebSocket.OPEN);
      // Re-armed at the answer: 999 ms later still open, at 1000 ms closed.
      vi.advanceTimersByTime(999);
      c.text('speech.context', LIVE_INTERPRETER, 'R2');
      c.audio(wavHeader(RATE, 1, 0), 'R2');
      await c.until('turn.start', 2);
      vi.advanceTimersByTime(1);
      expect(await c.closed).toEqual({ code: 1000, reason: 'idle timeout' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes any connection after maxConnectionMs with 1000', async () => {
    const c = await connect({ faults: { maxConnectionMs: 50 } });
    expect(await c.closed).toEqual({ code: 1000, reason: 'maximum connection duration reached' });
  });
});

describe('EmulatedConnection: input, options and records', HANG, () => {
  it('reads the stream rate from a RIFF header sent with PCM, and keeps the last request id for frames without one', async () => {
    const c = await connect();
    c.text('speech.context', LIVE_INTERPRETER, 'R1');
    c.audio(Buffer.concat([wavHeader(8000, 1, 0), pcm(200, 0, 8000)]), 'R1');
    c.audio(Buffer.concat([pcm(1000, 3000, 8000), pcm(3500, 0, 8000)]), '');
    c.audio(new Uint8Array(0), '');
    await c.until('turn.end');
    expect(c.received.every((m) => m.requestId === 'R1')).toBe(true);
    expect(c.of('speech.startdetected')[0]!.body).toEqual({ Offset: 2_000_000 });
    expect(c.of('translation.response')[0]!.body).toMatchObject({ SpeechPhrase: { Offset: 2_000_000, Duration: 10_000_000, DisplayText: '[en] utterance 1 (1.0 s)' } });
    expect(emulator!.connections[0]!.audioBytes).toBe(16000 * 4.7);
  });

  it('without speech.context or request ids: ignores an end of audio before any audio, answers without synthesis and with an empty request id', async () => {
    const c = await connect({}, '?to=fr&voice=fr-FR-DeniseNeural');
    c.socket.send('Path: speech.config\r\nContent-Type: application/json\r\n\r\n{"context":{}}');
    c.audio(new Uint8Array(0), '');
    c.audio(wavHeader(RATE, 1, 0), '');
    for (const chunk of ONE_UTTERANCE) c.audio(chunk, '');
    c.socket.send('Path: telemetry\r\n\r\n{"Metrics":[]}');
    c.audio(new Uint8Array(0), '');
    await c.until('turn.end');
    // No language id is not open range: interim results (two), then the phrase; no audio.
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'translation.response', 'translation.response', 'speech.enddetected', 'turn.end']);
    expect(c.received.every((m) => m.requestId === '')).toBe(true);
  });

  it('takes PCM without a RIFF header at 16 kHz, and an incomplete RIFF header as no audio', async () => {
    const c = await connect();
    c.text('speech.context', LIVE_INTERPRETER);
    c.audio(Buffer.from('RIFF\0\0', 'ascii'));
    for (const chunk of ONE_UTTERANCE) c.audio(chunk);
    c.audio(new Uint8Array(0));
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.of('translation.response')[0]!.body).toMatchObject({ SpeechPhrase: { Offset: 2_000_000, Duration: 10_000_000 } });
    expect(emulator!.connections[0]!.audioBytes).toBe(32000 * 4.7);
  });

  it('a language update event sets the targets and turns synthesis on with its voice; other events change nothing', async () => {
    const c = await connect();
    c.text('speech.context', { languageId: { languages: ['UND'] }, translation: { targetLanguages: ['fr'] } });
    c.text('event', { id: 'translation', name: 'updateLanguage', to: ['fr', 'de'], synthesis: { defaultVoices: { fr: 'personal-voice' } } });
    c.text('event', { id: 'telemetry', name: 'x' });
    c.audio(wavHeader(RATE, 1, 0));
    for (const chunk of ONE_UTTERANCE) c.audio(chunk);
    c.audio(new Uint8Array(0));
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.of('translation.response')[0]!.body).toMatchObject({
      Translations: [
        { Language: 'fr', DisplayText: '[fr] utterance 1 (1.0 s)' },
        { Language: 'de', DisplayText: '[de] utterance 1 (1.0 s)' },
      ],
    });
    expect(emulator!.connections[0]).toMatchObject({ languageUpdates: 1, voice: 'personal-voice', targetLanguages: ['fr', 'de'] });
  });

  it('synthesizes at synthesisSampleRate in synthesisChunkMs chunks, shaped like the speech, and tells the observer each chunk and the audio received', async () => {
    const chunks: { utterance: number; samples: number[]; rate: number }[] = [];
    const audio: { samples: number; rate: number }[] = [];
    const c = await connect({
      synthesisSampleRate: 24000,
      synthesisChunkMs: 100,
      observer: {
        audio: (id, samples, rate) => audio.push({ samples: id === emulator!.connections[0]!.id ? samples.length : -1, rate }),
        synthesis: (_id, utterance, samples, rate) => chunks.push({ utterance, samples: [...samples], rate }),
      },
    });
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await c.until('turn.end');
    const expected = synthesizeLike(new Float32Array(100).fill(3000), 3000, 24000);
    const sent = c.of('audio').map((m) => m.binary!);
    expect(sent).toHaveLength(10);
    expect(Buffer.concat(sent.map((chunk) => chunk.subarray(44)))).toEqual(Buffer.from(expected.buffer));
    expect(parseWavHeader(sent[0]!)).toMatchObject({ sampleRate: 24000, dataLength: 4800 });
    expect(chunks.map((chunk) => [chunk.utterance, chunk.rate])).toEqual(Array.from({ length: 10 }, () => [1, 24000]));
    expect(chunks.flatMap((chunk) => chunk.samples)).toEqual([...expected]);
    expect(audio).toEqual(ONE_UTTERANCE.map((chunk) => ({ samples: chunk.length / 2, rate: 16000 })));
  });

  it('takes the speech threshold and the default phrase silence from the options', async () => {
    const quiet = await connect({ speechThreshold: 3001, endSilenceMs: 200, observer: {} });
    quiet.turn(LIVE_INTERPRETER, ONE_UTTERANCE);
    await quiet.until('turn.end');
    expect(quiet.sequence()).toEqual(['turn.start', 'turn.end']);
    expect(emulator!.connections[0]!.phraseSilenceMs).toBe(200);
  });

  it('ends speech between utterances after turnEndSilenceMs of silence', async () => {
    const c = await connect({ turnEndSilenceMs: 1000 });
    c.turn(LIVE_INTERPRETER, [...TWO_UTTERANCES, pcm(1000, 0)]);
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'speech.startdetected', 'translation.response', 'audio×3', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.of('speech.enddetected').map((m) => m.body)).toEqual([{ Offset: 12_000_000 }, { Offset: 27_000_000 }]);
  });

  it('logs the terminology a speech.context carries, a bad frame, and the close, under the connection id', async () => {
    const lines: string[] = [];
    const c = await connect({ log: (line) => lines.push(line) }, '?X-ConnectionId=abcdef0123456789&to=fr');
    c.text('speech.context', {});
    c.text('speech.context', { dgi: { groups: [{ items: [{ text: 'Northwind' }] }] } });
    c.text('speech.context', { dgi: { groups: [{ items: [{ text: 'Contoso' }, { text: 'Fabrikam' }] }], bias: 1 }, translation: { category: 'cat-1' }, phraseDetection: { conversation: { segmentation: { mode: 'Custom', segmentationSilenceTimeoutMs: 300 } } } });
    c.text('speech.context', { phraseDetection: { dictation: { segmentation: { segmentationForcedTimeoutMs: 9000 } } } });
    c.socket.send('Path: speech.context\r\nX-RequestId: R1\r\n\r\nnot json');
    expect(await c.closed).toMatchObject({ code: 1007 });
    await expect.poll(() => lines.at(-1)).toBe('[abcdef01] closed (1007)');
    expect(lines[0]).toBe('connection abcdef01 /stt/speech/universal/v2 to=fr voice=-');
    // Nothing for a context without terminology; what the record holds after each other one.
    expect(lines.slice(1, 4)).toEqual([
      '[abcdef01] speech.context phrases=1 weight=- (recorded, not used)',
      '[abcdef01] speech.context phrases=2 weight=1 (recorded, not used) category=cat-1 segmentation=Custom silence=300 max=-',
      '[abcdef01] speech.context category=cat-1 segmentation=- silence=- max=9000',
    ]);
    expect(lines[4]).toMatch(/^\[abcdef01\] bad frame: .*JSON/);
    expect(lines).toHaveLength(6);
    expect(emulator!.connections[0]!.closedAt).toBeTypeOf('number');
  });

  it('a new speech.context opens a new turn, with a new speech start, even in the middle of speech', async () => {
    const c = await connect();
    c.text('speech.context', LIVE_INTERPRETER);
    c.audio(wavHeader(RATE, 1, 0));
    c.audio(pcm(200, 0));
    c.audio(pcm(300, 3000));
    c.turn(LIVE_INTERPRETER, ONE_UTTERANCE, 'R2');
    await c.until('turn.end');
    expect(c.sequence()).toEqual(['turn.start', 'speech.startdetected', 'turn.start', 'speech.startdetected', 'translation.response', 'audio×5', 'speech.enddetected', 'audio.end', 'turn.end']);
    expect(c.received.slice(2).every((m) => m.requestId === 'R2')).toBe(true);
    expect(c.of('translation.response')[0]!.body).toMatchObject({ SpeechPhrase: { Offset: 2_000_000, DisplayText: '[en] utterance 1 (1.0 s)' } });
  });

  it('drops the connection without a close frame after dropAfterMs', async () => {
    const c = await connect({ faults: { dropAfterMs: 20 } });
    expect((await c.closed).code).toBe(1006);
  });
});
