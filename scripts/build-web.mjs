#!/usr/bin/env node
// Bundles the listener app (web/) into web/dist/: app.js (livekit-client included, minified, with
// a source map), index.html and styles.css. The output is plain static files: `interpreter web`
// serves them, and they can be copied beside any LiveKit project (see docs/listener-app.md).
//
//   node scripts/build-web.mjs            build once; prints the bundle's size
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const web = fileURLToPath(new URL('../web/', import.meta.url));
const out = `${web}dist/`;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [`${web}src/main.ts`],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // What livekit-client itself supports; older browsers lack the WebRTC APIs anyway.
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
});
copyFileSync(`${web}index.html`, `${out}index.html`);
copyFileSync(`${web}src/styles.css`, `${out}styles.css`);

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const appBytes = statSync(`${out}app.js`).size;
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`web/dist: app.js ${kib(appBytes)} (${inputs} modules), index.html, styles.css`);
