/**
 * Azure Speech translation's languages and voices, kept in the repo so profiles are checked
 * offline. Shared by the profile validator and the plugin (for default voices); data only.
 *
 * Sources (MicrosoftDocs/azure-ai-docs, re-read 2026-12; re-check when Azure adds languages):
 * - text targets: `articles/ai-services/speech-service/includes/language-support/speech-translation.md`
 *   (ms.date 2024-04-24), "Text language / Language code": 91 codes. Codes an earlier catalog here
 *   had and that table lacks were removed (ba bo dsb dv eu fo gl ha hsb ig iu-Latn ka ky mk mn-Cyrl
 *   mn-Mong si so tk tt ug uz zu); `tlh-Piqd` was added;
 * - standard neural voices: `includes/language-support/tts.md` (ms.date 2025-10-21); every
 *   `defaultVoice` below is in that table;
 * - personal voice locales: `includes/language-support/personal-voice.md` (ms.date 2023-11-15,
 *   the newest stored copy), all 65 of them;
 * - speech-to-text locales (candidate source languages): the "Speech to text" tab.
 */

import { isSameLanguage, parseVoiceName } from './locale.ts';

export { impliedScript, isSameLanguage, primaryLanguage } from './locale.ts';

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

/** Locales in which Azure personal voice can speak: `personal-voice.md`, the whole table. */
export const PERSONAL_VOICE_LOCALES: readonly string[] = [
  'am-ET', 'ar-EG', 'ar-SA', 'bg-BG', 'bn-IN', 'bs-BA', 'ca-ES', 'cs-CZ', 'da-DK', 'de-AT',
  'de-CH', 'de-DE', 'el-GR', 'en-AU', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-US', 'es-ES',
  'es-MX', 'et-EE', 'eu-ES', 'fi-FI', 'fil-PH', 'fr-BE', 'fr-CA', 'fr-CH', 'fr-FR', 'gl-ES',
  'he-IL', 'hi-IN', 'hr-HR', 'hu-HU', 'id-ID', 'it-IT', 'ja-JP', 'jv-ID', 'ko-KR', 'mk-MK',
  'ms-MY', 'nb-NO', 'ne-NP', 'nl-BE', 'nl-NL', 'pl-PL', 'ps-AF', 'pt-BR', 'pt-PT', 'ro-RO',
  'ru-RU', 'sk-SK', 'sl-SI', 'sv-SE', 'sw-KE', 'ta-IN', 'te-IN', 'th-TH', 'tr-TR', 'uk-UA',
  'vi-VN', 'zh-CN', 'zh-HK', 'zh-TW', 'zu-ZA',
];

function lang(code: string, name: string, voiceLocales: string[] = [], defaultVoice?: string): TargetLanguageInfo {
  const personal = new Set(PERSONAL_VOICE_LOCALES.map((l) => l.toLowerCase()));
  const info: TargetLanguageInfo = {
    code,
    name,
    voiceLocales,
    personalVoice: voiceLocales.some((l) => personal.has(l.toLowerCase())),
  };
  if (defaultVoice !== undefined) info.defaultVoice = defaultVoice;
  return info;
}

const ARABIC_LOCALES = ['ar-SA', 'ar-EG', 'ar-AE', 'ar-BH', 'ar-DZ', 'ar-IQ', 'ar-JO', 'ar-KW', 'ar-LB', 'ar-LY', 'ar-MA', 'ar-OM', 'ar-QA', 'ar-SY', 'ar-TN', 'ar-YE'];
const ENGLISH_LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-CA', 'en-IN', 'en-IE', 'en-NZ', 'en-ZA', 'en-SG', 'en-PH', 'en-HK', 'en-KE', 'en-NG', 'en-TZ'];
const SPANISH_LOCALES = ['es-ES', 'es-MX', 'es-US', 'es-AR', 'es-BO', 'es-CL', 'es-CO', 'es-CR', 'es-CU', 'es-DO', 'es-EC', 'es-GQ', 'es-GT', 'es-HN', 'es-NI', 'es-PA', 'es-PE', 'es-PR', 'es-PY', 'es-SV', 'es-UY', 'es-VE'];

