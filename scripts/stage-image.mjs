#!/usr/bin/env node
// Stages the agent image's runtime layer into a folder: what the Dockerfile's build stage runs
// (`node scripts/stage-image.mjs /image`) and what its runtime stage copies whole. test/package
// runs the same script to measure the layer and start the CLI from it, since no Docker engine is
// there. After `npm ci` (the full install, which has esbuild):
//
//   bin/interpreter.js      the CLI launcher, unchanged
//   dist/src/cli.js         the CLI bundled with esbuild (JavaScript dependencies included), its
//                           commands split into chunks loaded on use, all in one folder
//   dist/src/worker-job.js  the job file `interpreter worker` gives @livekit/agents: job processes
//                           import it by path (src/agent/worker.ts resolves it beside its chunk)
//   dist/src/job_proc_lazy_main.js, inference_proc_lazy_main.js
//                           what @livekit/agents forks by path beside its own code (ipc/*_executor)
//   node_modules/           only the packages with native code that is loaded (and what they
//                           need): rtc-node's FFI library and sharp (loaded when @livekit/agents is)
//   package.json            `type: module`, name and version
//
//   node scripts/stage-image.mjs <folder>     stage; prints the layer's size
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const modules = join(root, 'node_modules');

/**
 * Packages kept as installed, with their dependency closure: the ones whose native code is
 * loaded. rtc-node's FFI library (@livekit/rtc-ffi-bindings) and sharp (loaded when
 * @livekit/agents is); @livekit/av, whose ffmpeg binary @livekit/agents looks up at import (it warns
 * without it); and @livekit/rtc-node itself: its ES entry is `export * from './index.cjs'`, which a
 * split bundle cannot re-export to a dynamic `import()` (listen, speak). `@livekit/local-inference`
 * (34 MB: local VAD and turn detection, which Azure does for us) is loaded only on use and left
 * out: a worker logs that local turn detection is unavailable and carries on.
 */
export const NATIVE_PACKAGES = ['@livekit/rtc-node', '@livekit/rtc-ffi-bindings', 'sharp', '@livekit/av'];

/** Where Node would find `name` from inside the package folder `from` (nested node_modules first). */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

/** The package folders to copy: the natives, their dependencies, and installed optional ones (platform binaries). */
export function nativeClosure(names = NATIVE_PACKAGES) {
  const found = new Map();
  const visit = (name, from, required) => {
    const dir = resolvePackage(name, from);
    if (!dir) {
      if (required) throw new Error(`stage-image: ${name} is not installed (run npm ci)`);
      return;
    }
    if (found.has(dir)) return;
    found.set(dir, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, true);
    // npm installs only the optional packages for this platform; those are the native binaries.
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, false);
  };
  for (const name of names) visit(name, root, true);
  return [...found.entries()].map(([dir, name]) => ({ dir, name }));
}

/** Bytes of the files under `dir` (what a layer tarball carries, less its headers). */
export function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else total += statSync(path).size;
  }
  return total;
}

export async function stageImage(out) {
  out = resolve(out);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'dist/src'), { recursive: true });
  const closure = nativeClosure();
  const agentsIpc = join(modules, '@livekit/agents/dist/ipc');
  await build({
    absWorkingDir: root,
    entryPoints: {
      cli: 'src/cli.ts',
      'worker-job': 'src/agent/worker-job.ts',
      job_proc_lazy_main: join(agentsIpc, 'job_proc_lazy_main.js'),
      inference_proc_lazy_main: join(agentsIpc, 'inference_proc_lazy_main.js'),
    },
    outdir: join(out, 'dist/src'),
    // One flat folder: every chunk's `import.meta.url` has the entries beside it.
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Every package with a native library stays a package; their JS, too, so each exists once.
    // Only top-level ones: a nested copy (rtc-node's own pino) is reachable from its parent only.
    external: [...new Set(closure.filter((p) => p.dir === join(modules, p.name)).map((p) => p.name))],
    // CommonJS dependencies call require() and read __dirname; in an ES module those come from here.
    banner: {
      js: "import { createRequire as __stageCreateRequire } from 'node:module'; import { fileURLToPath as __stageFileURLToPath } from 'node:url'; import { dirname as __stageDirname } from 'node:path'; const require = __stageCreateRequire(import.meta.url); const __filename = __stageFileURLToPath(import.meta.url); const __dirname = __stageDirname(__filename);",
    },
    minify: true,
    keepNames: true,
    // Stack traces map back to src/ (bin/interpreter.js enables source maps); sources stay out.
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'error',
  });
  cpSync(join(root, 'bin'), join(out, 'bin'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(
    join(out, 'package.json'),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, license: manifest.license, type: 'module', engines: manifest.engines, bin: manifest.bin }, null, 2)}\n`,
  );
  for (const { dir } of closure) {
    cpSync(dir, join(out, relative(root, dir)), { recursive: true, dereference: true, filter: (src) => !/\.(md|markdown|d\.ts|d\.cts|d\.mts|map)$/i.test(src) || src === dir });
  }
  return { out, bytes: folderBytes(out), packages: closure.map((p) => relative(modules, p.dir)) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target || process.argv.length > 3) {
    console.error('usage: node scripts/stage-image.mjs <folder>');
    process.exit(2);
  }
  const { out, bytes, packages } = await stageImage(target);
  console.log(`staged the runtime layer in ${out}: ${(bytes / 1e6).toFixed(1)} MB (native packages: ${packages.join(', ')})`);
}
