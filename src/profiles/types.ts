/**
 * A validated, defaulted room profile: what `loadProfiles()` returns and what the agent,
 * the orchestrator and the infrastructure consume. The YAML shape is defined by
 * `interpreter.schema.json`; this is the same data after defaults have been applied.
 */

/** How a target language is voiced. */
export type VoiceChoice =
  /** The speaker's own voice (Azure personal voice) for speakers who consented; `fallback` (a neural voice) for everyone else. */
  | { kind: 'personal'; fallback: string }
  /** A standard Azure neural voice, e.g. `fr-FR-DeniseNeural`. */
  | { kind: 'neural'; name: string }
  /** Captions only: no synthesized audio for this language. */
  | { kind: 'none' };

export interface TargetLanguage {
  /** Azure speech translation text language code, e.g. `fr`, `de`, `zh-Hans`. */
  language: string;
  voice: VoiceChoice;
}

export interface SpeakerRule {
  /** Participant identity: exact, or a glob such as `interp-*`. */
  identity: string;
  /** Declared spoken locale (e.g. `en-US`); skips language detection for this speaker. */
  language?: string;
  /** The speaker consented to being heard in their own (personal) voice. */
  personalVoice: boolean;
  /** `false`: never interpreted (a human interpreter, a presenter's video). */
  translate: boolean;
  /** Added to the profile's terminology phrases in this speaker's sessions only. */
  phrases?: string[];
}

/** What recognition should favour and how it is translated: sent with every session of the room. */
export interface Terminology {
  /** The profile's phrases (inline, then `phrasesFile`'s), trimmed, each once. */
  phrases: string[];
  /** Phrase list weight, 0..2; undefined = Azure's default (1). */
  weight?: number;
  /** Custom Translator category id. */
  translatorCategory?: string;
}

export type Segmentation = 'default' | 'time' | 'semantic';

/** How Azure ends a phrase: `silenceMs` sooner and choppier, or later and whole. */
export interface Timing {
  segmentation: Segmentation;
  silenceMs?: number;
  /** Only with `segmentation: time`. */
  maxPhraseSeconds?: number;
}

export type MetadataValue = string | number | boolean;

export interface RoomMatch {
  /** Room name patterns: globs (`board-*`) or regexes written `/^board-q[1-4]$/i`. Empty = any name. */
  rooms: string[];
  /** Equality on top-level fields of the room's metadata (parsed as JSON). Empty = no condition. */
  metadata: Record<string, MetadataValue>;
}

export interface ProfileLimits {
  /** The agent leaves the room after this many minutes. */
  maxSessionMinutes: number;
  /** Speakers interpreted at once; the newest past the limit is skipped with a notice. */
  maxSpeakers: number;
  /** Seconds the agent waits in an empty room (at start, or after the last person left) before exiting. */
  emptyRoomTimeoutSeconds: number;
  /**
   * Milliseconds a re-plan waits for further changes (listeners picking languages, people
   * joining) before it runs: one pending re-plan, however many changes. Filled by the loader.
   */
  replanDebounceMs?: number;
  /** Seconds a language's sessions stay open after its last listener left (onDemand). Filled by the loader. */
  languageLingerSeconds?: number;
  /** Azure sessions the agent may open in this room per minute (a burst of ten seconds' worth, then paced). Filled by the loader. */
  sessionOpensPerMinute?: number;
}

/**
 * The speech gate: a microphone's audio goes to Azure only while it carries speech (local voice
 * activity detection with pre-roll and hangover). Off by default until measured against real Azure.
 */
export interface SpeechGateSettings {
  enabled: boolean;
  /** Audio kept from before speech was detected and sent with it, so no first syllable is lost. */
  preRollMs: number;
  /** Audio still sent after speech stopped, so phrase ends are not cut. */
  hangoverMs: number;
  /** Share of the meeting each speaker talks, for `interpreter plan`'s cost with the gate (0..1). */
  speakingShare: number;
}

export type Profanity = 'masked' | 'removed' | 'raw';

/** Who gets a language's audio or captions: everyone (LiveKit's default), or only the listeners who chose it. */
export type ListenerDelivery = 'all' | 'chosen-language';

/**
 * What each listener receives, for apps that do not pick a language themselves (a stock LiveKit
 * client subscribes to every track and shows every transcription).
 */
export interface ListenerSettings {
  /** `chosen-language`: the agent keeps each listener subscribed to `interpretation-<their language>` only (RoomService.UpdateSubscriptions). */
  audio: ListenerDelivery;
  /** `chosen-language`: each language's captions go only to the listeners who chose it. */
  captions: ListenerDelivery;
}

export interface Profile {
  name: string;
  description?: string;
  /** Higher wins; among equals, the order of files (sorted by path) then position in file. */
  priority: number;
  match: RoomMatch;
  languages: {
    /** `auto` = open-range detection; a list = candidate locales (at most 10). */
    source: 'auto' | string[];
    targets: TargetLanguage[];
  };
  speakers: SpeakerRule[];
  audio: { sampleRate: 16000 | 24000 };
  captions: boolean;
  profanity: Profanity;
  limits: ProfileLimits;
  /** Translate only into languages some listener chose (participant attribute `language`). */
  onDemand: boolean;
  /** Filled by the loader (undefined in hand-built profiles = everyone gets everything). */
  listeners?: ListenerSettings;
  /** The speech gate; filled by the loader (undefined in hand-built profiles = off). */
  speechGate?: SpeechGateSettings;
  /** Absent when the profile sets none. */
  terminology?: Terminology;
  /** Absent when the profile sets none: the service's defaults. */
  timing?: Timing;
  /** Where the profile was defined, for messages. */
  origin: { file: string; line: number };
}

/** One problem found in a profile source. Errors are data until the CLI renders them. */
export interface ProfileProblem {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole (missing, empty). */
  line: number;
  column: number;
  /** JSON pointer into the document, e.g. `/languages/targets/1/voice`. */
  path: string;
  message: string;
  /** How to fix it, including a "did you mean" when something close is known. */
  hint?: string;
  severity: 'error' | 'warning';
}

export interface LoadResult {
  profiles: Profile[];
  problems: ProfileProblem[];
}

export interface RoomInfo {
  name: string;
  /** The room's metadata string as LiveKit holds it (often JSON). */
  metadata?: string;
}

export interface MatchResult {
  profile: Profile;
  /** Human-readable: which rule matched. */
  reason: string;
}

/** Who speaks and who listens, as the agent or `interpreter plan` knows it. */
export interface SpeakerPlanInput {
  identity: string;
  /** Language the speaker was detected speaking (a bare code like `de`, or a locale). */
  detectedLanguage?: string;
  /** Languages listeners chose (participant attribute `language`); only consulted with `onDemand`. */
  listenerLanguages?: readonly string[];
}

/** The Azure sessions one speaker needs: what `planSpeaker()` returns. */
export interface SpeakerSessionPlan {
  identity: string;
  /** The matching speaker rule, if any. */
  rule?: SpeakerRule;
  /** `false` for speakers with `translate: false`: no sessions at all. */
  translate: boolean;
  /** The declared locale (as a one-entry list) or the profile's source setting. */
  source: 'auto' | string[];
  /** One plugin session each: the language it speaks and the voice (`personal-voice` or a neural voice name). */
  voiced: { language: string; voice: string }[];
  /** Languages delivered as captions only, through one shared text-only session (empty: none needed). */
  captionOnly: string[];
}
