/**
 * The room's interpreter: for every speaker's microphone a pipeline of plugin sessions covering the
 * languages needed now; per language one published track (a mixer of all speakers) and captions.
 * Re-plans when listeners pick languages, speakers join or leave, or a speaker's language is detected.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import type { LiveInterpreterSession, TranslationEvent } from '../azure/index.ts';
import { planSpeaker, type Profile } from '../profiles/index.ts';
import { CaptionWriter } from './captions.ts';
import { AudioMixer } from './mixer.ts';
import { LISTENER_LANGUAGE_ATTRIBUTE, NOTICE_TOPIC, type MicrophoneTrack, type ParticipantInfo, type RoomEvents, type RoomIO } from './room-io.ts';
import { SpeakerPipeline, sessionSpecs, type SessionSpec } from './speaker-pipeline.ts';

/** Azure's default concurrent-session quota per Speech resource. */
export const DEFAULT_AZURE_SESSION_QUOTA = 100;

export interface RoomInterpreterOptions {
  room: RoomIO;
  profile: Profile;
  /** Opens one plugin session (the caller binds credentials, sample rate, profanity). */
  openSession: (spec: SessionSpec) => LiveInterpreterSession;
  logger: Logger;
  maxAzureSessions?: number;
  /** Mixer latency samples (benchmarks). */
  onMixLatency?: (ms: number) => void;
}

export function trackName(language: string): string {
  return `interpretation-${language}`;
}

