/**
 * The room's interpreter: for every speaker's microphone a pipeline of plugin sessions covering the
 * languages needed now; per language one published track (a mixer of all speakers) and captions.
 * Re-plans when listeners pick languages, speakers join or leave, or a speaker's language is detected:
 * coalesced (one pending re-plan after a short debounce), with a language's sessions lingering
 * after its last listener left, session opens rate-limited per room, and listener languages kept
 * incrementally (`ListenerLanguages`), so the cost of a join does not grow with the room.
 */
import type { AudioFrame } from '@livekit/rtc-node';
import type { Logger } from 'pino';
import { settledWithin } from '../common/deadline.ts';
import type { LiveInterpreterSession, TranslationEvent } from '../azure/index.ts';
import { DEFAULT_SPEECH_RESOURCE, PROFILE_DEFAULTS, planSpeaker, SESSION_QUOTA, type Profile, type SpeechResource } from '../profiles/index.ts';
import { interpretationTrackName as trackName } from '../common/listener-protocol.ts';
import { CaptionWriter } from './captions.ts';
import { AudioMixer } from './mixer.ts';
import type { SessionBudget } from './budget.ts';
import { ListenerDelivery } from './listener-delivery.ts';
import { ListenerLanguages } from './listener-languages.ts';
import { OpenLimiter } from './open-limiter.ts';
import { Coalesced } from './coalesced.ts';
import { endSilenceFor } from './speech-gate.ts';
import { NOTICE_TOPIC, type MicrophoneTrack, type ParticipantInfo, type RoomEvents, type RoomIO, type SubscriptionControl } from './room-io.ts';
import { SessionQuota } from './session-quota.ts';
import { SpeakerPipeline, sessionSpecs, type SessionSpec } from './speaker-pipeline.ts';

/** Azure's default concurrent-session quota per Speech resource (S0; F0 allows 1). */
export const DEFAULT_AZURE_SESSION_QUOTA = SESSION_QUOTA.S0;

export interface RoomInterpreterOptions {
  room: RoomIO;
  profile: Profile;
  /** Opens one plugin session (the caller binds credentials, sample rate, profanity). */
  openSession: (spec: SessionSpec) => LiveInterpreterSession;
  logger: Logger;
  /** The Azure resource the sessions run on: its kind splits caption languages, its tier sets the default quota. */
  resource?: SpeechResource;
  /** Concurrent sessions allowed (default: the resource tier's quota). */
  maxAzureSessions?: number;
  /** The process's share of the deployment's session budget, shared by its rooms (`budget.ts`). */
  budget?: SessionBudget;
  /** Nothing sent to Azure for this long closes a speaker's sessions until audio goes again (default 20 s). */
  idleCloseMs?: number;
  /** Other participants' subscriptions (RoomService), for the profile's `listeners.audio: chosen-language`. */
  subscriptions?: SubscriptionControl;
  /** Mixer latency samples (benchmarks): arrival to playout of each utterance's first frame. */
  onMixLatency?: (ms: number, fromSilence: boolean) => void;
}

/** Audio pushed ahead into a track's source: what agents-js RoomIO gives its AudioSource (`queueSizeMs: 200`). */
export const MIXER_QUEUE_MS = 200;

export { interpretationTrackName as trackName } from '../common/listener-protocol.ts';

export class RoomInterpreter {
  private readonly pipelines = new Map<string, SpeakerPipeline>();
  private readonly mixers = new Map<string, Promise<AudioMixer>>();
  /** Every speaker's microphone, interpreted or not: a skipped speaker is admitted when room frees up. */
  private readonly microphones = new Map<string, MicrophoneTrack>();
  /** Speakers waiting for a slot (speaker limit or Azure quota), in the order they came. */
  private readonly skipped = new Set<string>();
  private readonly quota: SessionQuota;
  private readonly captions: CaptionWriter;
  /** The profile's `listeners` settings (undefined: clients choose what they hear and read). */
  readonly delivery: ListenerDelivery | undefined;
  private readonly listeners: Partial<{ [E in keyof RoomEvents]: RoomEvents[E] }> = {};
  private readonly resource: SpeechResource;
  /** Everyone in the room (agents too), kept from events: nothing re-reads the whole room. */
  private readonly people = new Map<string, ParticipantInfo>();
  private humansInRoom = 0;
  private readonly languages: ListenerLanguages;
  private readonly opens: OpenLimiter;
  private readonly debounceMs: number;
  private readonly replanner: Coalesced;
  /** Sessions being closed after a re-plan dropped them; `stop()` waits for them. */
  private readonly closing = new Set<Promise<void>>();
  private stopped = false;
  private unsubscribeBudget: (() => void) | undefined;
  /** Re-plans run (for tests and benchmarks: the work a room's changes cause). */
  get replans(): number {
    return this.replanner.runs;
  }

