/**
 * One short plugin session, as the agent would open it, to see what the Speech service says: a
 * rejected key or a throttled resource fails the connection (the plugin's error names it), a
 * voice the resource may not use fails its synthesis. It goes through `LiveInterpreterModel`
 * against the configured endpoint, so the local emulator (and its fault modes) can stand in.
 */
import type { llm } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import type { LiveInterpreterOptions } from '../../azure/index.ts';

export interface ProbeAudio {
  samples: Int16Array;
  sampleRate: number;
}

export interface ProbeOutcome {
  /** A failure that ended the session (connection refused, key rejected, throttled). */
  fatal?: string;
  /** Recoverable errors, e.g. a synthesis the service refused. */
  errors: string[];
  finalTranslations: number;
  synthesizedMs: number;
}

/**
 * 1 s of a 220 Hz tone with harmonics, then 1 s of silence: loud enough to count as speech for
 * the emulator; the real service recognizes nothing in it, which costs a second of audio and
 * proves only that the session opened (a recording with `--speech` goes further).
 */
export function probeTone(sampleRate = 16_000): ProbeAudio {
  const samples = new Int16Array(sampleRate * 2);
  for (let i = 0; i < sampleRate; i++) {
    const t = i / sampleRate;
    samples[i] = Math.round(6000 * (Math.sin(2 * Math.PI * 220 * t) + 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.25 * Math.sin(2 * Math.PI * 660 * t)));
  }
  return { samples, sampleRate };
}

export async function probeSession(options: LiveInterpreterOptions, audio: ProbeAudio, timeoutMs: number): Promise<ProbeOutcome> {
  const { LiveInterpreterModel } = await import('../../azure/index.ts');
  // No retries: the check wants the service's first answer, not a back-off.
  const model = new LiveInterpreterModel({ ...options, reconnect: { maxAttempts: 0 } });
  const session = model.session();
  const outcome: ProbeOutcome = { errors: [], finalTranslations: 0, synthesizedMs: 0 };
  const collecting: Promise<void>[] = [];
  session.on('error', (event: llm.RealtimeModelError) => {
    const message = event.error instanceof Error ? event.error.message : String(event.error);
    if (event.recoverable) outcome.errors.push(message);
    else outcome.fatal ??= message;
  });
  session.on('translation', (event) => {
    if (event.isFinal) outcome.finalTranslations += 1;
  });
  session.on('generation_created', (event: llm.GenerationCreatedEvent) => {
    collecting.push(
      (async () => {
        void event.functionStream.cancel().catch(() => undefined);
        for await (const message of event.messageStream) {
          void message.textStream.cancel().catch(() => undefined);
          for await (const frame of message.audioStream) outcome.synthesizedMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
        }
      })().catch(() => undefined),
    );
  });

  const chunk = Math.round(audio.sampleRate / 10);
  for (let i = 0; i < audio.samples.length; i += chunk) {
    const data = audio.samples.slice(i, i + chunk);
    session.pushAudio(new AudioFrame(data, audio.sampleRate, 1, data.length));
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const finished = await Promise.race([session.finishInput().then(() => 'done' as const), deadline]);
    if (finished === 'timeout') outcome.fatal ??= `the service did not finish a ${(audio.samples.length / audio.sampleRate).toFixed(1)} s recording within ${timeoutMs / 1000} s`;
    // Synthesized audio of the last utterance may still be arriving.
    await Promise.race([Promise.all(collecting), deadline]);
  } finally {
    clearTimeout(timer);
    await session.close().catch(() => undefined);
    await model.close().catch(() => undefined);
  }
  return outcome;
}
