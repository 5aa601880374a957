/**
 * Room profiles: load and validate YAML (or a shipped JSON bundle), match a room to its profile,
 * and plan the Azure sessions a speaker needs. Errors are data (`ProfileProblem[]`) until a CLI
 * renders them.
 */
import { formatProblems } from './format.ts';
import { loadProfilesSync } from './load.ts';
import type { Profile, ProfileProblem } from './types.ts';

export * from './types.ts';
export { formatProblem, formatProblems } from './format.ts';
export { DEFAULT_PROFILES_PATH, loadProfiles, loadProfilesSync, writeProfileBundle, type LoadOptions } from './load.ts';
export { explainMatch, findProfile, matchOrder, matchRoom, parseRoomMetadata } from './match.ts';
export { captionGroups, DEFAULT_SESSION_QUOTA, findSpeakerRule, PERSONAL_VOICE_NAME, personalVoiceWarnings, planRoom, planSpeaker, sessionsOf, targetsChosenBy } from './plan.ts';
export type { RecognizerPlan, RoomPlan, RoomPlanInput } from './plan.ts';
export { PROFILE_DEFAULTS } from './normalize.ts';
export { describeTerminology, sessionPhrases } from './terminology.ts';
export { MAX_PHRASES } from '../common/azure-terminology.ts';
export { COST_ASSUMPTIONS, PRICES, recognizerCostPerHour, streamedShare, type RecognizerCostInput } from './prices.ts';
export {
  DEFAULT_SPEECH_RESOURCE,
  SESSION_QUOTA,
  SpeechResourceEnv,
  SpeechResourceError,
  speechResourceFromEnv,
  parseResourceKind,
  parseTier,
  type SpeechResource,
  type SpeechResourceKind,
  type SpeechTier,
} from '../common/azure-resource.ts';

export class ProfileError extends Error {
  override name = 'ProfileError';
  readonly problems: ProfileProblem[];

  constructor(problems: readonly ProfileProblem[]) {
    super(formatProblems(problems));
    this.problems = [...problems];
  }
}

/** Loads like `loadProfilesSync`; throws `ProfileError` when any problem is an error (warnings pass). */
export function loadProfilesOrThrowSync(paths: string | readonly string[]): Profile[] {
  const { profiles, problems } = loadProfilesSync(paths);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ProfileError(errors);
  return profiles;
}

export async function loadProfilesOrThrow(paths: string | readonly string[]): Promise<Profile[]> {
  return loadProfilesOrThrowSync(paths);
}
