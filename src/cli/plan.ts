/**
 * `interpreter plan --room NAME`: which profile a room gets and why, the Azure recognizers the
 * agent would open per speaker, what an hour of the meeting costs, and the limits it would pass.
 */
import { parseArgs } from 'node:util';
import { isSameLanguage } from '../common/azure-languages.ts';
import {
  captionGroups,
  COST_ASSUMPTIONS,
  DEFAULT_PROFILES_PATH,
  describeTerminology,
  formatProblem,
  loadProfiles,
  matchRoom,
  parseRoomMetadata,
  planRoom,
  PRICES,
  parseResourceKind,
  parseTier,
  SESSION_QUOTA,
  sessionsOf,
  SpeechResourceEnv,
  SpeechResourceError,
  speechResourceFromEnv,
  type Profile,
  type RoomPlan,
  type SpeakerPlanInput,
  type SpeakerSessionPlan,
  type SpeechResource,
} from '../profiles/index.ts';

const USAGE = `Usage: interpreter plan --room NAME [options]

Shows which profile a room gets, the Azure sessions its agent would open and their hourly cost.
  --room NAME           room name (required)
  --metadata JSON       the room's metadata, as LiveKit holds it
  --speakers N          speakers in the meeting (default: the profile's limits.maxSpeakers)
  --listeners L1,L2     languages listeners chose (matters for onDemand profiles)
  --profiles PATH       profiles folder, file or bundle (default: ${DEFAULT_PROFILES_PATH}/)
  --resource-kind K     speech (a Speech resource: two target languages per session) or foundry
                        (an AI Foundry resource); default env ${SpeechResourceEnv.kind}, else speech
  --tier T              S0 or F0 (free: one session, no personal voice); default env ${SpeechResourceEnv.tier}, else S0
  --region R            the resource's region, for the personal-voice check; default env ${SpeechResourceEnv.region}
  --quota N             concurrent speech sessions of the resource (default: the tier's, ${SESSION_QUOTA.S0} on S0, ${SESSION_QUOTA.F0} on F0)
  --speaking-share S    share of the meeting each speaker talks, 0..1 or a percentage (25%): the cost
                        with the speech gate on (default: the profile's speechGate.speakingShare, 0.25)
  --json                machine-readable output`;

class UsageError extends Error {}

interface PlanOptions {
  room: string;
  metadata?: string;
  speakers?: number;
  listeners: string[];
  profiles: string;
  resource: SpeechResource;
  quota: number;
  speakingShare?: number;
  json: boolean;
}