/** Azure speech translation's text target languages (the table's 91), with voices where Azure has them. */
export const TARGET_LANGUAGES: readonly TargetLanguageInfo[] = [
  lang('af', 'Afrikaans', ['af-ZA'], 'af-ZA-AdriNeural'),
  lang('am', 'Amharic', ['am-ET'], 'am-ET-MekdesNeural'),
  lang('ar', 'Arabic', ARABIC_LOCALES, 'ar-SA-ZariyahNeural'),
  lang('as', 'Assamese', ['as-IN'], 'as-IN-YashicaNeural'),
  lang('az', 'Azerbaijani', ['az-AZ'], 'az-AZ-BanuNeural'),
  lang('bg', 'Bulgarian', ['bg-BG'], 'bg-BG-KalinaNeural'),
  lang('bn', 'Bangla', ['bn-IN', 'bn-BD'], 'bn-IN-TanishaaNeural'),
  lang('bs', 'Bosnian', ['bs-BA'], 'bs-BA-VesnaNeural'),
  lang('ca', 'Catalan', ['ca-ES'], 'ca-ES-JoanaNeural'),
  lang('cs', 'Czech', ['cs-CZ'], 'cs-CZ-VlastaNeural'),
  lang('cy', 'Welsh', ['cy-GB'], 'cy-GB-NiaNeural'),
  lang('da', 'Danish', ['da-DK'], 'da-DK-ChristelNeural'),
  lang('de', 'German', ['de-DE', 'de-AT', 'de-CH'], 'de-DE-KatjaNeural'),
  lang('el', 'Greek', ['el-GR'], 'el-GR-AthinaNeural'),
  lang('en', 'English', ENGLISH_LOCALES, 'en-US-JennyNeural'),
  lang('es', 'Spanish', SPANISH_LOCALES, 'es-ES-ElviraNeural'),
  lang('et', 'Estonian', ['et-EE'], 'et-EE-AnuNeural'),
  lang('fa', 'Persian', ['fa-IR'], 'fa-IR-DilaraNeural'),
  lang('fi', 'Finnish', ['fi-FI'], 'fi-FI-NooraNeural'),
  lang('fil', 'Filipino', ['fil-PH'], 'fil-PH-BlessicaNeural'),
  lang('fj', 'Fijian'),
  lang('fr', 'French', ['fr-FR', 'fr-BE', 'fr-CH', 'fr-CA'], 'fr-FR-DeniseNeural'),
  lang('fr-CA', 'French (Canada)', ['fr-CA'], 'fr-CA-SylvieNeural'),
  lang('ga', 'Irish', ['ga-IE'], 'ga-IE-OrlaNeural'),
  lang('gu', 'Gujarati', ['gu-IN'], 'gu-IN-DhwaniNeural'),
  lang('he', 'Hebrew', ['he-IL'], 'he-IL-HilaNeural'),
  lang('hi', 'Hindi', ['hi-IN'], 'hi-IN-SwaraNeural'),
  lang('hr', 'Croatian', ['hr-HR'], 'hr-HR-GabrijelaNeural'),
  lang('ht', 'Haitian Creole'),
  lang('hu', 'Hungarian', ['hu-HU'], 'hu-HU-NoemiNeural'),
  lang('hy', 'Armenian', ['hy-AM'], 'hy-AM-AnahitNeural'),
  lang('id', 'Indonesian', ['id-ID'], 'id-ID-GadisNeural'),
  lang('is', 'Icelandic', ['is-IS'], 'is-IS-GudrunNeural'),
  lang('it', 'Italian', ['it-IT', 'it-CH'], 'it-IT-ElsaNeural'),
  lang('iu', 'Inuktitut', ['iu-Cans-CA'], 'iu-Cans-CA-SiqiniqNeural'),
  lang('ja', 'Japanese', ['ja-JP'], 'ja-JP-NanamiNeural'),
  lang('kk', 'Kazakh', ['kk-KZ'], 'kk-KZ-AigulNeural'),
  lang('km', 'Khmer', ['km-KH'], 'km-KH-SreymomNeural'),
  lang('kmr', 'Kurdish (Northern)'),
  lang('kn', 'Kannada', ['kn-IN'], 'kn-IN-SapnaNeural'),
  lang('ko', 'Korean', ['ko-KR'], 'ko-KR-SunHiNeural'),
  lang('ku', 'Kurdish (Central)'),
  lang('lo', 'Lao', ['lo-LA'], 'lo-LA-KeomanyNeural'),
  lang('lt', 'Lithuanian', ['lt-LT'], 'lt-LT-OnaNeural'),
  lang('lv', 'Latvian', ['lv-LV'], 'lv-LV-EveritaNeural'),
  lang('lzh', 'Chinese (Literary)'),
  lang('mg', 'Malagasy'),
  lang('mi', 'Maori'),
  lang('ml', 'Malayalam', ['ml-IN'], 'ml-IN-SobhanaNeural'),
  lang('mr', 'Marathi', ['mr-IN'], 'mr-IN-AarohiNeural'),
  lang('ms', 'Malay', ['ms-MY'], 'ms-MY-YasminNeural'),
  lang('mt', 'Maltese', ['mt-MT'], 'mt-MT-GraceNeural'),
  lang('mww', 'Hmong Daw'),
  lang('my', 'Burmese', ['my-MM'], 'my-MM-NilarNeural'),
  lang('nb', 'Norwegian Bokmål', ['nb-NO'], 'nb-NO-PernilleNeural'),
  lang('ne', 'Nepali', ['ne-NP'], 'ne-NP-HemkalaNeural'),
  lang('nl', 'Dutch', ['nl-NL', 'nl-BE'], 'nl-NL-ColetteNeural'),
  lang('or', 'Odia', ['or-IN'], 'or-IN-SubhasiniNeural'),
  lang('otq', 'Querétaro Otomi'),
  lang('pa', 'Punjabi', ['pa-IN'], 'pa-IN-VaaniNeural'),
  lang('pl', 'Polish', ['pl-PL'], 'pl-PL-AgnieszkaNeural'),
  lang('prs', 'Dari'),
  lang('ps', 'Pashto', ['ps-AF'], 'ps-AF-LatifaNeural'),
  lang('pt', 'Portuguese (Brazil)', ['pt-BR'], 'pt-BR-FranciscaNeural'),
  lang('pt-PT', 'Portuguese (Portugal)', ['pt-PT'], 'pt-PT-RaquelNeural'),
  lang('ro', 'Romanian', ['ro-RO'], 'ro-RO-AlinaNeural'),
  lang('ru', 'Russian', ['ru-RU'], 'ru-RU-SvetlanaNeural'),
  lang('sk', 'Slovak', ['sk-SK'], 'sk-SK-ViktoriaNeural'),
  lang('sl', 'Slovenian', ['sl-SI'], 'sl-SI-PetraNeural'),
  lang('sm', 'Samoan'),
  lang('sq', 'Albanian', ['sq-AL'], 'sq-AL-AnilaNeural'),
  lang('sr-Cyrl', 'Serbian (Cyrillic)', ['sr-RS'], 'sr-RS-SophieNeural'),
  lang('sr-Latn', 'Serbian (Latin)', ['sr-Latn-RS'], 'sr-Latn-RS-SophieNeural'),
  lang('sv', 'Swedish', ['sv-SE'], 'sv-SE-SofieNeural'),
  lang('sw', 'Swahili', ['sw-KE', 'sw-TZ'], 'sw-KE-ZuriNeural'),
  lang('ta', 'Tamil', ['ta-IN', 'ta-LK', 'ta-MY', 'ta-SG'], 'ta-IN-PallaviNeural'),
  lang('te', 'Telugu', ['te-IN'], 'te-IN-ShrutiNeural'),
  lang('th', 'Thai', ['th-TH'], 'th-TH-PremwadeeNeural'),
  lang('ti', 'Tigrinya'),
  lang('tlh-Latn', 'Klingon (Latin)'),
  lang('tlh-Piqd', 'Klingon (pIqaD)'),
  lang('to', 'Tongan'),
  lang('tr', 'Turkish', ['tr-TR'], 'tr-TR-EmelNeural'),
  lang('ty', 'Tahitian'),
  lang('uk', 'Ukrainian', ['uk-UA'], 'uk-UA-PolinaNeural'),
  lang('ur', 'Urdu', ['ur-PK', 'ur-IN'], 'ur-PK-UzmaNeural'),
  lang('vi', 'Vietnamese', ['vi-VN'], 'vi-VN-HoaiMyNeural'),
  lang('yua', 'Yucatec Maya'),
  lang('yue', 'Cantonese (Traditional)', ['zh-HK', 'yue-CN'], 'zh-HK-HiuMaanNeural'),
  lang('zh-Hans', 'Chinese (Simplified)', ['zh-CN', 'zh-SG'], 'zh-CN-XiaoxiaoNeural'),
  lang('zh-Hant', 'Chinese (Traditional)', ['zh-TW', 'zh-HK'], 'zh-TW-HsiaoChenNeural'),
];

