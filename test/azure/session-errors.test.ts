/**
 * Errors that must not end a session, and one that must end it at once: a bad input frame and a
 * listener that throws are reported and the session goes on; a `bad_request` close (WebSocket 1007,
 * what the service sends for parameters it refuses) is never retried.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AudioFrame } from '@livekit/rtc-node';
import { WebSocketServer } from 'ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, concat, fixture, modelFor, pushSpeech, record, silence, until } from './harness.ts';

const english = concat(fixture('speech-en.wav'), silence(1500));

async function emulator() {
  const started = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en' });
  onTestFinished(() => started.close());
  return started;
}

describe('session errors', () => {
  it('reports an unusable input frame as a recoverable error and still translates the audio after it', async () => {
    const service = await emulator();
    const session = modelFor(service.url).session();
    onTestFinished(() => session.close());
    const rec = record(session);
    // A rate of 0 Hz cannot be resampled: the frame is refused, not the session.
    session.pushAudio(new AudioFrame(new Int16Array(160), 0, 1, 160));
    expect(rec.errors).toHaveLength(1);
    expect(rec.errors[0]).toMatchObject({ recoverable: true });
    expect(rec.errors[0]?.error.message).toMatch(/cannot use input frame \(0 Hz, 1 ch\)/);
    expect(session.stats.pushedAudioMs).toBe(0);
    pushSpeech(session, english);
    await until('the final transcript', () => rec.transcripts.some((t) => t.isFinal));
    expect(rec.errors).toHaveLength(1);
  });

  it('reports a listener that throws as a recoverable error (the handlerError path) and keeps delivering results', async () => {
    const service = await emulator();
    const session = modelFor(service.url).session();
    onTestFinished(() => session.close());
    const rec = record(session);
    let thrown = 0;
    session.on('translation', () => {
      thrown++;
      throw new Error('a listener broke');
    });
    pushSpeech(session, concat(english, english));
    await until('both utterances transcribed', () => rec.transcripts.filter((t) => t.isFinal).length >= 2);
    expect(thrown).toBeGreaterThan(1);
    expect(rec.errors.length).toBeGreaterThan(0);
    expect(rec.errors.every((e) => e.recoverable && /a listener broke/.test(e.error.message))).toBe(true);
    expect(session.stats.recognizerRestarts).toBe(0);
  });

  it('gives up at once on a bad_request close (WebSocket 1007): one fatal error, one connection, no retry', async () => {
    let connections = 0;
    const http: Server = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => {
      connections++;
      // What the service does with a parameter it refuses: once it has read the configuration, close 1007 with the reason.
      socket.once('message', () => socket.close(1007, 'Invalid parameter: speech.context'));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      await new Promise((resolve) => http.close(resolve));
    });
    const url = new URL(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const session = modelFor(url, { reconnect: { maxAttempts: 8, initialDelayMs: 10, maxDelayMs: 20 } }).session();
    onTestFinished(() => session.close());
    const rec = record(session);
    pushSpeech(session, english);
    await until('the fatal error', () => rec.errors.some((e) => !e.recoverable));
    expect(rec.errors.map((e) => e.recoverable)).toEqual([false]);
    expect(rec.errors[0]?.error.message).toMatch(/refused the request \(bad parameters\).*Invalid parameter: speech\.context/);
    expect(rec.errors[0]?.error.message).not.toMatch(/reconnect attempts/);
    // A failed session takes no more audio (one that would reconnect keeps it to replay).
    const pushed = session.stats.pushedAudioMs;
    pushSpeech(session, english);
    expect(session.stats.pushedAudioMs).toBe(pushed);
    expect(session.stats.recognizerRestarts).toBe(0);
    expect(connections).toBe(1);
  });
});
