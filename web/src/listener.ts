/**
 * A listener's (and optionally a speaker's) side of an interpreted LiveKit room, without any UI:
 * joins with autoSubscribe off, subscribes to the chosen `interpretation-<lang>` and to the
 * speakers' microphones (the floor, quietly), reads captions in the chosen language, follows who
 * is speaking, and measures the interpretation's level with Web Audio so a person (and the
 * browser test) can see that something is coming.
 */
import {
  ConnectionState,
  type Participant,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  RemoteAudioTrack,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { INTERPRETER_IDENTITY, LANGUAGE_ATTRIBUTE, NOTICE_TOPIC, TRANSCRIPTION_TOPIC, captionLanguage, CaptionAttribute, languageOfTrack } from '../../src/common/listener-protocol.ts';
import { CaptionStore, type CaptionLine } from './captions.ts';
import { DEFAULT_FLOOR_VOLUME, roleOf, volumeFor, type PublicationFacts, type TrackRole, type Volumes } from './subscriptions.ts';

export interface Speaker {
  identity: string;
  name: string;
  speaking: boolean;
  isLocal: boolean;
}

export interface HeardTrack {
  participant: string;
  trackName: string;
  role: TrackRole;
  volume: number;
}

export interface ListenerCallbacks {
  state(state: ConnectionState): void;
  captions(lines: readonly CaptionLine[]): void;
  speakers(speakers: readonly Speaker[]): void;
  tracks(heard: readonly HeardTrack[]): void;
  /** Languages the interpreter publishes right now (others appear when someone picks them). */
  published(languages: readonly string[]): void;
  /** RMS (0..1) of the interpretation as received, about ten times a second. */
  level(rms: number): void;
  notice(text: string): void;
  /** The browser refused to start audio without a gesture: show a button that calls startAudio(). */
  audioBlocked(blocked: boolean): void;
}

const LEVEL_INTERVAL_MS = 100;

export class ListenerRoom {
  readonly room = new Room({ adaptiveStream: false, dynacast: false });
  readonly #callbacks: ListenerCallbacks;
  readonly #captions = new CaptionStore();
  #language = '';
  #volumes: Volumes = { interpretation: 1, floor: DEFAULT_FLOOR_VOLUME };
  #active = new Set<string>();
  #meter: { context: AudioContext; timer: number; source: MediaStreamAudioSourceNode } | undefined;
  readonly #elements = new Map<string, HTMLMediaElement>();

  constructor(callbacks: ListenerCallbacks) {
    this.#callbacks = callbacks;
    const room = this.room;
    room.on(RoomEvent.ConnectionStateChanged, (state) => callbacks.state(state));
    room.on(RoomEvent.TrackPublished, () => this.#apply());
    room.on(RoomEvent.TrackUnpublished, () => this.#apply());
    room.on(RoomEvent.ParticipantConnected, () => this.#apply());
    room.on(RoomEvent.ParticipantDisconnected, () => this.#apply());
    room.on(RoomEvent.ParticipantNameChanged, () => {
      this.#announce();
      // Captions name their speaker: show the new name on the lines already there too.
      callbacks.captions(this.#captions.lines());
    });
    room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => this.#attach(track, publication, participant));
    room.on(RoomEvent.TrackUnsubscribed, (track, publication) => this.#detach(track, publication));
    room.on(RoomEvent.ActiveSpeakersChanged, (speakers: Participant[]) => {
      this.#active = new Set(speakers.map((p) => p.identity));
      this.#announce();
    });
    room.on(RoomEvent.LocalTrackPublished, () => this.#announce());
    room.on(RoomEvent.LocalTrackUnpublished, () => this.#announce());
    room.on(RoomEvent.AudioPlaybackStatusChanged, () => callbacks.audioBlocked(!room.canPlaybackAudio));
    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, sender) => {
      const attributes = reader.info.attributes ?? {};
      if (this.#language === '' || captionLanguage(attributes) !== this.#language) return;
      const segmentId = attributes[CaptionAttribute.segmentId] ?? reader.info.id;
      const final = attributes[CaptionAttribute.final] === 'true';
      void reader.readAll().then((text) => {
        if (this.#captions.update(segmentId, sender.identity, text, final)) callbacks.captions(this.#captions.lines());
      });
    });
    room.registerTextStreamHandler(NOTICE_TOPIC, (reader) => {
      void reader.readAll().then((text) => callbacks.notice(text));
    });
  }

  get language(): string {
    return this.#language;
  }

  /** Connects with autoSubscribe off; `language` '' = the original audio only. */
  async join(url: string, token: string, language: string): Promise<void> {
    this.#language = language;
    await this.room.connect(url, token, { autoSubscribe: false });
    // The token carried the language; set it again in case the token endpoint did not.
    if (this.room.localParticipant.attributes[LANGUAGE_ATTRIBUTE] !== language) await this.room.localParticipant.setAttributes({ [LANGUAGE_ATTRIBUTE]: language });
    this.#apply();
    this.#callbacks.audioBlocked(!this.room.canPlaybackAudio);
  }

  /** The attribute tells the agent which language to produce; the subscriptions follow at once. */
  async setLanguage(language: string): Promise<void> {
    if (language === this.#language) return;
    this.#language = language;
    this.#captions.clear();
    this.#callbacks.captions([]);
    this.#apply();
    await this.room.localParticipant.setAttributes({ [LANGUAGE_ATTRIBUTE]: language });
  }

  setVolumes(volumes: Partial<Volumes>): void {
    this.#volumes = { ...this.#volumes, ...volumes };
    this.#apply();
  }

  get volumes(): Volumes {
    return { ...this.#volumes };
  }

  /** Publishes (or stops) this person's microphone, which the agent then interprets for everyone else. */
  async setMicrophone(enabled: boolean): Promise<void> {
    await this.room.localParticipant.setMicrophoneEnabled(enabled);
    this.#announce();
  }

  get microphoneOn(): boolean {
    return this.room.localParticipant.isMicrophoneEnabled;
  }

  startAudio(): Promise<void> {
    return this.room.startAudio();
  }

  async leave(): Promise<void> {
    this.#stopMeter();
    await this.room.disconnect();
    for (const element of this.#elements.values()) element.remove();
    this.#elements.clear();
  }

  /** Subscribes to what the listener should hear, unsubscribes from the rest, and sets volumes. */
  #apply(): void {
    if (this.room.state !== ConnectionState.Connected) return;
    const heard: HeardTrack[] = [];
    const published = new Set<string>();
    for (const participant of this.room.remoteParticipants.values()) {
      for (const publication of participant.trackPublications.values()) {
        const facts = factsOf(publication, participant);
        const language = languageOfTrack(publication.trackName);
        if (language && (facts.participantIsAgent || facts.participantIdentity === INTERPRETER_IDENTITY)) published.add(language);
        const role = roleOf(facts, this.#language);
        const volume = role ? volumeFor(role, this.#volumes, this.#language) : 0;
        // A track turned all the way down is not worth its bandwidth: unsubscribe until it is turned up.
        const wanted = role !== undefined && volume > 0;
        if (publication.isSubscribed !== wanted) publication.setSubscribed(wanted);
        if (!role || !wanted) continue;
        const track = publication.track;
        if (track instanceof RemoteAudioTrack) track.setVolume(volume);
        heard.push({ participant: participant.identity, trackName: publication.trackName, role, volume });
      }
    }
    this.#callbacks.tracks(heard);
    this.#callbacks.published([...published].sort());
    this.#announce();
  }

  #attach(track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant): void {
    if (track.kind !== Track.Kind.Audio) return;
    const element = track.attach();
    element.dataset.track = publication.trackName;
    element.dataset.participant = participant.identity;
    document.body.append(element);
    this.#elements.set(publication.trackSid, element);
    if (roleOf(factsOf(publication, participant), this.#language) === 'interpretation') this.#startMeter(track.mediaStreamTrack);
    this.#apply();
  }

  #detach(track: RemoteTrack, publication: RemoteTrackPublication): void {
    for (const element of track.detach()) element.remove();
    this.#elements.delete(publication.trackSid);
    if (this.#meter && this.#meter.source.mediaStream.getTracks().includes(track.mediaStreamTrack)) this.#stopMeter();
    this.#apply();
  }

  /**
   * An analyser on the received interpretation. Chromium feeds Web Audio from a remote WebRTC
   * track only while the track also plays in a media element, which `attach()` has just done.
   */
  #startMeter(mediaStreamTrack: MediaStreamTrack): void {
    this.#stopMeter();
    const context = new AudioContext();
    const source = context.createMediaStreamSource(new MediaStream([mediaStreamTrack]));
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      this.#callbacks.level(Math.sqrt(sum / samples.length));
    }, LEVEL_INTERVAL_MS);
    void context.resume();
    this.#meter = { context, timer, source };
  }

  #stopMeter(): void {
    if (!this.#meter) return;
    window.clearInterval(this.#meter.timer);
    void this.#meter.context.close();
    this.#meter = undefined;
    this.#callbacks.level(0);
  }

  /** Everyone who can speak (has a microphone, or is the local person), the interpreter left out. */
  #announce(): void {
    const speakers: Speaker[] = [];
    const local = this.room.localParticipant;
    for (const participant of [local, ...this.room.remoteParticipants.values()]) {
      if (participant.isAgent) continue;
      const hasMicrophone = [...participant.trackPublications.values()].some((p) => p.source === Track.Source.Microphone);
      if (!hasMicrophone && participant !== local) continue;
      speakers.push({ identity: participant.identity, name: participant.name || participant.identity, speaking: this.#active.has(participant.identity), isLocal: participant === local });
    }
    this.#callbacks.speakers(speakers);
  }

  /** A display name for a caption's speaker. */
  nameOf(identity: string): string {
    if (identity === this.room.localParticipant.identity) return this.room.localParticipant.name || identity;
    return this.room.getParticipantByIdentity(identity)?.name || identity;
  }
}

function factsOf(publication: RemoteTrackPublication, participant: RemoteParticipant): PublicationFacts {
  const kind = publication.kind === Track.Kind.Audio ? 'audio' : publication.kind === Track.Kind.Video ? 'video' : 'unknown';
  const sources: Record<string, PublicationFacts['source']> = {
    [Track.Source.Microphone]: 'microphone',
    [Track.Source.Camera]: 'camera',
    [Track.Source.ScreenShare]: 'screen_share',
    [Track.Source.ScreenShareAudio]: 'screen_share_audio',
  };
  return { participantIdentity: participant.identity, participantIsAgent: participant.isAgent, trackName: publication.trackName, kind, source: sources[publication.source] ?? 'unknown' };
}
