/**
 * One client connection: reads what the SDK asks for (`speech.config`, `speech.context`, `event`),
 * takes its audio turn by turn, and answers in the sequence the SDK expects (notes §3.4):
 * `turn.start`; speech start; per phrase its result (and interims while it is spoken), then its
 * synthesized audio; speech end; the synthesis completion; `turn.end` after the client's empty
 * audio message. Which words and when is `behaviour.ts`'s business.
 */
import type { WebSocket } from 'ws';
import { findTargetLanguage } from '../common/azure-languages.ts';
import { parseLocale, primaryLanguage } from '../common/locale.ts';
import { parseWavHeader, startsWithRiff } from '../common/wav.ts';
import { hypothesisMessage, phraseErrorMessage, phraseMessage, resolveBehaviour, synthesisEndMessage, synthesisPath, type Behaviour, type ResultFields } from './behaviour.ts';
import { applyEvent, applySpeechContext, isOpenRange } from './context.ts';
import { UtteranceDetector, type DetectedUtterance } from './detector.ts';
import { binaryFrame, parseBinaryFrame, parseTextFrame, textFrame, type ClientMessage } from './protocol.ts';
import { synthesisChunkSamples, synthesisChunks, synthesizeLike } from './synthesizer.ts';
import type { ConnectionRecord, EmulatorFaults, EmulatorOptions } from './types.ts';

const TICKS_PER_SECOND = 10_000_000;
/** Interim results while someone speaks, about this often. */
const HYPOTHESIS_EVERY_MS = 600;

export class EmulatedConnection {
  private requestId = '';
  private sampleRate = 16000;
  private detector: UtteranceDetector | undefined;
  private turnStarted = false;
  private synthesize = false;
  /** Speech start was reported and its end not yet (per-turn speech events). */
  private inSpeech = false;
  /** Synthesized audio was sent since the last completion (per-stream completion). */
  private synthesisOpen = false;
  private lastHypothesisAt = 0;
  private outbox: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly behaviour: Behaviour;

  constructor(
    private readonly socket: WebSocket,
    readonly record: ConnectionRecord,
    private readonly options: EmulatorOptions,
    private readonly faults: () => EmulatorFaults,
  ) {
    this.behaviour = resolveBehaviour(options);
    const { dropAfterMs, maxConnectionMs } = faults();
    if (dropAfterMs !== undefined) this.after(dropAfterMs, () => socket.terminate());
    if (maxConnectionMs !== undefined) this.after(maxConnectionMs, () => socket.close(1000, 'maximum connection duration reached'));
    this.armIdleClose();
    socket.on('message', (data, isBinary) => {
      try {
        if (isBinary) this.onMessage(parseBinaryFrame(toBytes(data)));
        else this.onMessage(parseTextFrame(data.toString()));
      } catch (error) {
        this.log(`bad frame: ${error instanceof Error ? error.message : String(error)}`);
        socket.close(1007, 'invalid payload');
      }
    });
    socket.on('close', (code) => this.onClose(code));
  }

  private log(line: string): void {
    this.options.log?.(`[${this.record.id.slice(0, 8)}] ${line}`);
  }

  private onMessage(message: ClientMessage): void {
    if (message.requestId) this.requestId = message.requestId;
    switch (message.path) {
      case 'speech.context':
        this.synthesize = applySpeechContext(message.text ?? '', this.record);
        this.logTerminology();
        // A new speech.context opens a new turn: its audio starts with a fresh RIFF header.
        this.turnStarted = false;
        this.detector = undefined;
        return;
      case 'event': {
        const synthesize = applyEvent(message.text ?? '', this.record);
        if (synthesize !== undefined) this.synthesize = synthesize;
        return;
      }
      case 'audio':
        this.onAudio(message.binary ?? new Uint8Array(0));
        return;
      // speech.config and telemetry need no answer.
      default:
        return;
    }
  }

  private onAudio(body: Uint8Array): void {
    if (body.length === 0) {
      this.endOfAudio();
      return;
    }
    if (startsWithRiff(body)) {
      const header = parseWavHeader(body);
      if (header) this.sampleRate = header.sampleRate;
      this.detector = this.newDetector();
      this.startTurn();
      body = header ? body.subarray(header.dataOffset) : new Uint8Array(0);
      if (body.length === 0) return;
    }
    this.detector ??= this.newDetector();
    this.startTurn();
    this.record.audioBytes += body.length;
    const samples = new Int16Array(body.byteLength >> 1);
    new Uint8Array(samples.buffer).set(body.subarray(0, samples.byteLength));
    this.options.observer?.audio?.(this.record.id, samples, this.sampleRate, Date.now());
    this.detector.feed(samples);
  }

