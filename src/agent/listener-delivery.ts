/**
 * The profile's `listeners` settings at work in a room: each language's audio and captions only
 * for the listeners who chose it, for apps that do not choose themselves (stock LiveKit clients).
 * It follows the room's participants itself, so the interpreter only tells it which language
 * tracks it published and asks it whom a caption goes to.
 */
import type { Logger } from 'pino';
import { interpretationTrackName, languageOfTrack } from '../common/listener-protocol.ts';
import type { Profile } from '../profiles/index.ts';
import { LanguageAudience, type CaptionDestinations } from './audience.ts';
import { LanguageSubscriptions } from './language-subscriptions.ts';
import type { ParticipantInfo, RoomEvents, RoomIO, SubscriptionControl } from './room-io.ts';

export interface ListenerDeliveryOptions {
  room: RoomIO;
  profile: Profile;
  /** RoomService for other participants' subscriptions; needed by `listeners.audio: chosen-language`. */
  subscriptions?: SubscriptionControl;
  logger: Logger;
  /** Tests: a smaller caption destination cap, fewer calls in flight. */
  maxCaptionDestinations?: number;
  concurrency?: number;
}

export class ListenerDelivery {
  readonly audience: LanguageAudience;
  /** Set when the profile wants each listener's audio limited to their language. */
  readonly subscriptions: LanguageSubscriptions | undefined;
  private readonly captionsByLanguage: boolean;
  private readonly handlers: Partial<{ [E in keyof RoomEvents]: RoomEvents[E] }> = {};

  /** Undefined when the profile leaves audio and captions to the clients (LiveKit's default). */
  static create(options: ListenerDeliveryOptions): ListenerDelivery | undefined {
    const settings = options.profile.listeners;
    if (!settings || (settings.audio === 'all' && settings.captions === 'all')) return undefined;
    return new ListenerDelivery(options);
  }

  private constructor(private readonly options: ListenerDeliveryOptions) {
    const { profile, room, logger } = options;
    this.audience = new LanguageAudience(profile, options.maxCaptionDestinations);
    this.captionsByLanguage = profile.listeners?.captions === 'chosen-language';
    const routed = profile.listeners?.audio === 'chosen-language';
    if (routed && !options.subscriptions) logger.warn('listeners.audio is chosen-language, but this agent has no RoomService access; listeners keep every interpretation track');
    this.subscriptions =
      routed && options.subscriptions
        ? new LanguageSubscriptions({
            control: options.subscriptions,
            audience: this.audience,
            trackSid: (language) => room.trackSid(interpretationTrackName(language)),
            logger,
            ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
          })
        : undefined;
  }

  /** Follows the room from now on, starting with who is in it. */
  start(): void {
    const { room } = this.options;
    const on = <E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]) => {
      this.handlers[event] = listener as never;
      room.on(event, listener);
    };
    const changed = (participant: ParticipantInfo) => {
      if (this.audience.update(participant)) this.subscriptions?.refresh(participant.identity);
    };
    // Not on joining: the server auto-subscribes a client when its connection is up, which
    // overrides anything set before; `participantActive` follows every join.
    on('participantJoined', (participant) => void this.audience.update(participant));
    on('attributesChanged', changed);
    on('participantLeft', (identity) => void this.audience.remove(identity));
    on('participantActive', (identity) => this.subscriptions?.refresh(identity));
    on('ownTrackSubscribed', (name) => {
      if (languageOfTrack(name) !== undefined) this.subscriptions?.refreshAll();
    });
    // A full reconnect republishes the agent's tracks under new sids.
    on('reconnected', () => this.subscriptions?.refreshAll());
    // Whoever is here already: active ones need their tracks now, the others get them when active.
    for (const participant of room.participants()) changed(participant);
  }

  /** A language's interpretation track is published (its sid is known to the room). */
  published(language: string): void {
    this.subscriptions?.published(language);
  }

  /** Whom a caption in `language` goes to. */
  captionDestinations(language: string): CaptionDestinations {
    return this.captionsByLanguage ? this.audience.captionDestinations(language) : 'everyone';
  }

  stop(): void {
    for (const [event, listener] of Object.entries(this.handlers)) this.options.room.off(event as keyof RoomEvents, listener as never);
    this.subscriptions?.stop();
  }
}
