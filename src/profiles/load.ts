/**
 * Loading: files -> YAML documents -> one entry per profile -> shape and meaning checks ->
 * defaults, then the checks across profiles (duplicate names, clashing match rules).
 * Everything wrong is collected as positioned problems; nothing throws on bad input.
 */
import { readFileSync } from 'node:fs';
import { isSeq } from 'yaml';
import type { SpeechResource } from '../common/azure-resource.ts';
import { resourceFindings } from './resource-checks.ts';
import { profilesClash } from './match.ts';
import { normalizeProfile, toRawProfile } from './normalize.ts';
import type { RawProfile } from './raw.ts';
import { checkShape, describeValue, type Finding } from './schema.ts';
import { checkMeaning } from './semantics.ts';
import { checkTerminology } from './terminology.ts';
import { fileProblem, listProfileFiles, locate, parseYaml, readText, type SourceDocument } from './source.ts';
import type { LoadResult, Profile, ProfileProblem } from './types.ts';

export const DEFAULT_PROFILES_PATH = 'configs';
export const BUNDLE_FORMAT = 'lk-interpreter-profiles';
const BUNDLE_VERSION = 1;

/** A loaded profile and where it came from, for the checks across profiles. */
interface Located {
  profile: Profile;
  problemAt(pointer: string, finding: Omit<Finding, 'pointer'>): ProfileProblem;
}

export interface LoadOptions {
  /** The Azure resource the profiles will run on: adds warnings about what it cannot do (personal voice). */
  resource?: SpeechResource;
}

export function loadProfilesSync(paths: string | readonly string[], options: LoadOptions = {}): LoadResult {
  const list = typeof paths === 'string' ? [paths] : [...paths];
  const { files, problems } = listProfileFiles(list);
  const located: Located[] = [];
  for (const file of files) {
    const loaded = file.toLowerCase().endsWith('.json') && isBundle(file) ? loadBundle(file) : loadYamlFile(file);
    located.push(...loaded.located);
    problems.push(...loaded.problems);
  }
  problems.push(...checkAcrossProfiles(located));
  const resource = options.resource;
  if (resource) for (const entry of located) problems.push(...resourceFindings(entry.profile, resource).map((f) => entry.problemAt(f.pointer, f)));
  return { profiles: located.map((l) => l.profile), problems };
}

export async function loadProfiles(paths: string | readonly string[], options: LoadOptions = {}): Promise<LoadResult> {
  return loadProfilesSync(paths, options);
}

function toProblem(file: string, line: number, column: number, path: string, finding: Omit<Finding, 'pointer'>): ProfileProblem {
  const problem: ProfileProblem = { file, line, column, path, message: finding.message, severity: finding.severity ?? 'error' };
  if (finding.hint !== undefined) problem.hint = finding.hint;
  return problem;
}

function loadYamlFile(file: string): { located: Located[]; problems: ProfileProblem[] } {
  const { text, problem } = readText(file);
  if (text === undefined) return { located: [], problems: problem ? [problem] : [] };
  const { documents, problems } = parseYaml(file, text);
  if (problems.length > 0) return { located: [], problems };
  const nonEmpty = documents.filter((d) => d.document.contents !== null);
  if (nonEmpty.length === 0) return { located: [], problems: [fileProblem(file, 'file is empty: it defines no profile', 'write a profile (see configs/ for examples) or delete the file')] };
  const located: Located[] = [];
  for (const source of nonEmpty) {
    let value: unknown;
    try {
      value = source.document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // e.g. an alias expanding into too many nodes ("billion laughs"): refuse, do not hang.
      problems.push(problemIn(source, '', { message: `cannot read YAML: ${error instanceof Error ? error.message : String(error)}`, hint: 'avoid deeply nested aliases (*anchor)' }));
      continue;
    }
    const entries = isSeq(source.document.contents) && Array.isArray(value) ? value.map((v, i) => ({ value: v as unknown, prefix: `/${i}` })) : [{ value, prefix: '' }];
    if (Array.isArray(value) && value.length === 0) problems.push(problemIn(source, '', { message: 'the list of profiles is empty' }));
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
      // A list of scalars (`[1, 2, 3]`) is not a list of broken profiles: say so once.
      problems.push(problemIn(source, '', { message: `expected a profile or a list of profiles, got a list of ${describeValue(value[0]).split(' ')[0]} values`, hint: 'see configs/ for examples' }));
      continue;
    }
    for (const { value: entry, prefix } of entries) {
      const result = checkEntry(entry, (pointer, finding) => problemIn(source, prefix + pointer, finding), source.file, locate(source, prefix).line);
      problems.push(...result.problems);
      if (result.located) located.push(result.located);
    }
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { located, problems };
}

function problemIn(source: SourceDocument, pointer: string, finding: Omit<Finding, 'pointer'>): ProfileProblem {
  const position = locate(source, pointer, finding.at ?? 'value');
  return toProblem(source.file, position.line, position.column, pointer, finding);
}

