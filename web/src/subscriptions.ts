/**
 * Which remote tracks a listener subscribes to, and how loud each plays. Stock LiveKit clients
 * subscribe to everything; a listener must hear one interpretation only (every other
 * `interpretation-*` track is another language), with the speakers' own microphones (the floor)
 * quietly underneath, as Zoom's interpretation does. With no language chosen the floor plays alone.
 */
import { INTERPRETATION_TRACK_PREFIX, INTERPRETER_IDENTITY, interpretationTrackName } from '../../src/common/listener-protocol.ts';

export type TrackRole = 'interpretation' | 'floor';

export interface PublicationFacts {
  participantIdentity: string;
  participantIsAgent: boolean;
  trackName: string;
  kind: 'audio' | 'video' | 'unknown';
  source: 'microphone' | 'camera' | 'screen_share' | 'screen_share_audio' | 'unknown';
}

/** `language`: the chosen language code, or '' for the original audio (floor only). */
export function roleOf(publication: PublicationFacts, language: string): TrackRole | undefined {
  if (publication.kind !== 'audio') return undefined;
  const fromAgent = publication.participantIsAgent || publication.participantIdentity === INTERPRETER_IDENTITY;
  if (fromAgent) {
    if (!publication.trackName.startsWith(INTERPRETATION_TRACK_PREFIX)) return undefined;
    return language !== '' && publication.trackName === interpretationTrackName(language) ? 'interpretation' : undefined;
  }
  return publication.source === 'microphone' ? 'floor' : undefined;
}

export interface Volumes {
  /** 0..1, the interpretation's volume. */
  interpretation: number;
  /** 0..1, the floor's volume under an interpretation. */
  floor: number;
}

/** Default floor level under an interpretation: audible, never competing with it. */
export const DEFAULT_FLOOR_VOLUME = 0.15;

/** The volume a track of `role` plays at. Without an interpretation the floor is what one hears: full. */
export function volumeFor(role: TrackRole, volumes: Volumes, language: string): number {
  if (role === 'interpretation') return volumes.interpretation;
  return language === '' ? 1 : volumes.floor;
}