  constructor(private readonly options: RoomInterpreterOptions) {
    this.resource = options.resource ?? DEFAULT_SPEECH_RESOURCE;
    const { room, profile, logger, subscriptions, budget } = options;
    const maxSessions = options.maxAzureSessions ?? SESSION_QUOTA[this.resource.tier];
    this.quota = new SessionQuota({ maxSessions, ...(budget ? { budget } : {}), owner: this, logger, notice: (text) => this.notice(text) });
    this.delivery = ListenerDelivery.create({ room, profile, logger, ...(subscriptions ? { subscriptions } : {}) });
    const delivery = this.delivery;
    this.captions = new CaptionWriter(room, (error) => logger.warn({ err: String(error) }, 'caption not sent'), delivery ? (language) => delivery.captionDestinations(language) : undefined);
    const limits = options.profile.limits;
    this.debounceMs = limits.replanDebounceMs ?? PROFILE_DEFAULTS.replanDebounceMs;
    this.opens = new OpenLimiter(limits.sessionOpensPerMinute ?? PROFILE_DEFAULTS.sessionOpensPerMinute);
    this.replanner = new Coalesced(() => this.replanNow(), (error) => options.logger.error({ err: String(error) }, 're-planning sessions failed'));
    this.languages = new ListenerLanguages((limits.languageLingerSeconds ?? PROFILE_DEFAULTS.languageLingerSeconds) * 1000, () => this.listenersChanged());
  }

  get profile(): Profile {
    return this.options.profile;
  }

  /** Speakers being interpreted now. */
  speakers(): string[] {
    return [...this.pipelines.keys()];
  }

  /** Sessions planned (dormant ones too: they hold their place in the quota). */
  sessionCount(): number {
    let total = 0;
    for (const pipeline of this.pipelines.values()) total += pipeline.sessionCount;
    return total;
  }

  /** Per speaker: audio in, audio sent to each of their sessions (ms), idle closes and reopens. */
  audioStats(): Record<string, { inputMs: number; sentMs: number; idleCloses: number; reopens: number }> {
    const stats: Record<string, { inputMs: number; sentMs: number; idleCloses: number; reopens: number }> = {};
    for (const [identity, p] of this.pipelines) stats[identity] = { ...p.audio, idleCloses: p.idleCloses, reopens: p.reopens };
    return stats;
  }

  /** People in the room (not agents). */
  humans(): ParticipantInfo[] {
    return [...this.people.values()].filter((p) => !p.isAgent);
  }

