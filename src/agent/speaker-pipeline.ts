/**
 * One speaker's microphone, interpreted: the plugin sessions the speaker's plan calls for (one per
 * spoken language, one text-only for caption languages), all fed the same audio. Their speech
 * goes to the language mixers, their text to captions. A failing session takes only itself down.
 *
 * The audio passes a `SpeechGate` first (speech only, or everything; never a muted microphone's).
 * When nothing has gone out for `idleCloseMs` (below Azure's ~30 s, after which the service drops
 * the connection and a re-established one has been reported to lose its target languages), the
 * sessions are closed and kept as dormant specs; the next audio reopens them as new sessions,
 * pre-roll first. Reopening skips the room's rate limit: it happens at most once per idle period.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import type { llm } from '@livekit/agents';
import type { LiveInterpreterSession, TranslationEvent } from '../azure/index.ts';
import { isSameLanguage } from '../common/locale.ts';
import { captionGroups, type SpeakerSessionPlan, type SpeechResourceKind } from '../profiles/index.ts';
import type { Logger } from 'pino';
import { GATE_OFF, SpeechGate, type GateSettings } from './speech-gate.ts';

/** Identifies a session within a speaker: `voice:<lang>:<voice>` or `captions:<langs>`. */
export type SessionKey = string;

export interface SessionSpec {
  key: SessionKey;
  /** Language synthesized; null for the text-only session. */
  spokenLanguage: string | null;
  voice?: string;
  targetLanguages: string[];
  sourceLanguages: 'auto' | string[];
  /** The speaker rule's own phrases, added to the profile's terminology in this speaker's sessions only. */
  speakerPhrases?: string[];
}

export interface PipelineHooks {
  openSession(spec: SessionSpec): LiveInterpreterSession;
  /** Translated speech of one utterance in `language`; a session's utterances share a `lane` (they play in turn). */
  speech(language: string, frames: AsyncIterable<AudioFrame>, lane: string): void;
  caption(event: TranslationEvent, languages: readonly string[]): void;
  detectedLanguage(language: string): void;
  sessionFailed(spec: SessionSpec, error: Error): void;
  logger: Logger;
}

/**
 * The sessions a plan needs: one per voiced language, and the caption languages in text-only
 * sessions of at most two on a Speech resource (`captionGroups`, the same split `interpreter plan` counts).
 */
export function sessionSpecs(plan: SpeakerSessionPlan, captions: boolean, resourceKind: SpeechResourceKind = 'speech'): SessionSpec[] {
  if (!plan.translate) return [];
  const own = plan.rule?.phrases?.length ? { speakerPhrases: [...plan.rule.phrases] } : {};
  const specs: SessionSpec[] = plan.voiced.map((v) => ({
    key: `voice:${v.language}:${v.voice}`,
    spokenLanguage: v.language,
    voice: v.voice,
    targetLanguages: [v.language],
    sourceLanguages: plan.source,
    ...own,
  }));
  if (captions) {
    for (const languages of captionGroups(plan.captionOnly, resourceKind)) {
      specs.push({ key: `captions:${languages.join(',')}`, spokenLanguage: null, targetLanguages: languages, sourceLanguages: plan.source, ...own });
    }
  }
  return specs;
}

export interface PipelineOptions {
  gate?: GateSettings;
  /** Nothing sent for this long closes the sessions until audio goes out again (default 20 s). */
  idleCloseMs?: number;
  muted?: boolean;
}

/** Azure drops a connection after about 30 s without speech (speech-sdk-js #746, #884): close ours first. */
export const DEFAULT_IDLE_CLOSE_MS = 20_000;

interface OpenSession {
  spec: SessionSpec;
  session: LiveInterpreterSession;
}

export class SpeakerPipeline {
  private readonly sessions = new Map<SessionKey, OpenSession>();
  /** Sessions that failed for good; not reopened until the plan changes them. */
  private readonly failed = new Set<SessionKey>();
  /** Sessions closed while nothing was sent; reopened by the next audio. Still counted against quotas. */
  private readonly dormant = new Map<SessionKey, SessionSpec>();
  private readonly gate: SpeechGate;
  private readonly idleCloseMs: number;
  private lastSent = performance.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly closing = new Set<Promise<void>>();
  private closed = false;
  detected: string | undefined;
  /** Times the sessions were closed for idleness, and reopened. */
  idleCloses = 0;
  reopens = 0;

  constructor(
    readonly identity: string,
    readonly trackSid: string,
    private readonly hooks: PipelineHooks,
    options: PipelineOptions = {},
  ) {
    this.gate = new SpeechGate(options.gate ?? GATE_OFF, (frame) => this.send(frame));
    this.gate.setMuted(options.muted ?? false);
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.armIdle();
  }

  get sessionCount(): number {
    return this.sessions.size + this.dormant.size;
  }

  /** Sessions connected to Azure now (dormant ones are not). */
  get openSessionCount(): number {
    return this.sessions.size;
  }

  keys(): SessionKey[] {
    return [...this.sessions.keys(), ...this.dormant.keys()];
  }

  /** Audio in and audio sent to each session, in ms. */
  get audio(): { inputMs: number; sentMs: number } {
    return { inputMs: this.gate.inputMs, sentMs: this.gate.sentMs };
  }

  /** Feeds one microphone frame through the gate to every session. */
  push(frame: AudioFrame): void {
    this.gate.push(frame);
  }