  private startTurn(): void {
    if (this.turnStarted) return;
    this.turnStarted = true;
    this.inSpeech = false;
    this.record.turns++;
    this.send('turn.start', { context: { serviceTag: this.record.id } });
  }

  private newDetector(): UtteranceDetector {
    const turnEndSamples = (this.behaviour.turnEndSilenceMs / 1000) * this.sampleRate;
    const { endSilenceMs, maxUtteranceMs } = this.phraseTiming();
    return new UtteranceDetector(
      { sampleRate: this.sampleRate, threshold: this.options.speechThreshold ?? 500, endSilenceMs, ...(maxUtteranceMs ? { maxUtteranceMs } : {}) },
      {
        speechStart: (start) => {
          this.armIdleClose();
          this.lastHypothesisAt = 0;
          this.speechStarted(start);
        },
        speechProgress: (start, length) => {
          const ms = (length / this.sampleRate) * 1000;
          if (!this.interimResults() || ms - this.lastHypothesisAt < HYPOTHESIS_EVERY_MS) return;
          this.lastHypothesisAt = ms;
          this.sendMessage(hypothesisMessage(this.behaviour.protocol, this.result(start, length, this.record.utterances + 1, this.detected(), false)));
        },
        utterance: (utterance) => this.answer(utterance),
        quiet: (quietSamples, lastEnd) => {
          if (this.behaviour.speechEvents === 'per-turn' && this.inSpeech && quietSamples >= turnEndSamples) this.speechEnded(lastEnd ?? 0);
        },
      },
    );
  }

  private logTerminology(): void {
    const { phrases, phraseWeight, translationCategory, segmentation } = this.record;
    const parts = [
      phrases ? `phrases=${phrases.length} weight=${phraseWeight ?? '-'} (recorded, not used)` : '',
      translationCategory ? `category=${translationCategory}` : '',
      segmentation ? `segmentation=${segmentation.mode ?? '-'} silence=${segmentation.segmentationSilenceTimeoutMs ?? '-'} max=${segmentation.segmentationForcedTimeoutMs ?? '-'}` : '',
    ].filter(Boolean);
    if (parts.length > 0) this.log(`speech.context ${parts.join(' ')}`);
  }

  /**
   * The silence that ends a phrase: what the client's `speech.context` asks for
   * (`segmentationSilenceTimeoutMs`), else the service default, "500 a typical default" in a range of
   * 100 to 5000 ms (how-to-recognize-speech, C# include, "Change how silence is handled"). The
   * Semantic strategy ends phrases at sentence ends; the emulator understands no speech, so there it
   * keeps the default silence. A requested maximum (`segmentationForcedTimeoutMs`) cuts longer speech.
   */
  private phraseTiming(): { endSilenceMs: number; maxUtteranceMs: number | undefined } {
    const requested = this.record.segmentation;
    const endSilenceMs = requested?.segmentationSilenceTimeoutMs ?? this.options.endSilenceMs ?? 500;
    this.record.phraseSilenceMs = endSilenceMs;
    return { endSilenceMs, maxUtteranceMs: requested?.segmentationForcedTimeoutMs };
  }

  private speechStarted(start: number): void {
    if (this.inSpeech) return;
    this.inSpeech = true;
    this.send('speech.startDetected', { Offset: this.ticks(start) });
  }

  private speechEnded(end: number): void {
    if (!this.inSpeech) return;
    this.inSpeech = false;
    // Never an empty body: the SDK would parse "{ Offset: 0 }", which is not JSON, and stop reading (notes 3.1).
    this.send('speech.endDetected', { Offset: this.ticks(end) });
  }

  private interimResults(): boolean {
    return this.behaviour.interimResults ?? !isOpenRange(this.record);
  }

  /** The detected language in the form the service would report it (see Behaviour.languageForm). */
  private detected(utterance?: DetectedUtterance, index?: number): string {
    const choice = this.options.detectLanguage ?? 'en';
    let language = 'en';
    if (typeof choice === 'string') language = choice;
    else if (utterance && index !== undefined) {
      language = choice({ connection: this.record, index, durationMs: (utterance.samples.length / this.sampleRate) * 1000, samples: utterance.samples, sampleRate: this.sampleRate });
    }
    const form = this.behaviour.languageForm;
    const openRange = isOpenRange(this.record);
    if (form === 'bare' || (form === 'auto' && openRange)) return primaryLanguage(language);
    if (parseLocale(language)?.region) return language;
    // With candidates, the one that matched; without language id, the recognition language (`from`).
    const candidates = openRange ? [] : [...this.record.sourceLanguages, this.record.query.from ?? ''];
    const candidate = candidates.find((l) => parseLocale(l)?.region && primaryLanguage(l) === primaryLanguage(language));
    return candidate ?? findTargetLanguage(language)?.voiceLocales[0] ?? language;
  }

