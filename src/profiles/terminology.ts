/**
 * A profile's terminology (phrase list, its weight, a Custom Translator category) and timing (how
 * Azure ends a phrase): the checks the schema cannot make (the phrase file beside the profile, the
 * cap counted per session, strategy and settings that go together), the normalized form, and what a
 * given speaker's sessions are sent. The limits are Azure's (src/common/azure-terminology.ts).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { MAX_PHRASES, distinctPhrases, segmentationProblem } from '../common/azure-terminology.ts';
import type { RawProfile } from './raw.ts';
import type { Finding } from './schema.ts';
import type { Profile, Terminology, Timing } from './types.ts';

export interface TerminologyCheck {
  findings: Finding[];
  /** The phrases read from `terminology.phrasesFile`, when it was read. */
  filePhrases?: string[];
}

/** Checks a shape-valid profile's terminology and timing; `file` is the profile's own file. */
export function checkTerminology(profile: RawProfile, file: string): TerminologyCheck {
  const findings: Finding[] = [];
  const terminology = profile.terminology;
  let filePhrases: string[] | undefined;
  if (terminology?.phrasesFile !== undefined) {
    const read = readPhrasesFile(terminology.phrasesFile, file);
    if ('error' in read) findings.push({ pointer: '/terminology/phrasesFile', message: `terminology.phrasesFile: ${read.error}`, hint: read.hint });
    else filePhrases = read.phrases;
  }
  const shared = distinctPhrases(terminology?.phrases, filePhrases);
  if (shared.length > MAX_PHRASES) {
    findings.push({
      pointer: terminology?.phrasesFile !== undefined ? '/terminology/phrasesFile' : '/terminology/phrases',
      message: `terminology: ${shared.length} distinct phrases, but Azure takes at most ${MAX_PHRASES} in one phrase list`,
      hint: 'keep the words people get wrong most (names, products); for a larger vocabulary train a Custom Speech model',
    });
  }
  const anySpeakerPhrases = (profile.speakers ?? []).some((s) => s.translate !== false && (s.phrases ?? []).length > 0);
  (profile.speakers ?? []).forEach((speaker, index) => {
    if (!speaker.phrases || speaker.phrases.length === 0) return;
    const field = `speakers[${index}].phrases`;
    if (speaker.translate === false) {
      findings.push({ pointer: `/speakers/${index}/phrases`, severity: 'warning', message: `${field} has no effect: this speaker is not translated (translate: false)` });
      return;
    }
    const total = distinctPhrases(shared, speaker.phrases).length;
    if (total > MAX_PHRASES && shared.length <= MAX_PHRASES) {
      findings.push({
        pointer: `/speakers/${index}/phrases`,
        message: `${field}: with the profile's ${shared.length} terminology phrases this speaker's sessions get ${total}, over Azure's ${MAX_PHRASES} per phrase list`,
        hint: 'shorten the speaker list or the profile terminology',
      });
    }
  });
  if (terminology?.weight !== undefined && shared.length === 0 && !anySpeakerPhrases) {
    findings.push({ pointer: '/terminology/weight', severity: 'warning', message: 'terminology.weight has no effect: there are no phrases', hint: 'add terminology.phrases, or remove weight' });
  }
  const timing = profile.timing;
  if (timing) {
    const problem = segmentationProblem(timing.segmentation, timing.silenceMs, timing.maxPhraseSeconds);
    if (problem) {
      const key = problem.field === 'strategy' ? 'segmentation' : problem.field;
      // segmentationProblem names the strategy only when it is `time`, so the finding is on a value.
      findings.push({ pointer: `/timing/${key}`, message: `timing: ${problem.message}` });
    }
  }
  return filePhrases === undefined ? { findings } : { findings, filePhrases };
}

