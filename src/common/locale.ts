/**
 * The one reader of language tags and voice names, shared by the plugin's options and the profile
 * validator so the two can never disagree about a voice (they did: the plugin's own pattern refused
 * `sr-Latn-RS-SophieNeural` while the validator accepted it).
 *
 * Shapes, from Microsoft's text to speech table (`includes/language-support/tts.md`, ms.date
 * 2025-10-21, MicrosoftDocs/azure-ai-docs):
 * - locales `fr-FR`, `fil-PH`, `wuu-CN`; with a script `sr-Latn-RS`, `iu-Cans-CA` (the table itself
 *   writes `sr-LATN-RS`, so case is not significant); with a dialect `zh-CN-sichuan`;
 * - voices `<locale>-<Name>`: `fr-FR-DeniseNeural`, `sr-Latn-RS-SophieNeural`,
 *   `zh-CN-sichuan-YunxiNeural`, HD voices `en-US-Ava:DragonHDLatestNeural`, names with dashes
 *   `en-US-MultiTalker-Ava-Andrew:DragonHDLatestNeural`, and one lower-case locale
 *   `en-us-ava:DragonHDOmniLatestNeural`. So a voice's locale is not "everything before the last
 *   dash": it is language, optional script, region and optional lower-case dialect, in that order.
 * - translation text codes `fr`, `zh-Hans`, `tlh-Piqd`, `fr-ca`, `pt-pt`
 *   (`includes/language-support/speech-translation.md`).
 */

export interface LocaleParts {
  /** Lower case: `sr`. */
  language: string;
  /** Title case: `Latn`. */
  script?: string;
  /** Upper case (or three digits): `RS`. */
  region?: string;
  /** Lower case dialect: `sichuan`. */
  variant?: string;
}

const LANGUAGE = '[A-Za-z]{2,3}';
const SCRIPT = '[A-Za-z]{4}';
const REGION = '[A-Za-z]{2}|\\d{3}';
/** Dialects are written in lower case; a capitalised part after the region is a voice's name. */
const DIALECT = '[a-z]{3,}';
const LOCALE = new RegExp(`^(${LANGUAGE})(?:-(${SCRIPT}))?(?:-(${REGION}))?(?:-(${DIALECT}))?$`, 'i');
const VOICE = new RegExp(`^(${LANGUAGE})(?:-(${SCRIPT}))?-(${REGION})(?:-(${DIALECT}))?-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?::[A-Za-z0-9]+)?)$`);

function parts(language: string, script: string | undefined, region: string | undefined, variant: string | undefined): LocaleParts {
  const out: LocaleParts = { language: language.toLowerCase() };
  if (script) out.script = script[0]!.toUpperCase() + script.slice(1).toLowerCase();
  if (region) out.region = region.toUpperCase();
  if (variant) out.variant = variant.toLowerCase();
  return out;
}

/** Splits a tag (`sr-latn-rs`, `zh-Hans`, `zh-CN-sichuan`), or undefined when it is not one. */
export function parseLocale(tag: string): LocaleParts | undefined {
  const match = LOCALE.exec(tag.trim());
  if (!match) return undefined;
  // The dialect part is matched case-insensitively here: `zh-CN-GUANGXI` is how the table writes one.
  return parts(match[1]!, match[2], match[3], match[4]);
}

/** Canonical spelling: `sr-Latn-RS`, `zh-CN-sichuan`. */
export function formatLocale(locale: LocaleParts): string {
  return [locale.language, locale.script, locale.region, locale.variant].filter((p) => p !== undefined).join('-');
}

export interface VoiceName {
  /** Canonical locale the voice speaks, dialect included: `zh-CN-sichuan`, `sr-Latn-RS`. */
  locale: string;
  /** The locale without its dialect: `zh-CN` (what dialect voices belong to). */
  baseLocale: string;
  parts: LocaleParts;
  /** What follows the locale: `SophieNeural`, `Ava:DragonHDLatestNeural`. */
  name: string;
}

/** Reads a neural voice name (`<locale>-<Name>...Neural`); undefined for anything else (`personal-voice`). */
export function parseVoiceName(voice: string): VoiceName | undefined {
  const match = VOICE.exec(voice);
  if (!match || !match[5]!.endsWith('Neural')) return undefined;
  const locale = parts(match[1]!, match[2], match[3], match[4]);
  const { variant: _variant, ...base } = locale;
  return { locale: formatLocale(locale), baseLocale: formatLocale(base), parts: locale, name: match[5]! };
}

/** The primary language subtag, lower case (`en-US` -> `en`). */
export function primaryLanguage(tag: string): string {
  return parseLocale(tag)?.language ?? (tag.split('-')[0] ?? '').toLowerCase();
}

const TRADITIONAL_CHINESE_REGIONS = new Set(['TW', 'HK', 'MO']);

/** The script a tag implies when it matters (Chinese, Serbian, Inuktitut ...), title case; undefined when none is implied. */
export function impliedScript(tag: string): string | undefined {
  const locale = parseLocale(tag);
  if (!locale) return undefined;
  if (locale.script) return locale.script;
  if (locale.language === 'zh') return locale.region !== undefined && TRADITIONAL_CHINESE_REGIONS.has(locale.region) ? 'Hant' : 'Hans';
  return undefined;
}

/**
 * Whether two tags name the same language for interpretation purposes: `en-US` and `en` do,
 * `de` and `de-DE` do (the service reports either form), `zh-CN` and `zh-Hans` do, `zh-TW` and
 * `zh-Hans` do not (a script conversion is a real service).
 */
export function isSameLanguage(a: string, b: string): boolean {
  if (primaryLanguage(a) !== primaryLanguage(b)) return false;
  const scriptA = impliedScript(a);
  const scriptB = impliedScript(b);
  return scriptA === undefined || scriptB === undefined || scriptA === scriptB;
}
