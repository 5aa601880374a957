#!/usr/bin/env node
// Compiles both published packages from the one source tree: `lk-interpreter` (dist/, plus the
// listener app in web/dist/) and the plugin alone, `lk-interpreter-azure` (packages/azure/dist/).
// A clean output each time, so a file deleted from src/ cannot live on in a package.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

const packages = {
  'lk-interpreter': ['dist', 'tsconfig.build.json'],
  'lk-interpreter-azure': ['packages/azure/dist', 'packages/azure/tsconfig.json'],
};
// `node scripts/build.mjs [package...]`: both by default.
const chosen = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(packages);
for (const name of chosen) {
  if (!(name in packages)) {
    console.error(`build: no package ${name} (have: ${Object.keys(packages).join(', ')})`);
    process.exit(2);
  }
  const [out, project] = packages[name];
  rmSync(new URL(`../${out}`, import.meta.url), { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  // The product ships the listener app as static files (`interpreter web` serves them).
  if (name === 'lk-interpreter') {
    const web = spawnSync(process.execPath, [fileURLToPath(new URL('./build-web.mjs', import.meta.url))], { cwd: root, stdio: 'inherit' });
    if (web.status !== 0) process.exit(web.status ?? 1);
  }
}
