/**
 * Checks the schema cannot express: languages and locales Azure knows, voices that speak their
 * target language, personal voice only where Azure offers it, regexes that compile, and fields
 * that would have no effect.
 */
import {
  checkNeuralVoice,
  findSpeechLocale,
  findTargetLanguage,
  SPEECH_TO_TEXT_LOCALES,
  TARGET_LANGUAGES,
  type TargetLanguageInfo,
} from '../common/azure-languages.ts';
import { compilePattern, isRegexPattern } from './patterns.ts';
import type { RawProfile, RawTarget } from './raw.ts';
import type { Finding } from './schema.ts';
import { didYouMean } from './suggest.ts';

export function checkMeaning(profile: RawProfile): Finding[] {
  const findings: Finding[] = [];
  (profile.match.rooms ?? []).forEach((pattern, index) => {
    if (!isRegexPattern(pattern)) return;
    const compiled = compilePattern(pattern);
    if (!compiled.ok) {
      findings.push({
        pointer: `/match/rooms/${index}`,
        message: `match.rooms[${index}]: regular expression ${pattern} does not compile: ${compiled.error}`,
        hint: 'write it as /expression/flags with flags among d, i, m, s, u, v; or use a glob such as board-*',
      });
    }
  });

  if (Array.isArray(profile.languages.source)) {
    profile.languages.source.forEach((locale, index) => {
      const finding = checkLocale(locale, `/languages/source/${index}`, `languages.source[${index}]`);
      if (finding) findings.push(finding);
    });
  }

  const seenTargets = new Map<string, number>();
  profile.languages.targets.forEach((target, index) => {
    const pointer = `/languages/targets/${index}`;
    const language = findTargetLanguage(target.language);
    if (!language) {
      findings.push(unknownLanguage(target.language, `${pointer}/language`, `languages.targets[${index}].language`));
      return;
    }
    const first = seenTargets.get(language.code);
    if (first !== undefined) {
      findings.push({ pointer: `${pointer}/language`, message: `languages.targets[${index}]: ${language.code} is already a target (languages.targets[${first}])`, hint: 'list each language once' });
    }
    seenTargets.set(language.code, index);
    findings.push(...checkVoice(target, language, pointer, `languages.targets[${index}]`, profile.captions ?? true));
  });

  const anyPersonal = profile.languages.targets.some((t) => t.voice === 'personal');
  const identities = new Map<string, number>();
  (profile.speakers ?? []).forEach((speaker, index) => {
    const pointer = `/speakers/${index}`;
    const field = `speakers[${index}]`;
    if (speaker.language !== undefined) {
      const finding = checkLocale(speaker.language, `${pointer}/language`, `${field}.language`);
      if (finding) findings.push(finding);
    }
    const earlier = identities.get(speaker.identity);
    if (earlier !== undefined) {
      findings.push({ pointer: `${pointer}/identity`, severity: 'warning', message: `${field} never applies: speakers[${earlier}] has the same identity and comes first`, hint: 'merge the two rules' });
    } else {
      identities.set(speaker.identity, index);
    }
    if (speaker.personalVoice === true && speaker.translate === false) {
      findings.push({ pointer: `${pointer}/personalVoice`, severity: 'warning', message: `${field}.personalVoice has no effect: this speaker is not translated (translate: false)` });
    } else if (speaker.personalVoice === true && !anyPersonal) {
      findings.push({ pointer: `${pointer}/personalVoice`, severity: 'warning', message: `${field}.personalVoice has no effect: no target language uses voice: personal`, hint: 'set voice: personal on a target language, or remove personalVoice' });
    }
  });
  if (profile.listeners?.captions === 'chosen-language' && profile.captions === false) {
    findings.push({ pointer: '/listeners/captions', severity: 'warning', message: 'listeners.captions has no effect: this profile sends no captions (captions: false)', hint: 'set captions: true, or remove listeners.captions' });
  }
  return findings;
}