export class RoomInterpreter {
  private readonly pipelines = new Map<string, SpeakerPipeline>();
  private readonly mixers = new Map<string, Promise<AudioMixer>>();
  private readonly skipped = new Set<string>();
  private readonly captions: CaptionWriter;
  private readonly listeners: Partial<{ [E in keyof RoomEvents]: RoomEvents[E] }> = {};
  private readonly maxAzureSessions: number;
  private replanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: RoomInterpreterOptions) {
    this.maxAzureSessions = options.maxAzureSessions ?? DEFAULT_AZURE_SESSION_QUOTA;
    this.captions = new CaptionWriter(options.room, (error) => options.logger.warn({ err: String(error) }, 'caption not sent'));
  }

  get profile(): Profile {
    return this.options.profile;
  }

  /** Speakers being interpreted now. */
  speakers(): string[] {
    return [...this.pipelines.keys()];
  }

  sessionCount(): number {
    let total = 0;
    for (const pipeline of this.pipelines.values()) total += pipeline.sessionCount;
    return total;
  }

  /** People in the room (not agents). */
  humans(): ParticipantInfo[] {
    return this.options.room.participants().filter((p) => !p.isAgent);
  }

  /** The mixer of a language, once its track is published. */
  mixer(language: string): Promise<AudioMixer> | undefined {
    return this.mixers.get(language);
  }

  async start(): Promise<void> {
    const { room, profile } = this.options;
    const on = <E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]) => {
      this.listeners[event] = listener as never;
      room.on(event, listener);
    };
    on('microphoneSubscribed', (track) => this.addSpeaker(track));
    on('microphoneUnsubscribed', (identity) => void this.removeSpeaker(identity));
    on('participantLeft', (identity) => {
      void this.removeSpeaker(identity);
      this.replanAll();
    });
    on('participantJoined', () => this.replanAll());
    on('attributesChanged', () => this.replanAll());
    // Always-on languages are published at once so listeners can subscribe before anyone speaks.
    if (!profile.onDemand) {
      await Promise.all(profile.languages.targets.filter((t) => t.voice.kind !== 'none').map((t) => this.languageMixer(t.language)));
    }
  }

  /** Stops interpreting: current utterances finish (bounded by `drainMs`), tracks are closed. */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const [event, listener] of Object.entries(this.listeners)) this.options.room.off(event as keyof RoomEvents, listener as never);
    const pipelines = [...this.pipelines.values()];
    this.pipelines.clear();
    await withTimeout(Promise.all(pipelines.map((p) => p.close())), drainMs);
    const mixers = await Promise.all([...this.mixers.values()]);
    await Promise.all(mixers.map((m) => m.drain(drainMs)));
  }

  private listenerLanguages(): string[] {
    const chosen = new Set<string>();
    for (const p of this.humans()) {
      const language = p.attributes[LISTENER_LANGUAGE_ATTRIBUTE]?.trim();
      if (language) chosen.add(language);
    }
    return [...chosen];
  }

  private specsFor(pipeline: SpeakerPipeline): SessionSpec[] {
    return sessionSpecs(this.planFor(pipeline.identity, pipeline.detected), this.options.profile.captions);
  }

  private planFor(identity: string, detectedLanguage?: string) {
    return planSpeaker(this.options.profile, {
      identity,
      ...(detectedLanguage ? { detectedLanguage } : {}),
      listenerLanguages: this.listenerLanguages(),
    });
  }

  private addSpeaker(track: MicrophoneTrack): void {
    const { logger, profile } = this.options;
    if (this.stopped || this.pipelines.has(track.participant)) return;
    const participant = this.options.room.participants().find((p) => p.identity === track.participant);
    if (participant?.isAgent) return;
    const plan = this.planFor(track.participant);
    if (!plan.translate) {
      logger.info({ speaker: track.participant }, 'speaker is not interpreted (translate: false in the profile)');
      return;
    }
    const pipeline = new SpeakerPipeline(track.participant, track.trackSid, this.hooksFor(track));
    const specs = sessionSpecs(plan, profile.captions);
    if (this.pipelines.size >= profile.limits.maxSpeakers) {
      this.skip(track.participant, `the profile allows ${profile.limits.maxSpeakers} interpreted speakers at once`);
      return;
    }
    if (this.sessionCount() + specs.length > this.maxAzureSessions) {
      this.skip(track.participant, `the Azure Speech quota of ${this.maxAzureSessions} concurrent sessions is reached`);
      return;
    }
    this.skipped.delete(track.participant);
    this.pipelines.set(track.participant, pipeline);
    logger.info({ speaker: track.participant, sessions: specs.map((s) => s.key) }, 'interpreting speaker');
    void this.schedule(() => pipeline.apply(specs));
    void pipeline.pump(track.frames).finally(() => void this.removeSpeaker(track.participant, pipeline));
  }

  private async removeSpeaker(identity: string, only?: SpeakerPipeline): Promise<void> {
    const pipeline = this.pipelines.get(identity);
    if (!pipeline || (only && pipeline !== only)) return;
    this.pipelines.delete(identity);
    this.options.logger.info({ speaker: identity }, 'speaker gone; closing their sessions');
    await pipeline.close();
  }

  private skip(identity: string, why: string): void {
    if (this.skipped.has(identity)) return;
    this.skipped.add(identity);
    this.options.logger.warn({ speaker: identity }, `not interpreting ${identity}: ${why}`);
    this.notice(`${identity} is not being interpreted: ${why}.`);
  }

  private notice(text: string): void {
    this.options.room.sendText(text, { topic: NOTICE_TOPIC, attributes: {} }).catch(() => undefined);
  }

  private replanAll(): void {
    if (this.stopped) return;
    void this.schedule(async () => {
      await Promise.all([...this.pipelines.values()].map((p) => p.apply(this.specsFor(p))));
    });
  }

  /** Re-plans run one at a time, so two quick attribute changes cannot open a session twice. */
  private schedule(task: () => Promise<void>): Promise<void> {
    this.replanning = this.replanning.then(task).catch((error: unknown) => this.options.logger.error({ err: String(error) }, 're-planning sessions failed'));
    return this.replanning;
  }

  private hooksFor(track: MicrophoneTrack) {
    const { logger, profile } = this.options;
    return {
      logger,
      openSession: (spec: SessionSpec) => this.options.openSession(spec),
      speech: (language: string, frames: AsyncIterable<AudioFrame>) => {
        void this.languageMixer(language)
          .then((mixer) => mixer.add(frames))
          .catch((error: unknown) => logger.error({ language, err: String(error) }, 'translated speech lost'));
      },
      caption: (event: TranslationEvent, languages: readonly string[]) => {
        if (!profile.captions) return;
        for (const language of languages) {
          const text = event.translations[language];
          if (text) this.captions.send({ speaker: track.participant, trackSid: track.trackSid, itemId: event.itemId, language, text, isFinal: event.isFinal });
        }
      },
      detectedLanguage: (language: string) => {
        logger.info({ speaker: track.participant, language }, 'speaker language detected');
        const pipeline = this.pipelines.get(track.participant);
        if (pipeline) void this.schedule(() => pipeline.apply(this.specsFor(pipeline)));
      },
      sessionFailed: (spec: SessionSpec, error: Error) => {
        logger.error({ speaker: track.participant, session: spec.key, err: error.message }, 'interpretation session failed; other speakers continue');
        const what = spec.spokenLanguage ? `into ${spec.spokenLanguage}` : `captions (${spec.targetLanguages.join(', ')})`;
        this.notice(`Interpretation of ${track.participant} ${what} stopped: ${error.message}`);
      },
    };
  }

  private languageMixer(language: string): Promise<AudioMixer> {
    let mixer = this.mixers.get(language);
    if (!mixer) {
      mixer = (async () => {
        const sink = await this.options.room.publishAudio(trackName(language), this.options.profile.audio.sampleRate);
        const created = new AudioMixer(sink, { sampleRate: this.options.profile.audio.sampleRate, ...(this.options.onMixLatency ? { onLatency: this.options.onMixLatency } : {}) });
        created.start();
        await this.options.room.setAttributes({ 'interpreter.languages': [...this.mixers.keys()].sort().join(',') }).catch(() => undefined);
        this.options.logger.info({ language, track: trackName(language) }, 'published interpretation track');
        return created;
      })();
      this.mixers.set(language, mixer);
      mixer.catch(() => this.mixers.delete(language));
    }
    return mixer;
  }
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
