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
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  type TrackPublication,
} from '@livekit/rtc-node';
import { RoomEventEmitter, type AudioSink, type DisconnectReason as SeamDisconnectReason, type MicrophoneTrack, type ParticipantInfo, type RoomEvents, type RoomIO, type TextMessage } from './room-io.ts';

/** Input rate the interpreter asks rtc-node for; the plugin resamples to what Azure wants. */
const MICROPHONE_SAMPLE_RATE = 16_000;

export class RtcRoomIO implements RoomIO {
  private readonly events = new RoomEventEmitter();

  private constructor(
    private readonly room: Room,
    readonly name: string,
  ) {
    room
      .on(RoomEvent.ParticipantConnected, (p: RemoteParticipant) => this.emit('participantJoined', info(p)))
      .on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => this.emit('participantLeft', p.identity))
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
    return io;
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
    await this.room.disconnect();
  }

  private emit<E extends keyof RoomEvents>(event: E, ...args: Parameters<RoomEvents[E]>): void {
    this.events.emit(event, ...args);
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
