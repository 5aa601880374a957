/**
 * An in-memory LiveKit room behind the agent's `RoomIO` seam: tests add people, play audio into
 * their microphones, set attributes, and read what the agent published and sent.
 *
 * It also keeps who is subscribed to the agent's tracks, as the real server does (livekit-server
 * v1.13.5 `pkg/rtc/room.go`): an auto-subscribing participant is subscribed to every published
 * track when its connection becomes active, and to a new track when the server sees its media
 * (`serverSeesTrack`, which the test calls: after the publish returned); `UpdateSubscriptions`
 * (`SubscriptionControl`) changes one participant's, and an unsubscribe from a track the
 * participant has no subscription to does nothing, as in `SubscriptionManager`.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { RoomEventEmitter, type AudioSink, type DisconnectReason, type ParticipantInfo, type RoomEvents, type RoomIO, type SubscriptionControl, type TextMessage } from '../../src/agent/room-io.ts';

export interface PublishedTrack {
  name: string;
  sid: string;
  sampleRate: number;
  frames: AudioFrame[];
  closed: boolean;
}

export interface SentText {
  text: string;
  topic: string;
  attributes: Record<string, string>;
  /** Undefined when the agent sent it as itself. */
  senderIdentity?: string;
  /** Undefined when sent to everyone. */
  destinationIdentities?: string[];
}

export interface JoinOptions {
  isAgent?: boolean;
  /** The client subscribes to every track (LiveKit's default). Default true. */
  autoSubscribe?: boolean;
  /** Its connection is up at once (default); false: the test calls `activate` later. */
  active?: boolean;
}

/** A microphone as an async queue of frames that the test fills. */
class Microphone implements AsyncIterable<AudioFrame> {
  private readonly queue: AudioFrame[] = [];
  private waiting: ((result: IteratorResult<AudioFrame>) => void) | undefined;
  private ended = false;

