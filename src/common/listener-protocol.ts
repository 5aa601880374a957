/**
 * What a listener's client needs to know about the room the interpreter agent serves: the names
 * the agent publishes under and the attribute it reads. Constants only, so the browser app
 * (`web/`) can import this file without pulling in anything of Node. The agent's own copies live
 * in `src/agent/room-io.ts` and `src/agent/captions.ts`; a unit test keeps the two in step.
 */

/** Identity the agent joins rooms with. */
export const INTERPRETER_IDENTITY = 'interpreter';
/** A listener's participant attribute naming the language they want to hear. */
export const LANGUAGE_ATTRIBUTE = 'language';
/** The agent publishes one mixed track per language, named with this prefix and the language code. */
export const INTERPRETATION_TRACK_PREFIX = 'interpretation-';
/** LiveKit's topic for transcriptions (text streams whose sender is the speaker). */
export const TRANSCRIPTION_TOPIC = 'lk.transcription';
/** The agent's notices for people in the room (a speaker skipped, a language failing). */
export const NOTICE_TOPIC = 'interpreter.notice';

/** Text-stream attributes of a caption. */
export const CaptionAttribute = {
  segmentId: 'lk.segment_id',
  trackId: 'lk.transcribed_track_id',
  final: 'lk.transcription_final',
  /** The caption's language. */
  language: 'language',
  /** The name the agent wrote before `language` was agreed on; read as a fallback. */
  legacyLanguage: 'lk.translated_language',
} as const;

export function interpretationTrackName(language: string): string {
  return `${INTERPRETATION_TRACK_PREFIX}${language}`;
}

/** The language of an `interpretation-<lang>` track name, or undefined for any other track. */
export function languageOfTrack(trackName: string): string | undefined {
  if (!trackName.startsWith(INTERPRETATION_TRACK_PREFIX)) return undefined;
  const language = trackName.slice(INTERPRETATION_TRACK_PREFIX.length);
  return language.length > 0 ? language : undefined;
}

/** A caption's language from its attributes: `language`, else the older `lk.translated_language`. */
export function captionLanguage(attributes: Readonly<Record<string, string>>): string | undefined {
  return attributes[CaptionAttribute.language] || attributes[CaptionAttribute.legacyLanguage] || undefined;
}
