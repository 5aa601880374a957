/**
 * An in-memory LiveKit room behind the agent's `RoomIO` seam: tests add people, play audio into
 * their microphones, set attributes, and read what the agent published and sent.
 */
import { AudioFrame } from '@livekit/rtc-node';
import { RoomEventEmitter, type AudioSink, type DisconnectReason, type ParticipantInfo, type RoomEvents, type RoomIO, type TextMessage } from '../../src/agent/room-io.ts';

export interface PublishedTrack {
  name: string;
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

export class MemoryRoom implements RoomIO {
  readonly published = new Map<string, PublishedTrack>();
  readonly texts: SentText[] = [];
  agentAttributes: Record<string, string> = {};
  disconnected = false;
  private readonly people = new Map<string, ParticipantInfo>();
  private readonly microphones = new Map<string, { mic: Microphone; trackSid: string }>();
  private readonly events = new RoomEventEmitter();
  private trackCounter = 0;

  constructor(readonly name = 'test-room') {}

  participants(): ParticipantInfo[] {
    return [...this.people.values()];
  }

  async publishAudio(name: string, sampleRate: number): Promise<AudioSink> {
    const track: PublishedTrack = { name, sampleRate, frames: [], closed: false };
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
    this.texts.push({ text, topic: message.topic, attributes: { ...message.attributes }, ...(message.senderIdentity ? { senderIdentity: message.senderIdentity } : {}) });
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

  join(identity: string, attributes: Record<string, string> = {}, isAgent = false): void {
    const info: ParticipantInfo = { identity, attributes, isAgent };
    this.people.set(identity, info);
    this.events.emit('participantJoined', info);
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