  /** People in the room (not agents), without a list: the lifecycle asks on every join. */
  humanCount(): number {
    return this.humansInRoom;
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
    on('microphoneSubscribed', (track) => this.addMicrophone(track));
    on('microphoneMuted', (identity, trackSid, muted) => {
      const track = this.microphones.get(identity);
      if (track?.trackSid !== trackSid) return;
      track.muted = muted;
      this.pipelines.get(identity)?.setMuted(muted);
    });
    on('microphoneUnsubscribed', (identity, trackSid) => {
      // Only the track being read: a republished microphone's old track may go after the new one came.
      if (this.microphones.get(identity)?.trackSid === trackSid) this.dropMicrophone(identity);
    });
    on('participantLeft', (identity) => {
      const person = this.people.get(identity);
      if (person && !person.isAgent) this.humansInRoom--;
      this.people.delete(identity);
      this.dropMicrophone(identity);
      if (this.languages.remove(identity)) this.listenersChanged();
    });
    const seen = (participant: ParticipantInfo) => {
      if (!this.people.has(participant.identity) && !participant.isAgent) this.humansInRoom++;
      this.people.set(participant.identity, participant);
      if (this.languages.update(participant)) this.listenersChanged();
    };
    on('participantJoined', seen);
    on('attributesChanged', seen);
    for (const participant of room.participants()) seen(participant);
    this.delivery?.start();
    // Sessions another room of this process gave back may admit a waiting speaker here.
    this.unsubscribeBudget = this.options.budget?.onFreed(() => {
      if (this.stopped) return;
      this.admitWaiting();
      this.replanner.request(this.debounceMs);
    });
    // Always-on languages are published at once so listeners can subscribe before anyone speaks.
    // So are on-demand ones when the agent routes listeners (an idle track costs no Azure session):
    // the server subscribes auto-subscribers to a track when it sees it, and the agent can only
    // undo that afterwards, which must not be while the track already carries speech.
    if (!profile.onDemand || this.delivery?.subscriptions) {
      await Promise.all(profile.languages.targets.filter((t) => t.voice.kind !== 'none').map((t) => this.languageMixer(t.language)));
    }
  }

