/**
 * The seam between the interpreter and a LiveKit room: what `RoomInterpreter` needs and nothing
 * more. `rtc-room.ts` implements it over `@livekit/rtc-node`; tests use `memory-room.ts`.
 */
import type { AudioFrame } from '@livekit/rtc-node';

export interface ParticipantInfo {
  identity: string;
  attributes: Readonly<Record<string, string>>;
  /** Agents (this one, other bots) are neither speakers nor listeners. */
  isAgent: boolean;
}

/** A subscribed microphone track: its frames end when the track goes away. */
export interface MicrophoneTrack {
  participant: string;
  trackSid: string;
  frames: AsyncIterable<AudioFrame>;
  /** Muted when subscribed (a muted track carries no speech; its changes come as `microphoneMuted`). */
  muted?: boolean;
}

/** Where a published track's audio goes; `captureFrame` may wait (the source paces real time). */
export interface AudioSink {
  captureFrame(frame: AudioFrame): Promise<void>;
  close(): Promise<void>;
}

export interface TextMessage {
  topic: string;
  attributes: Record<string, string>;
  /**
   * Whom clients show as the sender: the speaker of a caption. The real server keeps an agent's
   * stated identity on a text-stream header (`pkg/rtc/participant.go`); default: the agent itself.
   */
  senderIdentity?: string;
  /** Only these participants receive it; default everyone. */
  destinationIdentities?: string[];
}

/** `replaced`: another participant joined with this identity (a second interpreter for the room). */
export type DisconnectReason = 'room-deleted' | 'left' | 'replaced' | 'connection-lost' | 'other';

export interface RoomEvents {
  participantJoined: (participant: ParticipantInfo) => void;
  /**
   * The participant's connection is up (LiveKit's state ACTIVE). A client that auto-subscribes is
   * subscribed to the tracks already published at this moment, not when it joined
   * (livekit-server v1.13.5 `pkg/rtc/room.go`: `onStateChange` calls `subscribeToExistingTracks`
   * on ACTIVE), so a subscription set before it would be overridden. Comes after
   * `participantJoined`, also for participants that were active when the agent joined.
   */
  participantActive: (identity: string) => void;
  participantLeft: (identity: string) => void;
  attributesChanged: (participant: ParticipantInfo) => void;
  microphoneSubscribed: (track: MicrophoneTrack) => void;
  microphoneUnsubscribed: (participant: string, trackSid: string) => void;
  /** A microphone was muted or unmuted by its publisher (or by the server for it). */
  microphoneMuted: (participant: string, trackSid: string, muted: boolean) => void;
  /**
   * A track the agent published got its first subscriber (LiveKit tells a publisher once per
   * track). The server subscribes every auto-subscribing participant to a new track when its media
   * arrives (`onTrackPublished`, after the publish itself has returned), so from here those
   * subscriptions exist and can be undone.
   */
  ownTrackSubscribed: (trackName: string) => void;
  disconnected: (reason: DisconnectReason) => void;
  /**
   * The connection came back after a drop. It may be to a different room of the same name: a
   * single LiveKit node forgets its rooms when restarted, and the first client back recreates
   * the room under a new sid.
   */
  reconnected: () => void;
}

export interface RoomIO {
  readonly name: string;
  participants(): ParticipantInfo[];
  /**
   * Publishes a mono audio track named `name` (source: microphone). `queueMs` is how much audio the
   * source may hold ahead of playout (rtc-node `AudioSource`'s queue; the framework uses 200 ms).
   */
  publishAudio(name: string, sampleRate: number, options?: { queueMs?: number }): Promise<AudioSink>;
  sendText(text: string, message: TextMessage): Promise<void>;
  /** The sid of a track the agent publishes, looked up now (a full reconnect republishes under new sids). */
  trackSid(name: string): string | undefined;
  /** Attributes of the agent's own participant. */
  setAttributes(attributes: Record<string, string>): Promise<void>;
  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void;
  off<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void;
  disconnect(): Promise<void>;
}

/**
 * Server-side subscriptions of other participants (RoomService `UpdateSubscriptions`): not a
 * participant's right, so it goes through the API key rather than the agent's room token.
 */
export interface SubscriptionControl {
  updateSubscriptions(identity: string, trackSids: string[], subscribe: boolean): Promise<void>;
}

export { LANGUAGE_ATTRIBUTE as LISTENER_LANGUAGE_ATTRIBUTE, NOTICE_TOPIC, TRANSCRIPTION_TOPIC } from '../common/listener-protocol.ts';

type AnyListener = (...args: never[]) => void;

/** Typed listeners for `RoomEvents`, shared by the room implementations. */
export class RoomEventEmitter {
  private readonly handlers = new Map<keyof RoomEvents, Set<AnyListener>>();

  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(listener);
  }

  off<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    this.handlers.get(event)?.delete(listener);
  }

  emit<E extends keyof RoomEvents>(event: E, ...args: Parameters<RoomEvents[E]>): void {
    for (const listener of [...(this.handlers.get(event) ?? [])]) (listener as unknown as (...a: Parameters<RoomEvents[E]>) => void)(...args);
  }
}
