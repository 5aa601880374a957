/**
 * Azure Speech translation's languages and voices, kept in the repo so profiles are checked
 * offline. Shared by the profile validator and the plugin (for default voices); data only.
 */

export interface TargetLanguageInfo {
  /** Text translation code as Azure writes it (`fr`, `zh-Hans`, `pt-PT`). */
  code: string;
  name: string;
  /** Standard neural voice used when a profile names none; absent = captions only by default. */
  defaultVoice?: string;
  /** Locales whose neural voices may speak this language (`fr` -> `fr-FR`, `fr-CA`, ...). */
  voiceLocales: string[];
  /** Azure offers personal voice for one of this language's locales. */
  personalVoice: boolean;
}

// The full table is maintained with the profile validator (issue 2); see docs/profiles.md.
export const TARGET_LANGUAGES: readonly TargetLanguageInfo[] = [];

export function findTargetLanguage(code: string): TargetLanguageInfo | undefined {
  const lower = code.toLowerCase();
  return TARGET_LANGUAGES.find((l) => l.code.toLowerCase() === lower);
}

/** The default neural voice for a target language, e.g. `fr` -> `fr-FR-DeniseNeural`. */
export function defaultNeuralVoice(code: string): string | undefined {
  return findTargetLanguage(code)?.defaultVoice;
}
