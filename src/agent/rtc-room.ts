/**
 * `RoomIO` over `@livekit/rtc-node`: the agent's real connection to a LiveKit room. Kept thin so
 * everything with logic in it is tested through the in-memory room; this adapter itself is tested
 * against the real LiveKit server (`test/room/rtc-room.test.ts`).
 */
import {
  AudioSource,
  AudioStream,
  DisconnectReason,
  LocalAudioTrack,
  ParticipantKind,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type AudioFrame,
  type LocalTrack,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TrackPublication,
} from '@livekit/rtc-node';
import { RoomEventEmitter, type AudioSink, type DisconnectReason as SeamDisconnectReason, type MicrophoneTrack, type ParticipantInfo, type RoomEvents, type RoomIO, type TextMessage } from './room-io.ts';

/** Input rate the interpreter asks rtc-node for; the plugin resamples to what Azure wants. */
const MICROPHONE_SAMPLE_RATE = 16_000;

/**
 * `ParticipantState.ACTIVE` of `@livekit/rtc-ffi-bindings` (rtc-node does not re-export the enum).
 * rtc-node 0.13 keeps a participant's state in `participant.info` from the server's updates but
 * drops the FFI's `participantActive` event (rust-sdks `RoomEvent::ParticipantActive`), so the
 * adapter looks at the state of the few participants still connecting.
 */
const PARTICIPANT_ACTIVE = 2;
/** How often participants still connecting are looked at (a connection takes ~0.1-2 s). */
const ACTIVE_CHECK_MS = 100;

