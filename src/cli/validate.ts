/**
 * `interpreter validate [paths...]`: check room profiles (default `configs/`). Prints one line per
 * profile and exits 0, or every problem as `file:line:col  message  (hint)` and exits 1.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_PROFILES_PATH,
  formatProblem,
  loadProfiles,
  parseTier,
  SpeechResourceEnv,
  SpeechResourceError,
  speechResourceFromEnv,
  type Profile,
  type SpeechResource,
} from '../profiles/index.ts';

const USAGE = `Usage: interpreter validate [paths...] [--region R] [--tier S0|F0] [--json]

Checks room profiles against interpreter.schema.json and Azure's languages and voices.
  paths       folders of *.yaml profiles, profile files, or a profiles.json bundle (default: ${DEFAULT_PROFILES_PATH}/)
  --region R  the Speech resource's region (default env ${SpeechResourceEnv.region}): warns where personal voice cannot work
  --tier T    S0 or F0 (default env ${SpeechResourceEnv.tier}): F0 has no personal voice
  --json      print {"ok", "profiles", "problems"} for machines
Exit status: 0 valid (warnings allowed), 1 errors found, 2 bad usage.`;

export function summarizeProfile(profile: Profile): string {
  const rooms = profile.match.rooms.length > 0 ? profile.match.rooms.join(' ') : 'any name';
  const metadata = Object.entries(profile.match.metadata).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const targets = profile.languages.targets.map((t) => {
    if (t.voice.kind === 'none') return `${t.language}(captions)`;
    if (t.voice.kind === 'personal') return `${t.language}(personal)`;
    return `${t.language}(${t.voice.name})`;
  });
  const source = profile.languages.source === 'auto' ? 'auto' : profile.languages.source.join(',');
  return [
    profile.name,
    `rooms ${rooms}${metadata.length > 0 ? ` + metadata ${metadata.join(',')}` : ''}`,
    `priority ${profile.priority}`,
    `from ${source} to ${targets.join(' ')}`,
    ...(profile.onDemand ? ['on demand'] : []),
    ...(profile.description ? [`"${profile.description}"`] : []),
  ].join('  ');
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, region: { type: 'string' }, tier: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`interpreter validate: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [DEFAULT_PROFILES_PATH];
  let resource: SpeechResource;
  try {
    resource = speechResourceFromEnv(process.env);
    if (parsed.values.region !== undefined) resource.region = parsed.values.region.toLowerCase();
    if (parsed.values.tier !== undefined) resource.tier = parseTier(parsed.values.tier, '--tier');
  } catch (error) {
    if (!(error instanceof SpeechResourceError)) throw error;
    console.error(`interpreter validate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const { profiles, problems } = await loadProfiles(paths, { resource });
  const errors = problems.filter((p) => p.severity === 'error');
  const ok = errors.length === 0;
  if (parsed.values.json) {
    const summary = profiles.map((p) => ({ name: p.name, file: p.origin.file, line: p.origin.line, summary: summarizeProfile(p) }));
    console.log(JSON.stringify({ ok, profiles: ok ? summary : [], problems }, null, 2));
    return ok ? 0 : 1;
  }
  for (const problem of problems) (problem.severity === 'error' ? console.error : console.log)(formatProblem(problem));
  if (!ok) {
    console.error(`\n${errors.length} error${errors.length === 1 ? '' : 's'} in ${paths.join(', ')}`);
    return 1;
  }
  for (const profile of profiles) console.log(summarizeProfile(profile));
  const warnings = problems.length;
  console.log(`${profiles.length} profile${profiles.length === 1 ? '' : 's'} valid in ${paths.join(', ')}${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`);
  return 0;
}
