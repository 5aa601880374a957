/**
 * Synth-time profile validation: the same loader and messages as `interpreter validate`, so a
 * broken profile fails `cdk synth` with `file:line:col message` lines instead of deploying.
 */
import { isAbsolute, resolve } from 'node:path';
import { loadProfilesOrThrowSync, writeProfileBundle } from '../src/profiles/index.ts';

/** Loads and validates the profiles folder; returns the bundle JSON the handler and agent read. Throws `ProfileError`. */
export function loadValidatedProfileBundle(profilesDir: string, projectRoot: string): string {
  const folder = isAbsolute(profilesDir) ? profilesDir : resolve(projectRoot, profilesDir);
  return writeProfileBundle(loadProfilesOrThrowSync(folder));
}
