/**
 * What a client asks for, read from its `speech.context` and `event` messages as Speech SDK 1.52
 * writes them (notes azure-speech 3.2): target languages, the synthesis voice, language-id mode and
 * candidates, profanity, the phrase list (`dgi`, DynamicGrammarBuilder.generateGrammarObject), the
 * Custom Translator category (`translation.category`) and segmentation
 * (`phraseDetection.<mode>.segmentation`, ServiceRecognizerBase.setSpeechSegmentationTimeoutJson);
 * and the runtime language update `addTargetLanguage` sends, which carries `synthesis.defaultVoices`
 * when a voice is set (sdk-js #993; TranslationRecognizer.updateLanguages).
 */
import type { ConnectionRecord, SegmentationRecord } from './types.ts';

interface PhraseDetection {
  enrichment?: { profanity?: string };
  mode?: string;
  conversation?: { segmentation?: SegmentationRecord };
  interactive?: { segmentation?: SegmentationRecord };
  dictation?: { segmentation?: SegmentationRecord };
}

interface SpeechContext {
  translation?: { targetLanguages?: string[]; onSuccess?: { action?: string }; category?: string };
  dgi?: { groups?: { type?: string; items?: { text?: string }[] }[]; bias?: number };
  /** Added to later contexts once languages were updated at runtime. */
  translationcontext?: { to?: string[] };
  synthesis?: { defaultVoices?: Record<string, string> };
  languageId?: { languages?: string[]; mode?: string };
  phraseDetection?: PhraseDetection;
}

interface LanguageUpdate {
  id?: string;
  name?: string;
  to?: string[];
  synthesis?: { defaultVoices?: Record<string, string> };
}

/** Applies a `speech.context` to the record; returns whether the client wants synthesis. */
export function applySpeechContext(text: string, record: ConnectionRecord): boolean {
  const context = JSON.parse(text || '{}') as SpeechContext;
  record.speechContext = context as Record<string, unknown>;
  const targets = context.translationcontext?.to ?? context.translation?.targetLanguages;
  if (targets?.length) record.targetLanguages = [...targets];
  const voice = firstVoice(context.synthesis?.defaultVoices) ?? record.query.voice;
  if (voice) record.voice = voice;
  if (context.languageId?.mode) record.languageIdMode = context.languageId.mode;
  if (context.languageId?.languages) record.sourceLanguages = context.languageId.languages;
  const profanity = context.phraseDetection?.enrichment?.profanity;
  if (profanity) record.profanity = profanity;
  applyTerminology(context, record);
  return Boolean(voice) && (context.translation?.onSuccess?.action ?? 'Synthesize') === 'Synthesize';
}

/**
 * Applies an `event` message. Returns whether synthesis is wanted afterwards, or undefined when the
 * event is not a language update (telemetry-like events are ignored, as the service does).
 */
export function applyEvent(text: string, record: ConnectionRecord): boolean | undefined {
  const event = JSON.parse(text || '{}') as LanguageUpdate;
  if (event.id !== 'translation' || event.name !== 'updateLanguage' || !Array.isArray(event.to)) return undefined;
  record.targetLanguages = [...event.to];
  record.languageUpdates++;
  const voice = firstVoice(event.synthesis?.defaultVoices);
  if (voice) record.voice = voice;
  return record.voice !== undefined;
}

/** Each `speech.context` states the whole list and settings again (SpeechContext.toJSON rebuilds `dgi`). */
function applyTerminology(context: SpeechContext, record: ConnectionRecord): void {
  const items = (context.dgi?.groups ?? []).flatMap((group) => group.items ?? []);
  const phrases = items.map((item) => item.text).filter((text): text is string => typeof text === 'string');
  if (phrases.length > 0) record.phrases = phrases;
  else delete record.phrases;
  if (typeof context.dgi?.bias === 'number' && phrases.length > 0) record.phraseWeight = context.dgi.bias;
  else delete record.phraseWeight;
  if (typeof context.translation?.category === 'string') record.translationCategory = context.translation.category;
  const detection = context.phraseDetection;
  const segmentation = detection?.conversation?.segmentation ?? detection?.interactive?.segmentation ?? detection?.dictation?.segmentation;
  if (segmentation) record.segmentation = { ...segmentation };
}

function firstVoice(voices: Record<string, string> | undefined): string | undefined {
  return voices ? Object.values(voices)[0] : undefined;
}

/** Open range: the SDK sends the magic language `UND` (`AutoDetectSourceLanguagesOpenRangeOptionName`). */
export function isOpenRange(record: ConnectionRecord): boolean {
  return record.sourceLanguages.some((l) => l.toUpperCase() === 'UND');
}
