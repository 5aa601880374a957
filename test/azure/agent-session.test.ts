/**
 * The model inside a real voice.AgentSession (no room): translated audio and text must reach the
 * session's outputs exactly as they would reach a room's track and transcription stream.
 */
import type { ReadableStream } from 'node:stream/web';
import { voice } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, concat, fixture, modelFor, peak, silence, until } from './harness.ts';
import { AudioFrame as Frame } from '@livekit/rtc-node';

class CollectingAudioOutput extends voice.AudioOutput {
  frames: AudioFrame[] = [];
  constructor() {
    super(24000);
  }
  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    if (this.frames.length === 0) this.onPlaybackStarted(Date.now());
    this.frames.push(frame);
  }
  override flush(): void {
    super.flush();
    this.onPlaybackFinished({ playbackPosition: this.frames.length * 0.02, interrupted: false });
  }
  clearBuffer(): void {
    this.onPlaybackFinished({ playbackPosition: 0, interrupted: true });
  }
}

// TextOutput is not exported by agents 1.9; ParalellTextOutput with no sinks is one.
class CollectingTextOutput extends voice.ParalellTextOutput {
  text = '';
  flushes = 0;
  constructor() {
    super([]);
  }
  override async captureText(text: string | voice.TimedString): Promise<void> {
    this.text += typeof text === 'string' ? text : text.text;
  }
  override flush(): void {
    this.flushes++;
  }
}

/** Feeds frames to the session, 10 ms at a time, then stays open (a live microphone would). */
class FeedingAudioInput extends voice.AudioInput {
  feed(samples: Int16Array): void {
    const stream = new globalThis.ReadableStream<AudioFrame>({
      start(controller) {
        for (let i = 0; i < samples.length; i += 240) {
          const part = samples.slice(i, i + 240);
          controller.enqueue(new Frame(part, 24000, 1, part.length));
        }
        controller.close();
      },
    });
    this.multiStream.addInputStream(stream as unknown as ReadableStream<AudioFrame>);
  }
}

function upsample16to24(samples: Int16Array): Int16Array {
  const out = new Int16Array(Math.floor((samples.length * 3) / 2));
  for (let i = 0; i < out.length; i++) out[i] = samples[Math.floor((i * 2) / 3)] ?? 0;
  return out;
}

describe('LiveInterpreterModel in a voice.AgentSession', () => {
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, keys: [TEST_KEY], detectLanguage: 'en' });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('plays the translation on the audio output and writes it to the transcription output', async () => {
    // The session's audio output runs at 24 kHz: the plugin resamples to it when asked.
    const model = modelFor(emulator.url, { sampleRate: 24000 });
    const session = new voice.AgentSession({
      llm: model,
      vad: null,
      turnHandling: { turnDetection: 'realtime_llm' },
      aecWarmupDuration: null,
    });
    const audio = new CollectingAudioOutput();
    const text = new CollectingTextOutput();
    const input = new FeedingAudioInput();
    session.output.audio = audio;
    session.output.transcription = text;
    session.input.audio = input;
    const userTranscripts: string[] = [];
    session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
      if (ev.isFinal) userTranscripts.push(ev.transcript);
    });
    const errors: unknown[] = [];
    session.on(voice.AgentSessionEventTypes.Error, (ev) => errors.push(ev.error));
    const assistantItems: string[] = [];
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      if (ev.item.type === 'message' && ev.item.role === 'assistant') assistantItems.push(ev.item.textContent ?? '');
    });
    await session.start({ agent: new voice.Agent({ instructions: '' }) });
    try {
      // A live microphone goes on sending silence: the emulator (like the service) then says speech has ended.
      input.feed(upsample16to24(concat(fixture('speech-en.wav'), silence(4000))));
      await until('the translated message in the chat context', () => assistantItems.length > 0, 25_000);
      expect(userTranscripts.length).toBeGreaterThan(0);
      expect(audio.frames.length).toBeGreaterThan(10);
      expect(audio.frames.every((f) => f.sampleRate === 24000)).toBe(true);
      expect(peak(audio.frames)).toBeGreaterThan(1000);
      expect(text.text.length).toBeGreaterThan(0);
      expect(assistantItems[0]).toBe(text.text);
      expect(errors).toEqual([]);
    } finally {
      await session.close();
    }
  });
});
