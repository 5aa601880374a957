#!/usr/bin/env node
// Installed (npm, the container image): runs the compiled CLI in dist/, with stack traces mapped
// back to src/. In a checkout of the project (tsconfig.json beside src/): runs the TypeScript
// sources through tsx, so an edit takes effect without a build; INTERPRETER_COMPILED=1 runs the
// build instead (what the image runs, and what job processes of the agents framework import).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const checkout = existsSync(fileURLToPath(new URL('../tsconfig.json', import.meta.url)));
const compiled = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!checkout || process.env.INTERPRETER_COMPILED === '1') {
  if (!existsSync(compiled)) {
    console.error('interpreter: no compiled CLI at dist/src/cli.js; run `npm run build`');
    process.exit(1);
  }
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli.ts', import.meta.url).href);
}
