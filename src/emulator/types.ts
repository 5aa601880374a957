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
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  utterances: number;
  audioBytes: number;
  turns: number;
}

export interface UtteranceInfo {
  connection: ConnectionRecord;
  /** 1-based per connection. */
  index: number;
  durationMs: number;
  samples: Int16Array;
  sampleRate: number;
}

export interface EmulatorOptions {
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Accepted keys; undefined = any non-empty key. */
  keys?: readonly string[];
  /** Rate of the synthesized audio (default 16000, as the service sends). */
  synthesisSampleRate?: number;
  /** One RIFF header per chunk, or one on the first chunk only (default). */
  chunkLayout?: 'wav-per-chunk' | 'header-first';
  /** Duration of each synthesized chunk (default 200 ms). */
  synthesisChunkMs?: number;
  /** Send `translation.hypothesis` while someone speaks (default true). */
  interimResults?: boolean;
  /** Language reported as detected: fixed, or chosen per utterance (default `en`). */
  detectLanguage?: string | ((utterance: UtteranceInfo) => string);
  /** RMS (of 16-bit samples) above which a 10 ms frame counts as speech (default 500). */
  speechThreshold?: number;
  /** Silence that ends an utterance (default 500 ms). */
  endSilenceMs?: number;
  faults?: EmulatorFaults;
  log?: (line: string) => void;
}

export interface SpeechEmulator {
  readonly port: number;
  /** `ws://HOST:PORT/speech/universal/v2` */
  readonly url: URL;
  readonly connections: readonly ConnectionRecord[];
  openConnections(): number;
  setFaults(faults: EmulatorFaults): void;
  close(): Promise<void>;
}