function share(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  const number = percent ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(number >= 0 && number <= 1)) throw new UsageError(`--speaking-share must be a share from 0 to 1 or a percentage (0.25, 25%), got "${value}"`);
  return number;
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} must be a whole number >= 1, got "${value}"`);
  return Number(value);
}

function parseOptions(argv: string[]): PlanOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      room: { type: 'string' },
      metadata: { type: 'string' },
      speakers: { type: 'string' },
      listeners: { type: 'string' },
      profiles: { type: 'string' },
      'resource-kind': { type: 'string' },
      tier: { type: 'string' },
      region: { type: 'string' },
      quota: { type: 'string' },
      'speaking-share': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (!values.room) throw new UsageError('--room is required');
  let resource: SpeechResource;
  try {
    resource = speechResourceFromEnv(process.env, process.env.AZURE_SPEECH_ENDPOINT ? safeUrl(process.env.AZURE_SPEECH_ENDPOINT) : undefined);
    if (values['resource-kind'] !== undefined) resource.kind = parseResourceKind(values['resource-kind'], '--resource-kind');
    if (values.tier !== undefined) resource.tier = parseTier(values.tier, '--tier');
    if (values.region !== undefined) resource.region = values.region.toLowerCase();
  } catch (error) {
    if (error instanceof SpeechResourceError) throw new UsageError(error.message);
    throw error;
  }
  const options: PlanOptions = {
    room: values.room,
    listeners: (values.listeners ?? '').split(',').map((l) => l.trim()).filter((l) => l !== ''),
    profiles: values.profiles ?? DEFAULT_PROFILES_PATH,
    resource,
    quota: positiveInteger('quota', values.quota) ?? SESSION_QUOTA[resource.tier],
    json: values.json ?? false,
  };
  if (values.metadata !== undefined) options.metadata = values.metadata;
  const speakingShare = share(values['speaking-share']);
  if (speakingShare !== undefined) options.speakingShare = speakingShare;
  const speakers = positiveInteger('speakers', values.speakers);
  if (speakers !== undefined) options.speakers = speakers;
  return options;
}

/** Speakers to plan for: one per translated speaker rule (`recruiter-*` -> `recruiter-1`), then anonymous participants. */
function speakersFor(profile: Profile, count: number, listeners: string[]): SpeakerPlanInput[] {
  const fromRules = profile.speakers.filter((rule) => rule.translate).map((rule) => rule.identity.replace(/\*/g, '1').replace(/\?/g, 'x'));
  return Array.from({ length: count }, (_, i) => ({ identity: fromRules[i] ?? `participant-${i + 1 - Math.min(fromRules.length, count)}`, listenerLanguages: listeners }));
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function describeSpeaker(plan: SpeakerSessionPlan, resource: SpeechResource): string {
  const rule = plan.rule ? `rule "${plan.rule.identity}"` : 'no speaker rule';
  const source = plan.source === 'auto' ? 'detects any language' : `speaks ${plan.source.join(' or ')}`;
  if (!plan.translate) return `(${rule}): not translated`;
  const groups = captionGroups(plan.captionOnly, resource.kind);
  const captions = groups.length === 0 ? [] : [`captions ${groups.map((g) => g.join(', ')).join(' | ')} (${groups.length === 1 ? 'one text-only session' : `${groups.length} text-only sessions`})`];
  const parts = [...plan.voiced.map((v) => `${v.language} spoken by ${v.voice}`), ...captions];
  const sessions = sessionsOf(plan, resource.kind);
  return `(${rule}, ${source}): ${parts.length > 0 ? parts.join('; ') : 'nothing to translate'}  = ${sessions} session${sessions === 1 ? '' : 's'}`;
}

/** One line per run of speakers whose plans read the same (`participant-1..participant-10`). */
function describeSpeakers(plans: readonly SpeakerSessionPlan[], resource: SpeechResource): string[] {
  const lines: string[] = [];
  let run: { first: string; last: string; count: number; text: string } | undefined;
  const flush = () => {
    if (!run) return;
    const who = run.count === 1 ? run.first : `${run.first}..${run.last} (${run.count} speakers, each)`;
    lines.push(`  ${who} ${run.text}`);
  };
  for (const plan of plans) {
    const text = describeSpeaker(plan, resource);
    if (run && run.text === text) {
      run.last = plan.identity;
      run.count++;
      continue;
    }
    flush();
    run = { first: plan.identity, last: plan.identity, count: 1, text };
  }
  flush();
  return lines;
}

function describeResource(resource: SpeechResource): string {
  const kind =
    resource.kind === 'foundry'
      ? 'an AI Foundry resource (several target languages per session)'
      : `a Speech resource (at most 2 target languages per session; an AI Foundry resource: --resource-kind foundry or ${SpeechResourceEnv.kind}=foundry)`;
  const tier = resource.tier === 'F0' ? 'F0 (free: 1 session, neural voices only)' : 'S0';
  return `${kind}, ${tier}, region ${resource.region ?? `unknown (--region or ${SpeechResourceEnv.region})`}`;
}

function money(value: number): string {
  return `$${value.toFixed(2)}`;
}

export async function run(argv: string[]): Promise<number> {
  let options: PlanOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`interpreter plan: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { profiles, problems } = await loadProfiles(options.profiles);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    if (options.json) console.log(JSON.stringify({ ok: false, problems }, null, 2));
    else console.error(`${errors.map(formatProblem).join('\n')}\n\nfix the profiles first (interpreter validate ${options.profiles})`);
    return 1;
  }
  const room = options.metadata === undefined ? { name: options.room } : { name: options.room, metadata: options.metadata };
  const notes: string[] = [];
  if (options.metadata !== undefined && parseRoomMetadata(options.metadata) === undefined) {
    notes.push('the metadata is not a JSON object: profiles with metadata conditions cannot match it');
  }
  const match = matchRoom(profiles, room);
  if (!match) {
    if (options.json) console.log(JSON.stringify({ ok: true, room, match: null, notes }, null, 2));
    else console.log([`No profile matches room "${options.room}": no interpreter agent would start.`, ...notes.map((n) => `note: ${n}`)].join('\n'));
    return 0;
  }
  const profile = match.profile;
  const speakerCount = options.speakers ?? profile.limits.maxSpeakers;
  const plan = planRoom(profile, {
    speakers: speakersFor(profile, speakerCount, options.listeners),
    resource: options.resource,
    quota: options.quota,
    ...(options.speakingShare !== undefined ? { speakingShare: options.speakingShare } : {}),
  });
  for (const listener of options.listeners) {
    if (!profile.languages.targets.some((t) => isSameLanguage(listener, t.language))) {
      notes.push(`listener language ${listener} is not a target of "${profile.name}": nobody would hear it`);
    }
  }
  if (profile.onDemand && options.listeners.length === 0) notes.push('onDemand profile and no --listeners: no language is chosen yet, so no session opens');
  if (options.json) {
    console.log(JSON.stringify({ ok: true, room, match: { profile: profile.name, reason: match.reason, origin: profile.origin }, speakers: speakerCount, resource: options.resource, quota: options.quota, plan, terminology: profile.terminology ?? null, timing: profile.timing ?? null, notes, prices: PRICES, assumptions: COST_ASSUMPTIONS }, null, 2));
    return 0;
  }
  console.log(render(options, match.reason, profile, speakerCount, plan, notes));
  return 0;
}

