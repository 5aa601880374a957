#!/usr/bin/env node
// The mutation check of `npm test`: every set of mutation/ runs incrementally against its committed
// incremental file, so only the mutants of code or tests that changed since are tested again (a
// few minutes at most), and the check fails when a set's score is under its `break` threshold.
// A set without a committed incremental file fails: from nothing it takes 10-30 minutes here.
// A set marked `"check": false` (written, not yet measured to the end) is listed and skipped.
// A set marked `"netns": true` is judged by room tests (the real livekit-server and WebRTC): it runs
// inside scripts/netns.sh, after the server was found or built outside it (the namespace has no
// network for `go`).
//   node scripts/mutation-check.mjs [set ...]     (default: every set)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listSets, summarize } from './mutation-report.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const stryker = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));
const wanted = process.argv.slice(2);
const sets = listSets(`${root}mutation`).filter(({ name }) => wanted.length === 0 || wanted.includes(name));
const unknown = wanted.filter((name) => !sets.some((entry) => entry.name === name));
if (unknown.length > 0) {
  console.error(`mutation check: no set ${unknown.join(', ')} in mutation/`);
  process.exit(2);
}

const lines = [];
let failed = false;
let liveKit;
/** Finds or builds the server once, outside the namespace. */
function liveKitReady() {
  liveKit ??= spawnSync(process.execPath, [`${root}bin/interpreter.js`, 'livekit', '--install'], { cwd: root, stdio: 'inherit' }).status === 0;
  return liveKit;
}
for (const { name, set, problems, incremental } of sets) {
  if (problems.length === 0 && set.check === false) {
    lines.push(`${name}: not checked ("check": false in mutation/${name}.json: no complete measurement yet)`);
    continue;
  }
  if (problems.length > 0 || !incremental) {
    failed = true;
    const why = problems.length > 0 ? problems.join('; ') : `no mutation/${name}.incremental.json: run \`MUTATION_SET=${name} npm run mutation\` once and commit it`;
    lines.push(`${name}: FAILED, ${why}`);
    continue;
  }
  const started = Date.now();
  console.log(`\n> mutation set ${name} (src/${set.folder}, ${set.files.length} files, break at ${set.break}%${set.netns ? ', inside the network namespace' : ''})`);
  if (set.netns && !liveKitReady()) {
    failed = true;
    lines.push(`${name}: FAILED, the LiveKit server could not be found or built (\`interpreter livekit --install\`)`);
    continue;
  }
  const strykerRun = [process.execPath, stryker, 'run', '--reporters', 'progress-append-only,json'];
  const [command, ...args] = set.netns ? [`${root}scripts/netns.sh`, ...strykerRun] : strykerRun;
  const run = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MUTATION_SET: name },
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  let summary;
  try {
    summary = summarize(JSON.parse(readFileSync(`${root}reports/mutation/${name}.json`, 'utf8')));
  } catch {
    summary = undefined;
  }
  // Stryker exits non-zero under the break threshold; the score is checked here too, from its report.
  const under = summary === undefined || !(summary.score >= set.break);
  if (run.status !== 0 || under) failed = true;
  const figures = summary ? `${summary.score.toFixed(2)}% (${summary.killed + summary.timeout} of ${summary.valid} killed, ${summary.survived} survived, ${summary.noCoverage} not covered)` : 'no report';
  lines.push(`${name}: ${run.status !== 0 || under ? 'FAILED' : 'ok'}, ${figures}, break at ${set.break}%, ${seconds} s`);
}
console.log(`\nmutation check\n${lines.map((line) => `  ${line}`).join('\n')}`);
process.exit(failed ? 1 : 0);