  setMuted(muted: boolean): void {
    this.gate.setMuted(muted);
  }

  private send(frame: AudioFrame): void {
    this.lastSent = performance.now();
    if (this.dormant.size > 0 && !this.closed) this.wake();
    for (const { session } of this.sessions.values()) session.pushAudio(frame);
  }

  private wake(): void {
    this.reopens++;
    const specs = [...this.dormant.values()];
    this.dormant.clear();
    this.hooks.logger.debug({ speaker: this.identity, sessions: specs.map((s) => s.key) }, 'audio again: reopening sessions');
    for (const spec of specs) this.openNow(spec);
    this.armIdle();
  }

  /** One timer, re-armed for the rest of the idle period: no per-frame timer churn. */
  private armIdle(): void {
    if (this.idleTimer || this.closed) return;
    const left = this.idleCloseMs - (performance.now() - this.lastSent);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed) return;
      if (performance.now() - this.lastSent < this.idleCloseMs) return this.armIdle();
      if (this.sessions.size === 0) return;
      this.idleCloses++;
      this.hooks.logger.debug({ speaker: this.identity }, `nothing sent for ${this.idleCloseMs} ms: closing sessions until audio comes`);
      for (const [key, open] of this.sessions) {
        this.sessions.delete(key);
        this.dormant.set(key, open.spec);
        this.track(this.closeSession(open));
      }
    }, Math.max(0, left));
    this.idleTimer.unref?.();
  }

  private track(closing: Promise<void>): void {
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }

  /**
   * Opens what the specs add, closes what they drop; sessions in both keep running untouched.
   * `mayOpen` is asked before each open (the room's rate limit): what it refuses stays unopened
   * and is counted in `deferred`, for a later re-plan. Closing runs on in `closing`.
   */
  apply(specs: readonly SessionSpec[], mayOpen: () => boolean = () => true): { deferred: number; closing: Promise<void> } {
    const wanted = new Map(specs.map((s) => [s.key, s]));
    for (const key of this.failed) if (!wanted.has(key)) this.failed.delete(key);
    const closing: Promise<void>[] = [];
    for (const [key, open] of this.sessions) {
      if (!wanted.has(key)) {
        this.sessions.delete(key);
        closing.push(this.closeSession(open));
      }
    }
    for (const key of this.dormant.keys()) if (!wanted.has(key)) this.dormant.delete(key);
    // Idle (sessions dormant, nothing sent lately): new sessions wait for audio as the others do.
    const idle = this.dormant.size > 0 || (this.sessions.size === 0 && performance.now() - this.lastSent >= this.idleCloseMs);
    let deferred = 0;
    for (const spec of specs) {
      if (this.sessions.has(spec.key) || this.dormant.has(spec.key) || this.failed.has(spec.key)) continue;
      if (idle) {
        this.dormant.set(spec.key, spec);
        continue;
      }
      if (!mayOpen()) {
        deferred++;
        continue;
      }
      this.openNow(spec);
    }
    this.armIdle();
    return { deferred, closing: Promise.all(closing).then(() => undefined) };
  }

  private openNow(spec: SessionSpec): void {
    try {
      this.sessions.set(spec.key, { spec, session: this.open(spec) });
    } catch (error) {
      this.failed.add(spec.key);
      this.hooks.sessionFailed(spec, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Lets the current utterances finish (bounded), then closes every session. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const open = [...this.sessions.values()];
    this.sessions.clear();
    this.dormant.clear();
    await Promise.all([...open.map((o) => this.closeSession(o)), ...this.closing]);
  }

  private open(spec: SessionSpec): LiveInterpreterSession {
    const session = this.hooks.openSession(spec);
    const log = this.hooks.logger.child({ speaker: this.identity, session: spec.key });
    session.on('generation_created', (event: llm.GenerationCreatedEvent) => {
      if (spec.spokenLanguage) void this.forwardSpeech(spec.spokenLanguage, event, `${this.identity}\n${spec.key}`);
    });
    session.on('translation', (event: TranslationEvent) => {
      // The service reports `de` or `de-DE` (open range or candidates): the same language is no change.
      if (event.sourceLanguage && !(this.detected !== undefined && isSameLanguage(event.sourceLanguage, this.detected))) {
        this.detected = event.sourceLanguage;
        this.hooks.detectedLanguage(event.sourceLanguage);
      }
      this.hooks.caption(event, spec.targetLanguages);
    });
    session.on('error', (event: llm.RealtimeModelError) => {
      log.error({ err: event.error.message, recoverable: event.recoverable }, 'interpretation session error');
      if (event.recoverable) return;
      if (this.sessions.get(spec.key)?.session === session) this.sessions.delete(spec.key);
      this.failed.add(spec.key);
      void session.close();
      this.hooks.sessionFailed(spec, event.error);
    });
    return session;
  }

  private async forwardSpeech(language: string, event: llm.GenerationCreatedEvent, lane: string): Promise<void> {
    // Tools never come from an interpreter; drain so the framework's stream can close.
    void event.functionStream.cancel().catch(() => undefined);
    for await (const message of event.messageStream) {
      void message.textStream.cancel().catch(() => undefined);
      this.hooks.speech(language, message.audioStream, lane);
    }
  }

  private async closeSession(open: OpenSession): Promise<void> {
    try {
      await open.session.finishInput();
    } finally {
      await open.session.close();
    }
  }
}
