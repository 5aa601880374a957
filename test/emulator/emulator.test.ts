import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { parseWavHeader, startsWithRiff } from '../../src/common/wav.ts';
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

describe('Speech emulator with the real SDK', () => {
  it('answers an utterance in the v2 form by default: translation.response, audio, audio.end, speech per turn', async () => {
    const e = await start();
    expect(e.url.pathname).toBe('/stt/speech/universal/v2');
    const result = await runRecognizer({ url: e.url, voice: 'fr-FR-DeniseNeural' });
    const order = result.events.filter((ev, i, all) => all.indexOf(ev) === i);
    // Open range: no interim results. One synthesis completion, for the stream, at its end.
    expect(order).toEqual([
      'sessionStarted',
      'speechStartDetected',
      'recognized:TranslatedSpeech',
      'synthesizing:SynthesizingAudio',
      'speechEndDetected',
      'synthesizing:SynthesizingAudioCompleted',
      'canceled:EndOfStream:NoError',
      'sessionStopped',
    ]);
    const paths = new Set(result.paths);
    expect([...paths].filter((p) => p.startsWith('translation.'))).toEqual(['translation.response']);
    expect(paths.has('audio')).toBe(true);
    expect(paths.has('audio.end')).toBe(true);
    expect(paths.has('translation.synthesis')).toBe(false);
    const phrase = result.recognized[0]!;
    expect(phrase.translations.get('fr')).toMatch(/^\[fr\] utterance 1 \(\d\.\d s\)$/);
    expect(phrase.text).toMatch(/^\[en\] utterance 1/);
    expect(phrase.language).toBe('en');
    expect(phrase.duration / 1e7).toBeGreaterThan(3);
    // Every chunk is a WAV of its own by default.
    expect(result.synthesis.every((chunk) => startsWithRiff(chunk))).toBe(true);
    expect(result.stopError).toBeUndefined();
  });

  it('tells an observer the audio it received and each synthesized chunk as it leaves, with wall-clock times', async () => {
    const received: { samples: number; rate: number; at: number }[] = [];
    const sent: { utterance: number; samples: Int16Array; rate: number; at: number }[] = [];
    const before = Date.now();
    const e = await start({
      observer: {
        audio: (_connection, samples, rate, at) => received.push({ samples: samples.length, rate, at }),
        synthesis: (_connection, utterance, samples, rate, at) => sent.push({ utterance, samples, rate, at }),
      },
    });
    const audio = speech();
    const result = await runRecognizer({ url: e.url, voice: 'fr-FR-DeniseNeural', audio });
    // Every sample the SDK sent was seen (the SDK adds the trailing silence the helper asks for).
    expect(received.every((r) => r.rate === 16000 && r.at >= before)).toBe(true);
    expect(received.reduce((n, r) => n + r.samples, 0)).toBeGreaterThanOrEqual(audio.length);
    // The chunks told are the synthesized PCM the client got, utterance by utterance, in order.
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.map((c) => c.utterance)).toEqual([...sent.map((c) => c.utterance)].sort((a, b) => a - b));
    expect(new Set(sent.map((c) => c.utterance)).size).toBe(result.recognized.length);
    const toldBytes = sent.reduce((n, c) => n + c.samples.byteLength, 0);
    const gotPcmBytes = result.synthesis.reduce((n, chunk) => n + chunk.byteLength - (startsWithRiff(chunk) ? (parseWavHeader(chunk)?.dataOffset ?? 0) : 0), 0);
    expect(toldBytes).toBe(gotPcmBytes);
    expect(sent.every((c, i) => i === 0 || c.at >= (sent[i - 1]?.at ?? 0))).toBe(true);
  });

  it('speaks the older flat form on request, with the speech events around every phrase', async () => {
    const e = await start({ protocol: 'flat', speechEvents: 'per-phrase', synthesisCompletion: 'per-phrase', interimResults: true });
    const result = await runRecognizer({ url: e.url, voice: 'fr-FR-DeniseNeural' });
    const order = result.events.filter((ev, i, all) => all.indexOf(ev) === i);
    expect(order).toEqual([
      'sessionStarted',
      'speechStartDetected',
      'recognizing',
      'recognized:TranslatedSpeech',
      'synthesizing:SynthesizingAudio',
      'synthesizing:SynthesizingAudioCompleted',
      'speechEndDetected',
      'canceled:EndOfStream:NoError',
      'sessionStopped',
    ]);
    expect(new Set(result.paths.filter((p) => p.startsWith('translation.')))).toEqual(new Set(['translation.hypothesis', 'translation.phrase', 'translation.synthesis', 'translation.synthesis.end']));
    expect(result.paths).not.toContain('translation.response');
    expect(result.recognizing[0]!.translations.get('fr')).toMatch(/^\[fr\] utterance 1 \.\.\.$/);
  });

  it('records what each connection asked for', async () => {
    const e = await start();
    await runRecognizer({ url: e.url, key: 'k1', targets: ['fr', 'de'], voice: 'personal-voice', audio: speech().subarray(0, 16000) });
    await runRecognizer({ url: e.url, key: 'k2', targets: ['ja'], candidates: ['en-US', 'de-DE'], audio: speech().subarray(0, 16000) });
    expect(e.connections).toHaveLength(2);
    expect(e.connections[0]).toMatchObject({ path: '/stt/speech/universal/v2', key: 'k1', targetLanguages: ['fr', 'de'], voice: 'personal-voice', languageIdMode: 'DetectContinuous', sourceLanguages: ['UND'] });
    expect(e.connections[1]).toMatchObject({ key: 'k2', targetLanguages: ['ja'], sourceLanguages: ['en-US', 'de-DE'] });
    expect(e.connections[1]!.voice).toBeUndefined();
    for (let i = 0; i < 100 && e.openConnections() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(e.openConnections()).toBe(0);
  });

  it('translates into several languages, detects the scripted language, and synthesizes only with a voice', async () => {
    const e = await start({ detectLanguage: (u) => (u.index === 1 ? 'de' : 'en') });
    const result = await runRecognizer({ url: e.url, targets: ['fr', 'es'], audio: speech('speech-de.wav') });
    expect(result.recognized[0]!.translations.get('fr')).toMatch(/^\[fr\]/);
    expect(result.recognized[0]!.translations.get('es')).toMatch(/^\[es\]/);
    expect(result.recognized[0]!.language).toBe('de');
    expect(result.synthesis).toHaveLength(0);
  });

  it.each([
    ['header-first', 16000, 'v2'],
    ['wav-per-chunk', 24000, 'flat'],
  ] as const)('sends synthesized audio %s at %i Hz (%s), as long and as shaped as the utterance', async (layout, rate, protocol) => {
    const e = await start({ chunkLayout: layout, synthesisSampleRate: rate, protocol });
    const result = await runRecognizer({ url: e.url, voice: 'fr-FR-DeniseNeural' });
    expect(result.synthesis.length).toBeGreaterThan(3);
    const withHeader = result.synthesis.filter((chunk) => startsWithRiff(chunk));
    expect(withHeader).toHaveLength(layout === 'header-first' ? 1 : result.synthesis.length);
    expect(parseWavHeader(result.synthesis[0]!)?.sampleRate).toBe(rate);
    const pcmBytes = result.synthesis.reduce((n, c) => n + c.length - (startsWithRiff(c) ? 44 : 0), 0);
    const seconds = pcmBytes / 2 / rate;
    expect(seconds).toBeCloseTo(result.recognized[0]!.duration / 1e7, 0);
  });

  it('sends interim results with candidate languages, none with open range unless switched on', async () => {
    const e = await start();
    const openRange = await runRecognizer({ url: e.url });
    expect(openRange.recognizing).toHaveLength(0);
    expect(openRange.recognized).toHaveLength(1);
    const candidates = await runRecognizer({ url: e.url, candidates: ['en-US', 'de-DE'] });
    expect(candidates.recognizing.length).toBeGreaterThan(0);
    expect(candidates.recognizing[0]!.translations.get('fr')).toMatch(/^\[fr\] utterance 1 \.\.\.$/);
    await e.close();
    const on = await start({ interimResults: true });
    expect((await runRecognizer({ url: on.url })).recognizing.length).toBeGreaterThan(0);
    await on.close();
    const off = await start({ interimResults: false });
    expect((await runRecognizer({ url: off.url, candidates: ['en-US', 'de-DE'] })).recognizing).toHaveLength(0);
  });

  it('rejects a bad key with 401, which the SDK reports as a connection failure', async () => {
    const e = await start({ keys: ['right'] });
    const result = await runRecognizer({ url: e.url, key: 'wrong' });
    expect(result.canceled[0]).toMatchObject({ errorCode: sdk.CancellationErrorCode.ConnectionFailure });
    expect(result.canceled[0]!.errorDetails).toContain('401');
    expect(e.connections).toHaveLength(0);
  });

  it('throttles with 429 while the fault is set', async () => {
    const e = await start({ faults: { throttle: true } });
    const result = await runRecognizer({ url: e.url });
    expect(result.canceled[0]!.errorDetails).toContain('429');
  });

  it('drops the socket on demand; the SDK reconnects and the results continue', async () => {
    const e = await start({ faults: { dropAfterMs: 700 } });
    const result = await runRecognizer({ url: e.url, audio: speech('meeting.wav'), speed: 4 });
    expect(e.connections.length).toBeGreaterThan(1);
    expect(result.recognized.length).toBeGreaterThan(0);
  });

  it('sends one turn.start and one turn.end per turn, however many utterances it holds', async () => {
    const e = await start();
    const result = await runRecognizer({ url: e.url, voice: 'fr-FR-DeniseNeural', audio: speech('meeting.wav') });
    expect(result.recognized.length).toBeGreaterThan(1);
    expect(result.paths.filter((p) => p === 'turn.start')).toHaveLength(1);
    expect(result.paths.filter((p) => p === 'turn.end')).toHaveLength(1);
    expect(result.paths.at(-1)).toBe('turn.end');
    expect(result.events.filter((ev) => ev === 'sessionStopped')).toHaveLength(1);
  });

  it('with replyDelayMs, holds each answer that long after the one before it and changes nothing else', async () => {
    const plain = await runRecognizer({ url: (await start()).url, voice: 'fr-FR-DeniseNeural' });
    await emulator?.close();
    const delayMs = 120;
    const delayed = await runRecognizer({ url: (await start({ faults: { replyDelayMs: delayMs } })).url, voice: 'fr-FR-DeniseNeural' });
    expect(delayed.paths).toEqual(plain.paths);
    expect(delayed.recognized.map((r) => r.translations.get('fr'))).toEqual(plain.recognized.map((r) => r.translations.get('fr')));
    // Gaps seen by the client: a late first message (a busy client loop) can shorten the next gap,
    // so the median carries the bound; the emulator's timer never fires early and busyness only widens.
    const gaps = delayed.pathTimes.slice(1).map((t, i) => t - delayed.pathTimes[i]!).sort((a, b) => a - b);
    expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThanOrEqual(delayMs - 5);
  });

  it('never sends turn.end when told to: stop then times out instead of hanging', async () => {
    const e = await start({ faults: { neverSendTurnEnd: true } });
    const result = await runRecognizer({ url: e.url, stopTimeoutMs: 800, timeoutMs: 1500, audio: speech().subarray(0, 16000) });
    expect(result.events).not.toContain('sessionStopped');
    expect(result.stopError).toMatch(/timed out/i);
  });

  it('closes idle connections (code 1000) and connections older than a set duration', async () => {
    const idle = await start({ faults: { idleCloseMs: 300 } });
    await runRecognizer({ url: idle.url, audio: new Int16Array(16000 * 2), speed: 2, timeoutMs: 500 });
    expect(idle.connections[0]!.closeCode).toBe(1000);
    await idle.close();
    const old = await start({ faults: { maxConnectionMs: 400 } });
    await runRecognizer({ url: old.url, audio: speech(), speed: 4, timeoutMs: 2000 });
    expect(old.connections[0]!.closeCode).toBe(1000);
    expect(old.connections.length).toBeGreaterThan(1);
  });

  it('fails a phrase or only the synthesis on demand', async () => {
    const e = await start({ faults: { phraseError: true } });
    const failed = await runRecognizer({ url: e.url });
    expect(failed.canceled[0]).toMatchObject({ reason: sdk.CancellationReason.Error, errorCode: sdk.CancellationErrorCode.ServiceError });
    e.setFaults({ synthesisError: 'personal voice is not enabled for this resource' });
    const synthesis = await runRecognizer({ url: e.url, voice: 'personal-voice' });
    expect(synthesis.canceled.some((c) => c.errorDetails.includes('personal voice is not enabled'))).toBe(true);
    expect(synthesis.recognized).toHaveLength(1);
  });

  it('answers 404 to paths that are not the translation service', async () => {
    const e = await start();
    const status = await new Promise<number>((resolve) => {
      const socket = new WebSocket(new URL('/speech/recognition/conversation/cognitiveservices/v1?Ocp-Apim-Subscription-Key=k', e.url));
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => resolve(101));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});