  push(frame: AudioFrame): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: frame, done: false });
    } else this.queue.push(frame);
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<AudioFrame> {
    return {
      next: () => {
        const frame = this.queue.shift();
        if (frame) return Promise.resolve({ value: frame, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

export class MemoryRoom implements RoomIO, SubscriptionControl {
  readonly published = new Map<string, PublishedTrack>();
  readonly texts: SentText[] = [];
  agentAttributes: Record<string, string> = {};
  disconnected = false;
  private readonly people = new Map<string, ParticipantInfo>();
  private readonly microphones = new Map<string, { mic: Microphone; trackSid: string }>();
  private readonly events = new RoomEventEmitter();
  private trackCounter = 0;
  /** identity -> sids of the agent's tracks it is subscribed to. */
  private readonly subscribed = new Map<string, Set<string>>();
  /** identity -> whether it auto-subscribes and whether its connection is up. */
  private readonly clients = new Map<string, { autoSubscribe: boolean; active: boolean }>();
  /** Tracks whose media the server has seen (auto-subscribers get them). */
  private readonly seenTracks = new Set<string>();
  /** Every UpdateSubscriptions call, in order. */
  readonly subscriptionCalls: { identity: string; trackSids: string[]; subscribe: boolean }[] = [];
  /** Set to make UpdateSubscriptions fail (a closure deciding per call). */
  failSubscriptions: ((identity: string) => boolean) | undefined;

  constructor(readonly name = 'test-room') {}

  participants(): ParticipantInfo[] {
    return [...this.people.values()];
  }

  async publishAudio(name: string, sampleRate: number): Promise<AudioSink> {
    const track: PublishedTrack = { name, sid: `TR_out_${++this.trackCounter}`, sampleRate, frames: [], closed: false };
    this.published.set(name, track);
    return {
      captureFrame: async (frame) => {
        track.frames.push(frame);
      },
      close: async () => {
        track.closed = true;
      },
    };
  }

  async sendText(text: string, message: TextMessage): Promise<void> {
    this.texts.push({
      text,
      topic: message.topic,
      attributes: { ...message.attributes },
      ...(message.senderIdentity ? { senderIdentity: message.senderIdentity } : {}),
      ...(message.destinationIdentities ? { destinationIdentities: [...message.destinationIdentities] } : {}),
    });
  }

  trackSid(name: string): string | undefined {
    return this.published.get(name)?.sid;
  }

  async updateSubscriptions(identity: string, trackSids: string[], subscribe: boolean): Promise<void> {
    this.subscriptionCalls.push({ identity, trackSids: [...trackSids], subscribe });
    // A call takes a moment, as a real one does: work queued behind it gets to run.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failSubscriptions?.(identity)) throw new Error(`UpdateSubscriptions failed for ${identity}`);
    if (!this.people.has(identity)) throw new Error(`participant ${identity} not found`);
    const set = this.subscriptionsOf(identity);
    for (const sid of trackSids) {
      if (subscribe) set.add(sid);
      else set.delete(sid);
    }
  }

  async setAttributes(attributes: Record<string, string>): Promise<void> {
    this.agentAttributes = { ...this.agentAttributes, ...attributes };
  }

  on<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof RoomEvents>(event: E, listener: RoomEvents[E]): void {
    this.events.off(event, listener);
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  // --- what the test does in the room ---

  join(identity: string, attributes: Record<string, string> = {}, options: boolean | JoinOptions = {}): void {
    const { isAgent = false, autoSubscribe = true, active = true } = typeof options === 'boolean' ? { isAgent: options } : options;
    const info: ParticipantInfo = { identity, attributes, isAgent };
    this.people.set(identity, info);
    this.clients.set(identity, { autoSubscribe, active: false });
    this.events.emit('participantJoined', info);
    if (active) this.activate(identity);
  }

  /** A participant's connection comes up: an auto-subscriber gets every track the server has. */
  activate(identity: string): void {
    const client = this.clients.get(identity);
    if (!client || client.active) return;
    client.active = true;
    if (client.autoSubscribe) for (const sid of this.seenTracks) this.subscriptionsOf(identity).add(sid);
    this.events.emit('participantActive', identity);
  }

  /**
   * The server sees a published track's media: every active auto-subscriber is subscribed to it,
   * and the agent hears of its first subscriber.
   */
  serverSeesTrack(name: string): void {
    const track = this.published.get(name);
    if (!track) throw new Error(`${name} is not published`);
    this.seenTracks.add(track.sid);
    let any = false;
    for (const [identity, client] of this.clients) {
      if (client.active && client.autoSubscribe) this.subscriptionsOf(identity).add(track.sid);
      if (this.subscribed.get(identity)?.has(track.sid)) any = true;
    }
    if (any) this.events.emit('ownTrackSubscribed', name);
  }

  /** Names of the agent's tracks a participant is subscribed to, sorted. */
  subscriptionsNamed(identity: string): string[] {
    const sids = this.subscribed.get(identity) ?? new Set();
    return [...this.published.values()].filter((t) => sids.has(t.sid)).map((t) => t.name).sort();
  }

  private subscriptionsOf(identity: string): Set<string> {
    let set = this.subscribed.get(identity);
    if (!set) this.subscribed.set(identity, (set = new Set()));
    return set;
  }

  setAttribute(identity: string, key: string, value: string): void {
    const current = this.people.get(identity);
    if (!current) throw new Error(`${identity} is not in the room`);
    const info = { ...current, attributes: { ...current.attributes, [key]: value } };
    this.people.set(identity, info);
    this.events.emit('attributesChanged', info);
  }

  /** Publishes a microphone (the agent subscribes at once). Returns its track sid. */
  publishMicrophone(identity: string): string {
    const trackSid = `TR_mic_${++this.trackCounter}`;
    const mic = new Microphone();
    this.microphones.set(identity, { mic, trackSid });
    this.events.emit('microphoneSubscribed', { participant: identity, trackSid, frames: mic });
    return trackSid;
  }

  /** Mutes or unmutes a participant's microphone (its frames may go on: a muted track sends silence or nothing). */
  muteMicrophone(identity: string, muted: boolean): void {
    const entry = this.microphones.get(identity);
    if (!entry) throw new Error(`${identity} has no microphone`);
    this.events.emit('microphoneMuted', identity, entry.trackSid, muted);
  }

  /** Ends one microphone track of a participant (a republished one's predecessor, say). */
  unpublishMicrophone(identity: string, trackSid: string, mic?: { end(): void }): void {
    mic?.end();
    if (this.microphones.get(identity)?.trackSid === trackSid) this.microphones.delete(identity);
    this.events.emit('microphoneUnsubscribed', identity, trackSid);
  }

  /** The current microphone of a participant, to end it later. */
  microphoneOf(identity: string): { end(): void } | undefined {
    return this.microphones.get(identity)?.mic;
  }

  /** Plays 16-bit mono samples into a microphone as 10 ms frames, `speed` times real time. */
  async speak(identity: string, samples: Int16Array, sampleRate: number, speed = 4): Promise<void> {
    const entry = this.microphones.get(identity);
    if (!entry) throw new Error(`${identity} has no microphone`);
    const frameSamples = sampleRate / 100;
    for (let offset = 0, n = 0; offset < samples.length; offset += frameSamples, n++) {
      const chunk = new Int16Array(frameSamples);
      chunk.set(samples.subarray(offset, Math.min(samples.length, offset + frameSamples)));
      entry.mic.push(new AudioFrame(chunk, sampleRate, 1, frameSamples));
      // Yield every 10 frames so the SDK's sockets keep up; the pacing is speed x real time.
      if (n % 10 === 9) await new Promise((r) => setTimeout(r, 100 / speed));
    }
  }

  /** Silence, so the service sees the end of an utterance. */
  async silence(identity: string, ms: number, sampleRate: number, speed = 4): Promise<void> {
    await this.speak(identity, new Int16Array((sampleRate * ms) / 1000), sampleRate, speed);
  }

  leave(identity: string): void {
    this.microphones.get(identity)?.mic.end();
    this.microphones.delete(identity);
    this.people.delete(identity);
    this.clients.delete(identity);
    this.subscribed.delete(identity);
    this.events.emit('participantLeft', identity);
  }

  /** The connection dropped and came back (to the same room or, after a server restart, a new one). */
  reconnect(): void {
    this.events.emit('reconnected');
  }

  end(reason: DisconnectReason = 'room-deleted'): void {
    this.events.emit('disconnected', reason);
  }
}
