/**
 * The room's contract between the interpreter agent and listeners' clients: the names the agent
 * publishes under and the attribute it reads. The agent, `interpreter listen` and the browser app
 * (`web/`) all use this one file; constants only, so a browser bundle pulls in nothing of Node.
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
  /** The caption's language; not under `lk.`, which is LiveKit's own namespace (as its translator example does). */
  language: 'language',
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

/** A caption's language from its attributes. */
export function captionLanguage(attributes: Readonly<Record<string, string>>): string | undefined {
  return attributes[CaptionAttribute.language] || undefined;
}
