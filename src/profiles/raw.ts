/** The profile as written in YAML (after the schema accepted its shape), before defaults. */
import type { ListenerDelivery, MetadataValue, Profanity, Segmentation } from './types.ts';

export interface RawTarget {
  language: string;
  voice?: string;
  fallbackVoice?: string;
}

export interface RawSpeaker {
  identity: string;
  language?: string;
  personalVoice?: boolean;
  translate?: boolean;
  phrases?: string[];
}

export interface RawTerminology {
  phrases?: string[];
  phrasesFile?: string;
  weight?: number;
  translatorCategory?: string;
}

export interface RawTiming {
  segmentation?: Segmentation;
  silenceMs?: number;
  maxPhraseSeconds?: number;
}

export interface RawProfile {
  name: string;
  description?: string;
  priority?: number;
  match: { rooms?: string[]; metadata?: Record<string, MetadataValue> };
  languages: { source?: 'auto' | string[]; targets: RawTarget[] };
  speakers?: RawSpeaker[];
  audio?: { sampleRate?: 16000 | 24000 };
  captions?: boolean;
  profanity?: Profanity;
  limits?: {
    maxSessionMinutes?: number;
    maxSpeakers?: number;
    emptyRoomTimeoutSeconds?: number;
    replanDebounceMs?: number;
    languageLingerSeconds?: number;
    sessionOpensPerMinute?: number;
  };
  speechGate?: { enabled?: boolean; preRollMs?: number; hangoverMs?: number; speakingShare?: number };
  onDemand?: boolean;
  listeners?: { audio?: ListenerDelivery; captions?: ListenerDelivery };
  terminology?: RawTerminology;
  timing?: RawTiming;
}