  private answer(utterance: DetectedUtterance): void {
    const index = ++this.record.utterances;
    const length = utterance.endSample - utterance.startSample;
    const language = this.detected(utterance, index);
    const faults = this.faults();
    const protocol = this.behaviour.protocol;
    const perPhrase = this.behaviour.speechEvents === 'per-phrase';
    if (perPhrase) this.speechStarted(utterance.startSample);
    if (faults.phraseError) {
      this.sendMessage(phraseErrorMessage(protocol, this.ticks(utterance.startSample), this.ticks(length)));
      return;
    }
    this.sendMessage(phraseMessage(protocol, this.result(utterance.startSample, length, index, language, true)));
    if (this.synthesize) {
      if (faults.synthesisError) {
        this.sendMessage(synthesisEndMessage(protocol, faults.synthesisError));
      } else {
        let peak = 0;
        for (const s of utterance.samples) peak = Math.max(peak, Math.abs(s));
        const rate = this.options.synthesisSampleRate ?? 16000;
        const pcm = synthesizeLike(utterance.envelope, peak, rate);
        const chunkMs = this.options.synthesisChunkMs ?? 200;
        const chunkSamples = synthesisChunkSamples(rate, chunkMs);
        const observer = this.options.observer?.synthesis;
        synthesisChunks(pcm, rate, chunkMs, this.behaviour.chunkLayout).forEach((chunk, n) => {
          const sent = observer ? () => observer(this.record.id, index, pcm.subarray(n * chunkSamples, (n + 1) * chunkSamples), rate, Date.now()) : undefined;
          this.sendBinary(synthesisPath(protocol), chunk, sent);
        });
        this.synthesisOpen = true;
        if (this.behaviour.synthesisCompletion === 'per-phrase') this.completeSynthesis();
      }
    }
    if (perPhrase) this.speechEnded(utterance.endSample);
    this.armIdleClose();
  }

  private completeSynthesis(): void {
    if (!this.synthesisOpen) return;
    this.synthesisOpen = false;
    this.sendMessage(synthesisEndMessage(this.behaviour.protocol));
  }

  /** Deterministic text per target language: `[fr] utterance 2 (1.8 s)`. */
  private result(start: number, length: number, index: number, language: string, final: boolean): ResultFields {
    const seconds = (length / this.sampleRate).toFixed(1);
    const text = (code: string) => (final ? `[${code}] utterance ${index} (${seconds} s)` : `[${code}] utterance ${index} ...`);
    return {
      offset: this.ticks(start),
      duration: this.ticks(length),
      text: text(language),
      language,
      translations: this.record.targetLanguages.map((code) => ({ language: code, text: text(code) })),
    };
  }

  private endOfAudio(): void {
    // The SDK sends the empty message on push.close() and again on stop(): answer a turn once.
    if (!this.turnStarted) return;
    this.detector?.flush();
    this.speechEnded(this.detector?.samplesSeen ?? 0);
    this.completeSynthesis();
    this.turnStarted = false;
    this.detector = undefined;
    if (!this.faults().neverSendTurnEnd) this.send('turn.end', {});
  }

  private ticks(samples: number): number {
    return Math.round((samples / this.sampleRate) * TICKS_PER_SECOND);
  }

  private sendMessage(message: { path: string; body: unknown }): void {
    this.send(message.path, message.body);
  }

  private send(path: string, body: unknown): void {
    const frame = textFrame(path, this.requestId, body);
    this.enqueue(() => this.socket.send(frame));
  }

  private sendBinary(path: string, payload: Uint8Array, sent?: () => void): void {
    const frame = binaryFrame(path, this.requestId, payload);
    this.enqueue(() => {
      this.socket.send(frame);
      sent?.();
    });
  }

  /** Answers leave in order; with `replyDelayMs` each waits that long first. */
  private enqueue(write: () => void): void {
    const delay = this.faults().replyDelayMs ?? 0;
    this.outbox = this.outbox.then(async () => {
      if (delay > 0) await new Promise<void>((resolve) => this.after(delay, resolve));
      if (!this.closed && this.socket.readyState === this.socket.OPEN) write();
    });
  }

  private armIdleClose(): void {
    const idle = this.faults().idleCloseMs;
    if (idle === undefined) return;
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.timers.delete(this.idleTimer);
    }
    this.idleTimer = this.after(idle, () => {
      if (this.detector?.speaking) this.armIdleClose();
      else this.socket.close(1000, 'idle timeout');
    });
  }

  private after(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private onClose(code: number): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.record.closedAt = Date.now();
    this.record.closeCode = code;
    this.log(`closed (${code})`);
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