function checkVoice(target: RawTarget, language: TargetLanguageInfo, pointer: string, field: string, captions: boolean): Finding[] {
  const label = `${language.name} (${language.code})`;
  const findings: Finding[] = [];
  const voice = target.voice;
  if (target.fallbackVoice !== undefined && voice !== 'personal') {
    findings.push({ pointer: `${pointer}/fallbackVoice`, at: 'key', message: `${field}.fallbackVoice only applies with voice: personal`, hint: 'remove fallbackVoice, or set voice: personal' });
  }
  if (voice === 'none') {
    if (!captions) {
      findings.push({ pointer: `${pointer}/voice`, message: `${field}: voice: none delivers ${label} as captions only, but this profile has captions: false`, hint: `set captions: true, or give ${language.code} a voice (${language.defaultVoice ?? 'none available'})` });
    }
    return findings;
  }
  if (voice === undefined && !language.defaultVoice) {
    findings.push({ pointer, message: `${field}: Azure has no neural voice for ${label}, so it cannot be spoken`, hint: 'add voice: none to deliver it as captions' });
    return findings;
  }
  if (voice === 'personal') {
    if (!language.personalVoice) {
      findings.push({ pointer: `${pointer}/voice`, message: `${field}: Azure personal voice does not speak ${label}`, hint: language.defaultVoice ? `use a neural voice such as ${language.defaultVoice}, or voice: none` : 'use voice: none (captions only)' });
    }
    if (target.fallbackVoice !== undefined) findings.push(...checkVoiceName(target.fallbackVoice, language, `${pointer}/fallbackVoice`, `${field}.fallbackVoice`));
    return findings;
  }
  if (voice !== undefined) findings.push(...checkVoiceName(voice, language, `${pointer}/voice`, `${field}.voice`));
  return findings;
}

function checkVoiceName(voice: string, language: TargetLanguageInfo, pointer: string, field: string): Finding[] {
  const check = checkNeuralVoice(voice, language.code);
  if (check.ok) return [];
  const label = `${language.name} (${language.code})`;
  if (check.reason === 'no-voices') {
    return [{ pointer, message: `${field}: Azure has no neural voice for ${label}`, hint: 'use voice: none (captions only)' }];
  }
  if (check.reason === 'not-a-voice-name') {
    return [{ pointer, message: `${field}: "${voice}" is not a neural voice name`, hint: `voice names look like <locale>-<Name>Neural, e.g. ${language.defaultVoice ?? 'fr-FR-DeniseNeural'}` }];
  }
  return [{
    pointer,
    message: `${field}: voice ${voice} speaks ${check.locale ?? 'another language'}, not ${label}`,
    hint: `use a voice of ${language.voiceLocales.join(', ')}${language.defaultVoice ? `, e.g. ${language.defaultVoice}` : ''}`,
  }];
}

function unknownLanguage(code: string, pointer: string, field: string): Finding {
  const hint = targetLanguageHint(code) ?? 'see the language list in docs/profiles.md (src/common/azure-languages.ts)';
  return { pointer, message: `${field}: "${code}" is not an Azure speech translation language`, hint };
}

/** Which target code was meant: by language name (`French`), by locale (`ja-JP`), or by spelling (`dee`). */
export function targetLanguageHint(written: string): string | undefined {
  const lower = written.toLowerCase();
  const byName = TARGET_LANGUAGES.find((l) => l.name.toLowerCase() === lower);
  if (byName) return `${byName.name} is \`${byName.code}\``;
  const byLocale = TARGET_LANGUAGES.find((l) => l.voiceLocales.some((locale) => locale.toLowerCase() === lower));
  if (byLocale) return `targets are text language codes: use \`${byLocale.code}\` for ${written}`;
  return didYouMean(written, TARGET_LANGUAGES.map((l) => l.code));
}

function checkLocale(locale: string, pointer: string, field: string): Finding | undefined {
  if (findSpeechLocale(locale)) return undefined;
  const example = findTargetLanguage(locale)?.voiceLocales[0];
  const hint = didYouMean(locale, SPEECH_TO_TEXT_LOCALES) ??
    (example ? `speech locales name a region too, e.g. ${example}` : 'see the speech-to-text locales in src/common/azure-languages.ts');
  return { pointer, message: `${field}: "${locale}" is not an Azure speech-to-text locale`, hint };
}
