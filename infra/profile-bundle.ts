/**
 * Stages the validated profiles as one JSON file inside the Docker build context, so the image
 * (and the Lambda bundle, which copies the same file) ships exactly what the synth validated.
 * The file name carries the content hash: concurrent syntheses with different profiles (tests)
 * never overwrite each other, and a change of profiles changes the image asset.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder under the project root where bundles are staged (git-ignored). */
export const BUNDLE_DIR = '.interpreter';

export interface StagedProfileBundle {
  /** Absolute path of the bundle file. */
  file: string;
  /** The same file relative to the project root (the Docker build context), with `/`. */
  contextPath: string;
  /** The staging folder relative to the project root. */
  contextDir: string;
}

export function stageProfileBundle(bundleJson: string, projectRoot: string): StagedProfileBundle {
  const digest = createHash('sha256').update(bundleJson).digest('hex').slice(0, 16);
  const name = `profiles-${digest}.json`;
  const dir = join(projectRoot, BUNDLE_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  // Write then rename: a concurrent reader sees the whole file or none.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, bundleJson);
  renameSync(temporary, file);
  return { file, contextPath: `${BUNDLE_DIR}/${name}`, contextDir: BUNDLE_DIR };
}