/** One phrase per line; blank lines and `#` comments skipped. Only files in the profile's folder or below. */
function readPhrasesFile(path: string, profileFile: string): { phrases: string[] } | { error: string; hint?: string } {
  const folder = resolve(dirname(profileFile));
  if (isAbsolute(path)) return { error: `${path} is an absolute path`, hint: 'give the file name beside the profile, e.g. glossary.txt' };
  const full = resolve(folder, normalize(path));
  const leaves = { error: `${path} leaves the profile's folder`, hint: 'keep the phrase file beside the profile (or in a folder below it)' };
  if (!inside(full, folder)) return leaves;
  // A symbolic link beside the profile may point anywhere: what is read must be inside too.
  const real = realPath(full);
  if (real !== undefined && !inside(real, realPath(folder) ?? folder)) return leaves;
  let bytes: Buffer;
  try {
    bytes = readFileSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? `${path} does not exist (looked in ${folder})` : `cannot read ${path} (${code ?? String(error)})`, hint: 'one phrase per line, UTF-8 text' };
  }
  let text: string;
  try {
    if (bytes.includes(0)) throw new Error('binary');
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: `${path} is not a UTF-8 text file`, hint: 'one phrase per line, UTF-8 text' };
  }
  const phrases = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  return { phrases };
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder + sep);
}

/** The path with every symbolic link resolved, or undefined when it does not exist (reading it says so). */
function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The normalized terminology, or undefined when the profile sets none. */
export function normalizeTerminology(raw: RawProfile, filePhrases: readonly string[] | undefined): Terminology | undefined {
  const t = raw.terminology;
  if (!t) return undefined;
  const out: Terminology = { phrases: distinctPhrases(t.phrases, filePhrases) };
  if (t.weight !== undefined) out.weight = t.weight;
  if (t.translatorCategory !== undefined) out.translatorCategory = t.translatorCategory;
  return out;
}

export function normalizeTiming(raw: RawProfile): Timing | undefined {
  const t = raw.timing;
  if (!t) return undefined;
  const out: Timing = { segmentation: t.segmentation ?? 'default' };
  if (t.silenceMs !== undefined) out.silenceMs = t.silenceMs;
  if (t.maxPhraseSeconds !== undefined) out.maxPhraseSeconds = t.maxPhraseSeconds;
  return out;
}

/** The phrase list one speaker's sessions get: the profile's, then the speaker rule's own. */
export function sessionPhrases(profile: Profile, speakerPhrases?: readonly string[]): string[] {
  return distinctPhrases(profile.terminology?.phrases, speakerPhrases);
}

/** Lines for `interpreter plan`: what every session of the room is sent. */
export function describeTerminology(profile: Profile): string[] {
  const lines: string[] = [];
  const t = profile.terminology;
  const perSpeaker = profile.speakers.filter((s) => (s.phrases ?? []).length > 0);
  if (t || perSpeaker.length > 0) {
    const phrases = t?.phrases ?? [];
    const shown = phrases.slice(0, 8).join(', ') + (phrases.length > 8 ? `, ... (${phrases.length - 8} more)` : '');
    lines.push(`Terminology: ${phrases.length} phrase${phrases.length === 1 ? '' : 's'}${phrases.length > 0 ? ` (${shown})` : ''}, weight ${t?.weight ?? '1 (Azure default)'}`);
    for (const rule of perSpeaker) lines.push(`  speaker "${rule.identity}" adds ${(rule.phrases ?? []).join(', ')}`);
    lines.push(`  Custom Translator category: ${t?.translatorCategory ?? 'none (Microsoft\'s general model)'}`);
    if (profile.languages.source === 'auto') {
      lines.push("  note: Microsoft's docs say nothing of phrase lists or categories in open-range (multilingual) translation; they are sent anyway (docs/profiles.md)");
    }
  }
  const timing = profile.timing;
  if (timing) {
    const parts = [`segmentation ${timing.segmentation}`];
    if (timing.silenceMs !== undefined) parts.push(`a phrase ends after ${timing.silenceMs} ms of silence`);
    else if (timing.segmentation === 'time') parts.push('a phrase ends after 500 ms of silence (Azure\'s typical default)');
    if (timing.maxPhraseSeconds !== undefined) parts.push(`at most ${timing.maxPhraseSeconds} s per phrase`);
    lines.push(`Timing: ${parts.join(', ')}`);
  } else {
    lines.push("Timing: Azure's default segmentation (a phrase ends after about 500 ms of silence)");
  }
  return lines;
}
