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
   * Whom the stream is from, when not the agent itself: the speaker, for captions of their words.
   * rtc-node's `streamText({ senderIdentity })`; the LiveKit server keeps an agent's stated
   * identity on a text-stream header (livekit `pkg/rtc/participant.go`).
   */
  senderIdentity?: string;
}

export type DisconnectReason = 'room-deleted' | 'left' | 'connection-lost' | 'other';

export interface RoomEvents {
  participantJoined: (participant: ParticipantInfo) => void;
  participantLeft: (identity: string) => void;
  attributesChanged: (participant: ParticipantInfo) => void;
  microphoneSubscribed: (track: MicrophoneTrack) => void;
  microphoneUnsubscribed: (participant: string, trackSid: string) => void;
  disconnected: (reason: DisconnectReason) => void;
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
  /** Attributes of the agent's own participant. */
  setAttributes(attributes: Record<string, string>): Promise<void>;
  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void;
  off<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void;
  disconnect(): Promise<void>;
}

/** The attribute a listener sets to choose their language. */
export const LISTENER_LANGUAGE_ATTRIBUTE = 'language';
/** Topic LiveKit's client components read captions from. */
export const TRANSCRIPTION_TOPIC = 'lk.transcription';
/** Topic for notices people in the room should see (a speaker skipped, a language failing). */
export const NOTICE_TOPIC = 'interpreter.notice';

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