  /** Stops interpreting: current utterances finish (bounded by `drainMs`), tracks are closed. */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const [event, listener] of Object.entries(this.listeners)) this.options.room.off(event as keyof RoomEvents, listener as never);
    this.replanner.stop();
    this.languages.stop();
    this.delivery?.stop();
    this.unsubscribeBudget?.();
    this.options.budget?.hold(this, 0);
    // One deadline for the whole drain: sessions finishing and tracks playing out share it.
    const deadline = performance.now() + drainMs;
    const pipelines = [...this.pipelines.values()];
    this.pipelines.clear();
    this.microphones.clear();
    await settledWithin(Promise.all([...pipelines.map((p) => p.close()), ...this.closing]), drainMs);
    const languages = [...this.mixers.keys()];
    const mixers = await Promise.all(this.mixers.values());
    const left = Math.max(0, deadline - performance.now());
    await Promise.all(mixers.map((m) => m.drain(left)));
    // Frames that reached a track's source after its queue ran dry mid-utterance: gaps listeners heard.
    const underruns = Object.fromEntries(languages.map((language, i) => [language, mixers[i]!.underruns]));
    this.options.logger.info({ underruns }, 'interpretation tracks played out');
  }

  private specsFor(pipeline: SpeakerPipeline): SessionSpec[] {
    return sessionSpecs(this.planFor(pipeline.identity, pipeline.detected), this.options.profile.captions, this.resource.kind);
  }

  private planFor(identity: string, detectedLanguage?: string) {
    return planSpeaker(
      this.options.profile,
      { identity, ...(detectedLanguage ? { detectedLanguage } : {}), listenerLanguages: this.languages.languages() },
      this.resource,
    );
  }

  private addMicrophone(track: MicrophoneTrack): void {
    if (this.stopped) return;
    if (this.people.get(track.participant)?.isAgent) return;
    // A speaker has one microphone at a time: a newer track (republished, or a new device)
    // replaces the one being read, and the speaker's sessions carry on with it.
    const replaces = this.microphones.has(track.participant);
    this.microphones.set(track.participant, track);
    void this.pump(track);
    if (!replaces) this.admit(track);
  }

  /**
   * Reads the microphone for as long as it lasts, also while its speaker waits for a slot: an
   * unread track would pile up its audio in memory.
   */
  private async pump(track: MicrophoneTrack): Promise<void> {
    try {
      for await (const frame of track.frames) {
        if (this.microphones.get(track.participant) !== track) break;
        this.pipelines.get(track.participant)?.push(frame);
      }
    } catch (error) {
      this.options.logger.warn({ speaker: track.participant, err: String(error) }, 'microphone stream ended with an error');
    } finally {
      if (this.microphones.get(track.participant) === track) this.dropMicrophone(track.participant);
    }
  }

  /** Starts interpreting a speaker if the limits allow; otherwise the speaker waits, with a notice. */
  private admit(track: MicrophoneTrack): void {
    const { logger, profile } = this.options;
    if (this.stopped || this.pipelines.has(track.participant)) return;
    const plan = this.planFor(track.participant);
    if (!plan.translate) {
      logger.info({ speaker: track.participant }, 'speaker is not interpreted (translate: false in the profile)');
      return;
    }
    const specs = sessionSpecs(plan, profile.captions, this.resource.kind);
    if (this.pipelines.size >= profile.limits.maxSpeakers) {
      this.skip(track.participant, `the profile allows ${profile.limits.maxSpeakers} interpreted speakers at once`);
      return;
    }
    const cap = this.quota.cap();
    if (this.sessionCount() + specs.length > cap.sessions) {
      this.skip(track.participant, `${cap.what} is reached`);
      return;
    }
    if (this.skipped.delete(track.participant)) this.notice(`${track.participant} is now being interpreted.`);
    const gate = profile.speechGate;
    const pipeline = new SpeakerPipeline(track.participant, track.trackSid, this.hooksFor(track), {
      ...(gate ? { gate: { ...gate, endSilenceMs: endSilenceFor(profile.timing?.silenceMs) } } : {}),
      ...(this.options.idleCloseMs !== undefined ? { idleCloseMs: this.options.idleCloseMs } : {}),
      muted: track.muted ?? false,
    });
    this.pipelines.set(track.participant, pipeline);
    logger.info({ speaker: track.participant, sessions: specs.map((s) => s.key) }, 'interpreting speaker');
    // Through the quota check with everyone else: two speakers admitted at once must not both fit.
    this.replanner.request(this.debounceMs);
  }

  private dropMicrophone(identity: string): void {
    this.microphones.delete(identity);
    this.skipped.delete(identity);
    void this.removeSpeaker(identity);
  }

  private async removeSpeaker(identity: string): Promise<void> {
    const pipeline = this.pipelines.get(identity);
    if (!pipeline) return;
    this.pipelines.delete(identity);
    this.quota.forget(identity);
    this.options.logger.info({ speaker: identity }, 'speaker gone; closing their sessions');
    const closing = pipeline.close();
    // The freed slot goes to whoever has waited longest, and sessions the quota held back get another chance.
    this.admitWaiting();
    this.replanner.request(this.debounceMs);
    await closing;
  }

  private admitWaiting(): void {
    for (const identity of [...this.skipped]) {
      const track = this.microphones.get(identity);
      if (track) this.admit(track);
      else this.skipped.delete(identity);
    }
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

  /** Listener languages changed: only on-demand profiles plan by them. */
  private listenersChanged(): void {
    if (this.options.profile.onDemand) this.replanner.request(this.debounceMs);
  }

  private replanNow(): void {
    const plans = this.quota.fit([...this.pipelines.values()], (pipeline) => this.specsFor(pipeline));
    let deferred = 0;
    for (const [pipeline, specs] of plans) {
      const applied = pipeline.apply(specs, () => this.opens.take());
      deferred += applied.deferred;
      this.closing.add(applied.closing);
      void applied.closing.finally(() => this.closing.delete(applied.closing));
    }
    this.options.budget?.hold(this, plans.reduce((n, [, specs]) => n + specs.length, 0));
    if (deferred > 0) {
      this.options.logger.info({ deferred }, 'session opens rate-limited; re-planning when allowed');
      this.replanner.request(Math.max(this.debounceMs, this.opens.waitMs()));
    }
  }

  private hooksFor(track: MicrophoneTrack) {
    const { logger, profile } = this.options;
    return {
      logger,
      openSession: (spec: SessionSpec) => this.options.openSession(spec),
      speech: (language: string, frames: AsyncIterable<AudioFrame>, lane: string) => {
        void this.languageMixer(language)
          .then((mixer) => mixer.add(frames, lane))
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
        if (this.pipelines.has(track.participant)) this.replanner.request(this.debounceMs);
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
        const sampleRate = this.options.profile.audio.sampleRate;
        const sink = await this.options.room.publishAudio(trackName(language), sampleRate, { queueMs: MIXER_QUEUE_MS });
        const created = new AudioMixer(sink, { sampleRate, queueMs: MIXER_QUEUE_MS, ...(this.options.onMixLatency ? { onLatency: this.options.onMixLatency } : {}) });
        created.start();
        this.delivery?.published(language);
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