type ProblemAt = (pointer: string, finding: Omit<Finding, 'pointer'>) => ProfileProblem;

/** Checks one profile entry; returns it loaded when it has no errors. */
function checkEntry(entry: unknown, problemAt: ProblemAt, file: string, line: number): { located?: Located; problems: ProfileProblem[] } {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { problems: [problemAt('', { message: `expected a profile (a mapping with name, match and languages), got ${describeValue(entry)}`, hint: 'see configs/ for examples' })] };
  }
  const shape = checkShape(entry);
  const terminology = shape.length > 0 ? undefined : checkTerminology(entry as RawProfile, file);
  const findings = shape.length > 0 ? [...shape, ...meaningDespiteShape(entry, shape)] : [...checkMeaning(entry as RawProfile), ...(terminology?.findings ?? [])];
  const problems = findings.map((f) => problemAt(f.pointer, f));
  if (problems.some((p) => p.severity === 'error')) return { problems };
  const profile = normalizeProfile(entry as RawProfile, { file, line }, terminology?.filePhrases);
  return { located: { profile, problemAt }, problems };
}

/**
 * Meaning checks on a profile whose shape is partly wrong, so one run reports everything it can:
 * findings about a part the schema already rejected are dropped, and a shape that trips the
 * checks up leaves just the schema's findings.
 */
function meaningDespiteShape(entry: object, shape: readonly Finding[]): Finding[] {
  const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  try {
    return checkMeaning(entry as RawProfile).filter((f) => !shape.some((s) => s.pointer !== '' && overlaps(f.pointer, s.pointer)));
  } catch {
    return [];
  }
}

function isBundle(file: string): boolean {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && (parsed as { format?: unknown }).format === BUNDLE_FORMAT;
  } catch {
    return false;
  }
}

/** A bundle is re-checked in full: it may be older than this code, or edited by hand. */
function loadBundle(file: string): { located: Located[]; problems: ProfileProblem[] } {
  const bundle = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; profiles?: unknown };
  if (bundle.version !== BUNDLE_VERSION) {
    return { located: [], problems: [fileProblem(file, `profile bundle version ${String(bundle.version)} is not supported (expected ${BUNDLE_VERSION})`, 'rebuild it with this version (cdk synth)')] };
  }
  if (!Array.isArray(bundle.profiles)) return { located: [], problems: [fileProblem(file, 'profile bundle has no `profiles` list')] };
  const located: Located[] = [];
  const problems: ProfileProblem[] = [];
  bundle.profiles.forEach((stored: unknown, index) => {
    const problemAt: ProblemAt = (pointer, finding) => toProblem(file, 0, 0, `/profiles/${index}${pointer}`, finding);
    let raw: RawProfile;
    try {
      raw = toRawProfile(stored as Profile);
    } catch {
      problems.push(problemAt('', { message: `bundle entry ${index} is not a profile` }));
      return;
    }
    const result = checkEntry(raw, problemAt, file, 0);
    problems.push(...result.problems);
    if (!result.located) return;
    const origin = (stored as Profile).origin;
    if (origin && typeof origin.file === 'string' && typeof origin.line === 'number') result.located.profile.origin = { file: origin.file, line: origin.line };
    located.push(result.located);
  });
  return { located, problems };
}

/** JSON text of validated profiles: what infrastructure ships to the webhook handler and the agent. */
export function writeProfileBundle(profiles: readonly Profile[]): string {
  return `${JSON.stringify({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION, profiles }, null, 2)}\n`;
}

function checkAcrossProfiles(located: readonly Located[]): ProfileProblem[] {
  const problems: ProfileProblem[] = [];
  const byName = new Map<string, Located>();
  for (const entry of located) {
    const first = byName.get(entry.profile.name);
    if (first) {
      problems.push(entry.problemAt('/name', {
        message: `duplicate profile name "${entry.profile.name}"`,
        hint: `first defined at ${first.profile.origin.file}:${first.profile.origin.line}; profile names must be unique`,
      }));
    } else {
      byName.set(entry.profile.name, entry);
    }
  }
  for (let j = 0; j < located.length; j++) {
    for (let i = 0; i < j; i++) {
      const earlier = located[i] as Located;
      const later = located[j] as Located;
      const clash = profilesClash(earlier.profile, later.profile);
      if (clash === undefined) continue;
      const index = later.profile.match.rooms.indexOf(clash);
      problems.push(later.problemAt(index >= 0 ? `/match/rooms/${index}` : '/match', {
        message: `profiles "${earlier.profile.name}" and "${later.profile.name}" both match ${clash === '' ? 'any room name' : `rooms "${clash}"`} with priority ${later.profile.priority}`,
        hint: `"${earlier.profile.name}" (${earlier.profile.origin.file}:${earlier.profile.origin.line}) would always win; give one a different priority or pattern`,
      }));
    }
  }
  return problems;
}
