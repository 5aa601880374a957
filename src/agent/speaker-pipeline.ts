/**
 * One speaker's microphone, interpreted: the plugin sessions the speaker's plan calls for (one per
 * spoken language, one text-only for caption languages), all fed the same audio. Their speech
 * goes to the language mixers, their text to captions. A failing session takes only itself down.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import type { llm } from '@livekit/agents';
import type { LiveInterpreterSession, TranslationEvent } from '../azure/index.ts';
import { isSameLanguage } from '../common/locale.ts';
import { captionGroups, type SpeakerSessionPlan, type SpeechResourceKind } from '../profiles/index.ts';
import type { Logger } from 'pino';

/** Identifies a session within a speaker: `voice:<lang>:<voice>` or `captions:<langs>`. */
export type SessionKey = string;

export interface SessionSpec {
  key: SessionKey;
  /** Language synthesized; null for the text-only session. */
  spokenLanguage: string | null;
  voice?: string;
  targetLanguages: string[];
  sourceLanguages: 'auto' | string[];
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
  const specs: SessionSpec[] = plan.voiced.map((v) => ({
    key: `voice:${v.language}:${v.voice}`,
    spokenLanguage: v.language,
    voice: v.voice,
    targetLanguages: [v.language],
    sourceLanguages: plan.source,
  }));
  if (captions) {
    for (const languages of captionGroups(plan.captionOnly, resourceKind)) {
      specs.push({ key: `captions:${languages.join(',')}`, spokenLanguage: null, targetLanguages: languages, sourceLanguages: plan.source });
    }
  }
  return specs;
}

interface OpenSession {
  spec: SessionSpec;
  session: LiveInterpreterSession;
}

export class SpeakerPipeline {
  private readonly sessions = new Map<SessionKey, OpenSession>();
  /** Sessions that failed for good; not reopened until the plan changes them. */
  private readonly failed = new Set<SessionKey>();
  detected: string | undefined;

  constructor(
    readonly identity: string,
    readonly trackSid: string,
    private readonly hooks: PipelineHooks,
  ) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  keys(): SessionKey[] {
    return [...this.sessions.keys()];
  }

  /** Feeds one microphone frame to every open session. */
  push(frame: AudioFrame): void {
    for (const { session } of this.sessions.values()) session.pushAudio(frame);
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
    let deferred = 0;
    for (const spec of specs) {
      if (this.sessions.has(spec.key) || this.failed.has(spec.key)) continue;
      if (!mayOpen()) {
        deferred++;
        continue;
      }
      try {
        this.sessions.set(spec.key, { spec, session: this.open(spec) });
      } catch (error) {
        this.failed.add(spec.key);
        this.hooks.sessionFailed(spec, error instanceof Error ? error : new Error(String(error)));
      }
    }
    return { deferred, closing: Promise.all(closing).then(() => undefined) };
  }

  /** Lets the current utterances finish (bounded), then closes every session. */
  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((o) => this.closeSession(o)));
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
