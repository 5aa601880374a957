/** The emulator's public shapes. */

export interface EmulatorFaults {
  /** Reject every WebSocket upgrade with this status (a bad key or region). */
  rejectKey?: 401 | 403;
  /** Reject upgrades with 429 Too Many Requests. */
  throttle?: boolean;
  /** Drop the TCP connection (no close frame) this long after it opens. */
  dropAfterMs?: number;
  /** Delay every answer by this much. */
  replyDelayMs?: number;
  /** Never answer the end of audio with `turn.end` (the SDK's stop then hangs). */
  neverSendTurnEnd?: boolean;
  /** Close a connection (code 1000) after this much time without speech, like the service's ~30 s. */
  idleCloseMs?: number;
  /** Close any connection (code 1000) after this long, like the service's 10 minutes. */
  maxConnectionMs?: number;
  /** Answer utterances with `RecognitionStatus: "Error"` (the SDK cancels recognition). */
  phraseError?: boolean;
  /** Fail synthesis with this `FailureReason` (a non-terminal cancel in the SDK). */
  synthesisError?: string;
}

export interface ConnectionRecord {
  id: string;
  path: string;
  query: Record<string, string>;
  key?: string;
  /** From `speech.context` `translation.targetLanguages` (or the URL's `to`). */
  targetLanguages: string[];
  /** The synthesis voice requested, if any. */
  voice?: string;
  /** `DetectAtAudioStart`, `DetectContinuous`, or undefined without language id. */
  languageIdMode?: string;
  /** Candidate languages (`["UND"]` for open range). */
  sourceLanguages: string[];
  /** Profanity option from `speech.context`, if set. */
  profanity?: string;
  /** The latest `speech.context` as the client sent it (parsed JSON): what reached the wire. */
  speechContext?: Record<string, unknown>;
  /**
   * The phrase list (`dgi`) of the latest `speech.context`, as sent. Recorded only: the emulator does
   * no speech recognition, so the phrases change nothing it answers.
   */
  phrases?: string[];
  /** The phrase list's weight (`dgi.bias`; the SDK sends 1 unless told otherwise). */
  phraseWeight?: number;
  /** `translation.category`: a Custom Translator category id. Recorded only (translations stay deterministic). */
  translationCategory?: string;
  /** `phraseDetection.<mode>.segmentation` of the latest `speech.context`, as sent. */
  segmentation?: SegmentationRecord;
  /** Silence that ended this connection's phrases (the requested one, else the service default). */
  phraseSilenceMs?: number;
  /** `event` messages that changed the target languages (`addTargetLanguage` on a running recognizer). */
  languageUpdates: number;
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  utterances: number;
  audioBytes: number;
  turns: number;
}

export interface SegmentationRecord {
  /** `Normal`, `Custom` or `Semantic` (SDK `SegmentationMode`). */
  mode?: string;
  segmentationSilenceTimeoutMs?: number;
  segmentationForcedTimeoutMs?: number;
}

export interface UtteranceInfo {
  connection: ConnectionRecord;
  /** 1-based per connection. */
  index: number;
  durationMs: number;
  samples: Int16Array;
  sampleRate: number;
}

/**
 * How the emulator answers. Every default is the real v2 service's behaviour as far as Microsoft
 * documents or public captures show it (sources in the comments of `behaviour.ts`); the other
 * values are the older or friendlier behaviours a test turns on to check the client copes.
 */
export interface EmulatorBehaviour {
  /**
   * `v2` (default): `translation.response` for phrases and hypotheses, binary `audio` and
   * `audio.end` with `Status`. `flat`: `translation.hypothesis` / `translation.phrase` with a nested
   * `Translation`, `translation.synthesis` and `translation.synthesis.end` with `SynthesisStatus`.
   */
  protocol?: 'v2' | 'flat';
  /** `per-turn` (default): speech start once, speech end after `turnEndSilenceMs` of silence. `per-phrase`: around every phrase. */
  speechEvents?: 'per-turn' | 'per-phrase';
  /** Silence that ends a stretch of speech in `per-turn` mode (default 3000 ms). */
  turnEndSilenceMs?: number;
  /**
   * Interim translations while someone speaks. Default: none with open-range detection (the
   * multilingual mode, which has none), about every 600 ms with candidate languages.
   */
  interimResults?: boolean;
  /** `per-stream` (default): one synthesis completion, at the end of the audio. `per-phrase`: one after each phrase's audio. */
  synthesisCompletion?: 'per-stream' | 'per-phrase';
  /** One RIFF header per chunk (default), or one on a phrase's first chunk only. */
  chunkLayout?: 'wav-per-chunk' | 'header-first';
  /** `auto` (default): a bare code (`de`) with open range, the candidate locale (`de-DE`) with candidates. Or always one form. */
  languageForm?: 'auto' | 'bare' | 'locale';
}

export interface EmulatorOptions extends EmulatorBehaviour {
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Accepted keys; undefined = any non-empty key. */
  keys?: readonly string[];
  /** Rate of the synthesized audio (default 16000, as the service sends). */
  synthesisSampleRate?: number;
  /** Duration of each synthesized chunk (default 200 ms). */
  synthesisChunkMs?: number;
  /** Language reported as detected: fixed, or chosen per utterance (default `en`). */
  detectLanguage?: string | ((utterance: UtteranceInfo) => string);
  /** RMS (of 16-bit samples) above which a 10 ms frame counts as speech (default 500). */
  speechThreshold?: number;
  /**
   * Silence that ends a phrase when the client asks for none (`segmentationSilenceTimeoutMs` in
   * `speech.context` wins). Default 500 ms, the service's documented typical default.
   */
  endSilenceMs?: number;
  faults?: EmulatorFaults;
  log?: (line: string) => void;
  /** Told what crosses the wire and when, for benchmarks that time each leg of the pipeline. */
  observer?: EmulatorObserver;
}

/** Times are `Date.now()`: one clock across processes (`performance.now()` has a per-process origin). */
export interface EmulatorObserver {
  /** Audio the client sent, as the emulator received it (16-bit mono at the stream's rate). */
  audio?(connection: string, samples: Int16Array, sampleRate: number, at: number): void;
  /** A chunk of synthesized speech of utterance `utterance` (1-based), as it was written to the socket. */
  synthesis?(connection: string, utterance: number, samples: Int16Array, sampleRate: number, at: number): void;
}

export interface SpeechEmulator {
  readonly port: number;
  /** `ws://HOST:PORT/stt/speech/universal/v2` (the Speech SDK's own path; `/speech/universal/v2` is served too). */
  readonly url: URL;
  readonly connections: readonly ConnectionRecord[];
  openConnections(): number;
  setFaults(faults: EmulatorFaults): void;
  close(): Promise<void>;
}