export class RtcRoomIO implements RoomIO {
  private readonly events = new RoomEventEmitter();
  /** Participants not yet ACTIVE, looked at every ACTIVE_CHECK_MS until they are or leave. */
  private readonly connecting = new Map<string, Participant>();
  private connectingTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly room: Room,
    readonly name: string,
  ) {
    room
      .on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => {
        this.emit('participantJoined', info(p));
        this.watchActive(p);
      })
      .on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
        if (this.connecting.get(p.identity) === p) this.connecting.delete(p.identity);
        this.emit('participantLeft', p.identity);
      })
      .on(RoomEvent.LocalTrackSubscribed, (track: LocalTrack | undefined) => {
        if (track?.name) this.emit('ownTrackSubscribed', track.name);
      })
      .on(RoomEvent.ParticipantAttributesChanged, (_changed: Record<string, string>, p: Participant) => {
        if (p.identity !== room.localParticipant?.identity) this.emit('attributesChanged', info(p));
      })
      .on(RoomEvent.TrackSubscribed, (track: RemoteTrack, publication: RemoteTrackPublication, p: RemoteParticipant) => {
        if (track.kind !== TrackKind.KIND_AUDIO || publication.source !== TrackSource.SOURCE_MICROPHONE) return;
        const frames = new AudioStream(track, { sampleRate: MICROPHONE_SAMPLE_RATE, numChannels: 1 }) as unknown as AsyncIterable<AudioFrame>;
        const microphone: MicrophoneTrack = { participant: p.identity, trackSid: publication.sid ?? track.sid ?? '', frames, muted: publication.muted ?? false };
        this.emit('microphoneSubscribed', microphone);
      })
      .on(RoomEvent.TrackUnsubscribed, (_track: RemoteTrack, publication: RemoteTrackPublication, p: RemoteParticipant) => {
        if (publication.source === TrackSource.SOURCE_MICROPHONE) this.emit('microphoneUnsubscribed', p.identity, publication.sid ?? '');
      })
      .on(RoomEvent.TrackMuted, (publication: TrackPublication, p: Participant) => {
        if (publication.source === TrackSource.SOURCE_MICROPHONE && p.identity !== room.localParticipant?.identity) this.emit('microphoneMuted', p.identity, publication.sid ?? '', true);
      })
      .on(RoomEvent.TrackUnmuted, (publication: TrackPublication, p: Participant) => {
        if (publication.source === TrackSource.SOURCE_MICROPHONE && p.identity !== room.localParticipant?.identity) this.emit('microphoneMuted', p.identity, publication.sid ?? '', false);
      })
      .on(RoomEvent.Disconnected, (reason: DisconnectReason) => this.emit('disconnected', seamReason(reason)))
      .on(RoomEvent.Reconnected, () => this.emit('reconnected'));
  }

  /**
   * Wraps a room someone else connects (an agents-framework job's `ctx.room`); call before it
   * connects, so no participant or track event is missed.
   */
  static wrap(room: Room, roomName: string): RtcRoomIO {
    return new RtcRoomIO(room, roomName);
  }

  /** Joins with `autoSubscribe`, so every microphone in the room reaches the interpreter. */
  static async connect(url: string, token: string, roomName: string): Promise<RtcRoomIO> {
    const room = new Room();
    const io = new RtcRoomIO(room, roomName);
    await room.connect(url, token, { autoSubscribe: true, dynacast: false });
    io.connected();
    return io;
  }

  /**
   * Call once the wrapped room has connected: the participants already there came with the join
   * (rtc-node announces no event for them), and each is reported active when it is.
   */
  connected(): void {
    for (const participant of this.room.remoteParticipants.values()) this.watchActive(participant);
  }

  /** The sid of the room as joined (rtc-node keeps the first one it learns). */
  sid(): Promise<string> {
    return this.room.getSid();
  }

  participants(): ParticipantInfo[] {
    return [...this.room.remoteParticipants.values()].map(info);
  }

  async publishAudio(name: string, sampleRate: number, options: { queueMs?: number } = {}): Promise<AudioSink> {
    const local = this.room.localParticipant;
    if (!local) throw new Error('not connected to the room');
    // The source's queue is what `captureFrame` paces against: the mixer keeps it this full.
    const source = new AudioSource(sampleRate, 1, options.queueMs ?? 1000);
    const track = LocalAudioTrack.createAudioTrack(name, source);
    await local.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
    return {
      captureFrame: (frame) => source.captureFrame(frame),
      close: async () => {
        // Looked up now, not kept from the publish: after a full reconnect rtc-node republishes
        // local tracks under new sids.
        const current = [...local.trackPublications.values()].find((publication) => publication.name === name);
        if (current?.sid && this.room.isConnected) await local.unpublishTrack(current.sid).catch(() => undefined);
        await source.close();
      },
    };
  }

  async sendText(text: string, message: TextMessage): Promise<void> {
    const local = this.room.localParticipant;
    if (!local) throw new Error('not connected to the room');
    // streamText, not sendText: only a stream header can name another sender (the speaker), and
    // the server keeps that name only for a participant of kind agent, which the interpreter is.
    const writer = await local.streamText({
      topic: message.topic,
      attributes: message.attributes,
      ...(message.senderIdentity ? { senderIdentity: message.senderIdentity } : {}),
      ...(message.destinationIdentities ? { destinationIdentities: message.destinationIdentities } : {}),
    });
    await writer.write(text);
    await writer.close();
  }

  trackSid(name: string): string | undefined {
    const local = this.room.localParticipant;
    if (!local) return undefined;
    return [...local.trackPublications.values()].find((publication) => publication.name === name)?.sid;
  }

  async setAttributes(attributes: Record<string, string>): Promise<void> {
    await this.room.localParticipant?.setAttributes(attributes);
  }

  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    this.events.off(event, listener);
  }

  async disconnect(): Promise<void> {
    clearInterval(this.connectingTimer);
    this.connectingTimer = undefined;
    this.connecting.clear();
    await this.room.disconnect();
  }

  private emit<E extends keyof RoomEvents>(event: E, ...args: Parameters<RoomEvents[E]>): void {
    this.events.emit(event, ...args);
  }

  /** Emits `participantActive` once for this participant: now, or when its state says so. */
  private watchActive(participant: Participant): void {
    if (this.connecting.get(participant.identity) === participant) return;
    if (participant.info.state === PARTICIPANT_ACTIVE) {
      this.emit('participantActive', participant.identity);
      return;
    }
    this.connecting.set(participant.identity, participant);
    if (this.connectingTimer) return;
    this.connectingTimer = setInterval(() => {
      for (const [identity, p] of this.connecting) {
        if (this.room.remoteParticipants.get(identity) !== p) this.connecting.delete(identity);
        else if (p.info.state === PARTICIPANT_ACTIVE) {
          this.connecting.delete(identity);
          this.emit('participantActive', identity);
        }
      }
      if (this.connecting.size === 0) {
        clearInterval(this.connectingTimer);
        this.connectingTimer = undefined;
      }
    }, ACTIVE_CHECK_MS);
    this.connectingTimer.unref?.();
  }
}

function info(participant: Participant): ParticipantInfo {
  return { identity: participant.identity, attributes: participant.attributes, isAgent: participant.kind === ParticipantKind.AGENT };
}

function seamReason(reason: DisconnectReason): SeamDisconnectReason {
  switch (reason) {
    case DisconnectReason.ROOM_DELETED:
      return 'room-deleted';
    case DisconnectReason.CLIENT_INITIATED:
      return 'left';
    case DisconnectReason.DUPLICATE_IDENTITY:
      return 'replaced';
    default:
      return 'connection-lost';
  }
}