/** Azure speech-to-text locales: what a speaker may declare, or a profile list as candidate source languages. */
export const SPEECH_TO_TEXT_LOCALES: readonly string[] = [
  'af-ZA', 'am-ET', ...ARABIC_LOCALES, 'ar-IL', 'ar-PS', 'as-IN', 'az-AZ', 'bg-BG', 'bn-IN', 'bs-BA',
  'ca-ES', 'cs-CZ', 'cy-GB', 'da-DK', 'de-AT', 'de-CH', 'de-DE', 'el-GR', ...ENGLISH_LOCALES, 'en-GH',
  ...SPANISH_LOCALES, 'et-EE', 'eu-ES', 'fa-IR', 'fi-FI', 'fil-PH', 'fr-BE', 'fr-CA', 'fr-CH', 'fr-FR',
  'ga-IE', 'gl-ES', 'gu-IN', 'he-IL', 'hi-IN', 'hr-HR', 'hu-HU', 'hy-AM', 'id-ID', 'is-IS', 'it-CH',
  'it-IT', 'ja-JP', 'jv-ID', 'ka-GE', 'kk-KZ', 'km-KH', 'kn-IN', 'ko-KR', 'lo-LA', 'lt-LT', 'lv-LV',
  'mk-MK', 'ml-IN', 'mn-MN', 'mr-IN', 'ms-MY', 'mt-MT', 'my-MM', 'nb-NO', 'ne-NP', 'nl-BE', 'nl-NL',
  'or-IN', 'pa-IN', 'pl-PL', 'ps-AF', 'pt-BR', 'pt-PT', 'ro-RO', 'ru-RU', 'si-LK', 'sk-SK', 'sl-SI',
  'so-SO', 'sq-AL', 'sr-RS', 'sv-SE', 'sw-KE', 'sw-TZ', 'ta-IN', 'te-IN', 'th-TH', 'tr-TR', 'uk-UA',
  'ur-IN', 'uz-UZ', 'vi-VN', 'wuu-CN', 'yue-CN', 'zh-CN', 'zh-CN-shandong', 'zh-CN-sichuan', 'zh-HK',
  'zh-TW', 'zu-ZA',
];

