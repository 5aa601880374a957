/**
 * Live captions as LiveKit's own code writes transcriptions: per utterance and language, interim
 * and final `lk.transcription` text streams sent on behalf of the speaker (agents-js publishes a
 * user's transcript with `streamText({ senderIdentity })`, so clients attribute it to that user),
 * with only the attributes LiveKit defines under `lk.` (agents-js `src/constants.ts`:
 * `lk.transcribed_track_id`, `lk.segment_id`, `lk.transcription_final`) and the language under the
 * non-`lk.` key `language`, as LiveKit's multi-user translator example tags its text streams. A
 * client shows its user's language by reading `language` in its `lk.transcription` handler; with
 * the profile's `listeners.captions: chosen-language` a language's captions go only to its
 * listeners (`destinations`), for clients that show every transcription.
 */
import { CaptionAttribute as CaptionAttributes, TRANSCRIPTION_TOPIC } from '../common/listener-protocol.ts';
import type { CaptionDestinations } from './audience.ts';
import type { RoomIO } from './room-io.ts';

export interface Caption {
  /** Speaker's participant identity. */
  speaker: string;
  /** The speaker's microphone track sid (what LiveKit attributes a transcription to). */
  trackSid: string;
  /** Utterance id from the plugin. */
  itemId: string;
  language: string;
  text: string;
  isFinal: boolean;
}

export { CaptionAttribute as CaptionAttributes } from '../common/listener-protocol.ts';

/** Segments remembered at most: one whose final never came (a closed session) must not stay forever. */
const MAX_OPEN_SEGMENTS = 512;

export class CaptionWriter {
  /** Last text sent per segment, so an unchanged interim is not sent again (oldest first). */
  private readonly lastSent = new Map<string, string>();

  constructor(
    private readonly room: RoomIO,
    private readonly onError: (error: unknown) => void,
    /** Whom a language's captions go to (default everyone). */
    private readonly destinations: (language: string) => CaptionDestinations = () => 'everyone',
  ) {}

  send(caption: Caption): void {
    const segmentId = `${caption.itemId}-${caption.language}`;
    if (!caption.isFinal && this.lastSent.get(segmentId) === caption.text) return;
    if (caption.isFinal) this.lastSent.delete(segmentId);
    else {
      this.lastSent.delete(segmentId);
      this.lastSent.set(segmentId, caption.text);
      if (this.lastSent.size > MAX_OPEN_SEGMENTS) this.lastSent.delete(this.lastSent.keys().next().value as string);
    }
    const to = this.destinations(caption.language);
    if (to === 'nobody') return;
    const attributes = {
      [CaptionAttributes.trackId]: caption.trackSid,
      [CaptionAttributes.segmentId]: segmentId,
      [CaptionAttributes.final]: String(caption.isFinal),
      [CaptionAttributes.language]: caption.language,
    };
    const message = { topic: TRANSCRIPTION_TOPIC, attributes, senderIdentity: caption.speaker, ...(to === 'everyone' ? {} : { destinationIdentities: [...to] }) };
    this.room.sendText(caption.text, message).catch(this.onError);
  }
}