function render(options: PlanOptions, reason: string, profile: Profile, speakerCount: number, plan: RoomPlan, notes: string[]): string {
  const lines = [
    `Room "${options.room}" -> profile "${profile.name}" (${profile.origin.file}:${profile.origin.line})${profile.description ? `: ${profile.description}` : ''}`,
    `  why: ${reason}`,
    `  ${speakerCount} speaker${speakerCount === 1 ? '' : 's'}${options.speakers === undefined ? ' (limits.maxSpeakers; change with --speakers)' : ''}${profile.onDemand ? `, listeners chose: ${options.listeners.join(', ') || 'none'}` : ''}`,
    '',
    `Azure resource assumed: ${describeResource(options.resource)}`,
    '',
    ...describeTerminology(profile),
    '',
    'Azure recognizers per speaker:',
    ...describeSpeakers(plan.speakers, options.resource),
    ...plan.skippedSpeakers.map((s) => `  ${s}: not interpreted (past limits.maxSpeakers)`),
    '',
    `Total: ${plan.recognizers.length} concurrent Azure speech translation session${plan.recognizers.length === 1 ? '' : 's'} (quota ${options.quota})`,
    `Estimated cost: ${money(plan.costPerHour)} per meeting hour with the speech gate off, ${money(plan.costPerHourGated)} with it on` +
      ` (each speaker talking ${(plan.speakingShare * 100).toFixed(0)}% of the time${options.speakingShare === undefined ? '; --speaking-share' : ''})`,
    `  this profile has the gate ${plan.gateEnabled ? 'on (speechGate.enabled): expect the second figure' : 'off (speechGate.enabled: false): expect the first'}`,
    `  Microsoft's method: ${money(PRICES.speechTranslationPerHour)}/hour per session (covers ${PRICES.includedTargetLanguages} target languages);` +
      (options.resource.kind === 'foundry'
        ? ` each further language ~${COST_ASSUMPTIONS.charactersPerTargetHour.toLocaleString('en-US')} characters/hour at ${money(PRICES.translatorPerMillionCharacters)}/million, x${PRICES.interimResultsWeighting} where interim results are translated (candidate source languages; open range has none);`
        : ' a Speech resource never carries more, so caption languages split into sessions of two;'),
    `  gate off: every speaker streamed the whole hour (a muted microphone sends nothing, not counted); gate on: speech x${COST_ASSUMPTIONS.gatedAudioPerSpeechSecond} for pre-roll, hangover and phrase ends;`,
    '  personal voice surcharges not included (see src/profiles/prices.ts)',
  ];
  if (plan.warnings.length > 0 || notes.length > 0) {
    lines.push('', ...plan.warnings.map((w) => `warning: ${w}`), ...notes.map((n) => `note: ${n}`));
  }
  return lines.join('\n');
}