export function findTargetLanguage(code: string): TargetLanguageInfo | undefined {
  const lower = code.toLowerCase();
  return TARGET_LANGUAGES.find((l) => l.code.toLowerCase() === lower);
}

/** The default neural voice for a target language, e.g. `fr` -> `fr-FR-DeniseNeural`. */
export function defaultNeuralVoice(code: string): string | undefined {
  return findTargetLanguage(code)?.defaultVoice;
}

/** The speech-to-text locale as Azure spells it (`en-us` -> `en-US`), or undefined when Azure has none. */
export function findSpeechLocale(locale: string): string | undefined {
  const lower = locale.toLowerCase();
  return SPEECH_TO_TEXT_LOCALES.find((l) => l.toLowerCase() === lower);
}

/** The locale a neural voice speaks (`fr-FR-DeniseNeural` -> `fr-FR`), or undefined when the name has not that shape. */
export function neuralVoiceLocale(voice: string): string | undefined {
  return parseVoiceName(voice)?.locale;
}

export type VoiceCheck =
  | { ok: true; locale: string; /** The language is not in this catalog: only its base language was compared. */ uncatalogued?: true }
  | { ok: false; reason: 'not-a-voice-name' | 'no-voices' | 'wrong-language'; locale?: string };

/**
 * Whether `voice` is a neural voice name that can speak target language `code`: its locale (a
 * dialect voice by its base locale, `zh-CN-sichuan` -> `zh-CN`) is among the language's voice
 * locales. For a language this catalog does not know, the base language and script must agree
 * (the plugin stands alone and must not refuse a language Azure adds later).
 */
export function checkNeuralVoice(voice: string, code: string): VoiceCheck {
  const parsed = parseVoiceName(voice);
  if (parsed === undefined) return { ok: false, reason: 'not-a-voice-name' };
  const { locale, baseLocale } = parsed;
  const language = findTargetLanguage(code);
  if (!language) return isSameLanguage(locale, code) ? { ok: true, locale, uncatalogued: true } : { ok: false, reason: 'wrong-language', locale };
  if (language.voiceLocales.length === 0) return { ok: false, reason: 'no-voices', locale };
  const fits = language.voiceLocales.some((l) => l.toLowerCase() === baseLocale.toLowerCase());
  return fits ? { ok: true, locale } : { ok: false, reason: 'wrong-language', locale };
}

/** Every voice the catalog names (each language's default): what the plugin's voice test runs through. */
export function catalogVoices(): { code: string; voice: string }[] {
  return TARGET_LANGUAGES.flatMap((l) => (l.defaultVoice ? [{ code: l.code, voice: l.defaultVoice }] : []));
}
