/**
 * One client connection: reads what the SDK asks for (`speech.config`, `speech.context`), takes
 * its audio turn by turn, and answers each utterance with the exact message sequence the SDK
 * expects (notes §3.4): `turn.start`, `speech.startDetected`, `translation.hypothesis`*,
 * `translation.phrase`, binary `translation.synthesis`+, `translation.synthesis.end`,
 * `speech.endDetected`, and `turn.end` after the client's empty audio message.
 */
import type { WebSocket } from 'ws';
import { parseWavHeader, startsWithRiff } from '../common/wav.ts';
import { UtteranceDetector, type DetectedUtterance } from './detector.ts';
import { binaryFrame, parseBinaryFrame, parseTextFrame, textFrame, type ClientMessage } from './protocol.ts';
import { synthesisChunks, synthesizeLike } from './synthesizer.ts';
import type { ConnectionRecord, EmulatorFaults, EmulatorOptions } from './types.ts';

const TICKS_PER_SECOND = 10_000_000;
/** Interim results while someone speaks, about this often. */
const HYPOTHESIS_EVERY_MS = 600;

interface SpeechContext {
  translation?: { targetLanguages?: string[]; onSuccess?: { action?: string } };
  synthesis?: { defaultVoices?: Record<string, string> };
  languageId?: { languages?: string[]; mode?: string };
  phraseDetection?: { enrichment?: { profanity?: string } };
}

export class EmulatedConnection {
  private requestId = '';
  private sampleRate = 16000;
  private detector: UtteranceDetector | undefined;
  private turnStarted = false;
  private synthesize = false;
  private lastHypothesisAt = 0;
  private outbox: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly record: ConnectionRecord,
    private readonly options: EmulatorOptions,
    private readonly faults: () => EmulatorFaults,
  ) {
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
        this.onContext(message.text ?? '');
        return;
      case 'audio':
        this.onAudio(message.binary ?? new Uint8Array(0));
        return;
      // speech.config, telemetry and event need no answer.
      default:
        return;
    }
  }

  private onContext(text: string): void {
    const context = JSON.parse(text || '{}') as SpeechContext;
    const record = this.record;
    const targets = context.translation?.targetLanguages;
    if (targets?.length) record.targetLanguages = targets;
    const voices = context.synthesis?.defaultVoices ?? {};
    const voice = Object.values(voices)[0] ?? record.query.voice;
    if (voice) record.voice = voice;
    this.synthesize = Boolean(voice) && (context.translation?.onSuccess?.action ?? 'Synthesize') === 'Synthesize';
    if (context.languageId?.mode) record.languageIdMode = context.languageId.mode;
    if (context.languageId?.languages) record.sourceLanguages = context.languageId.languages;
    const profanity = context.phraseDetection?.enrichment?.profanity;
    if (profanity) record.profanity = profanity;
    // A new speech.context opens a new turn: its audio starts with a fresh RIFF header.
    this.turnStarted = false;
    this.detector = undefined;
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
    this.detector.feed(samples);
  }

  private startTurn(): void {
    if (this.turnStarted) return;
    this.turnStarted = true;
    this.record.turns++;
    this.send('turn.start', { context: { serviceTag: this.record.id } });
  }

  private newDetector(): UtteranceDetector {
    return new UtteranceDetector(
      { sampleRate: this.sampleRate, threshold: this.options.speechThreshold ?? 500, endSilenceMs: this.options.endSilenceMs ?? 500 },
      {
        speechStart: (start) => {
          this.armIdleClose();
          this.lastHypothesisAt = 0;
          this.send('speech.startDetected', { Offset: this.ticks(start) });
        },
        speechProgress: (start, length) => {
          const ms = (length / this.sampleRate) * 1000;
          if (this.options.interimResults === false || ms - this.lastHypothesisAt < HYPOTHESIS_EVERY_MS) return;
          this.lastHypothesisAt = ms;
          this.send('translation.hypothesis', this.result(start, length, this.record.utterances + 1, this.detected(), false));
        },
        utterance: (utterance) => this.answer(utterance),
      },
    );
  }

  private detected(utterance?: DetectedUtterance, index?: number): string {
    const choice = this.options.detectLanguage ?? 'en';
    if (typeof choice === 'string') return choice;
    if (!utterance || index === undefined) return 'en';
    return choice({ connection: this.record, index, durationMs: (utterance.samples.length / this.sampleRate) * 1000, samples: utterance.samples, sampleRate: this.sampleRate });
  }

  private answer(utterance: DetectedUtterance): void {
    const index = ++this.record.utterances;
    const length = utterance.endSample - utterance.startSample;
    const language = this.detected(utterance, index);
    const faults = this.faults();
    if (faults.phraseError) {
      this.send('translation.phrase', { RecognitionStatus: 'Error', Offset: this.ticks(utterance.startSample), Duration: this.ticks(length) });
      return;
    }
    this.send('translation.phrase', { RecognitionStatus: 'Success', ...this.result(utterance.startSample, length, index, language, true) });
    if (this.synthesize) {
      if (faults.synthesisError) {
        this.send('translation.synthesis.end', { SynthesisStatus: 'Error', FailureReason: faults.synthesisError });
      } else {
        let peak = 0;
        for (const s of utterance.samples) peak = Math.max(peak, Math.abs(s));
        const rate = this.options.synthesisSampleRate ?? 16000;
        const pcm = synthesizeLike(utterance.envelope, peak, rate);
        for (const chunk of synthesisChunks(pcm, rate, this.options.synthesisChunkMs ?? 200, this.options.chunkLayout ?? 'header-first')) {
          this.sendBinary('translation.synthesis', chunk);
        }
        this.send('translation.synthesis.end', { SynthesisStatus: 'Success' });
      }
    }
    this.send('speech.endDetected', { Offset: this.ticks(utterance.endSample) });
    this.armIdleClose();
  }

  /** The body of a hypothesis or phrase: deterministic text per target language. */
  private result(start: number, length: number, index: number, language: string, final: boolean) {
    const seconds = (length / this.sampleRate).toFixed(1);
    const text = (code: string) => (final ? `[${code}] utterance ${index} (${seconds} s)` : `[${code}] utterance ${index} ...`);
    return {
      Offset: this.ticks(start),
      Duration: this.ticks(length),
      Text: text(language),
      ...(final ? { DisplayText: text(language) } : {}),
      PrimaryLanguage: { Language: language, Confidence: 'High' },
      Translation: { TranslationStatus: 'Success', Translations: this.record.targetLanguages.map((code) => ({ Language: code, Text: text(code) })) },
    };
  }

  private endOfAudio(): void {
    // The SDK sends the empty message on push.close() and again on stop(): answer a turn once.
    if (!this.turnStarted) return;
    this.detector?.flush();
    this.turnStarted = false;
    this.detector = undefined;
    if (!this.faults().neverSendTurnEnd) this.send('turn.end', {});
  }

  private ticks(samples: number): number {
    return Math.round((samples / this.sampleRate) * TICKS_PER_SECOND);
  }

  private send(path: string, body: unknown): void {
    const frame = textFrame(path, this.requestId, body);
    this.enqueue(() => this.socket.send(frame));
  }

  private sendBinary(path: string, payload: Uint8Array): void {
    const frame = binaryFrame(path, this.requestId, payload);
    this.enqueue(() => this.socket.send(frame));
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
