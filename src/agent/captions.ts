/**
 * Live captions as LiveKit transcriptions: per utterance and language, interim and final
 * `lk.transcription` text streams with the standard attributes, so LiveKit's client components
 * show them, plus the language so a client can pick the one its user reads.
 */
import { TRANSCRIPTION_TOPIC, type RoomIO } from './room-io.ts';

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

export const CaptionAttributes = {
  trackId: 'lk.transcribed_track_id',
  segmentId: 'lk.segment_id',
  final: 'lk.transcription_final',
  language: 'lk.translated_language',
  speaker: 'lk.participant_identity',
} as const;

/** Segments remembered at most: one whose final never came (a closed session) must not stay forever. */
const MAX_OPEN_SEGMENTS = 512;

export class CaptionWriter {
  /** Last text sent per segment, so an unchanged interim is not sent again (oldest first). */
  private readonly lastSent = new Map<string, string>();

  constructor(
    private readonly room: RoomIO,
    private readonly onError: (error: unknown) => void,
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
    const attributes = {
      [CaptionAttributes.trackId]: caption.trackSid,
      [CaptionAttributes.segmentId]: segmentId,
      [CaptionAttributes.final]: String(caption.isFinal),
      [CaptionAttributes.language]: caption.language,
      [CaptionAttributes.speaker]: caption.speaker,
    };
    this.room.sendText(caption.text, { topic: TRANSCRIPTION_TOPIC, attributes, senderIdentity: caption.speaker }).catch(this.onError);
  }
}
