/**
 * `interpreter bench [name...]`: runs each `bench/<name>.bench.ts` in its own process (so one
 * benchmark's heap and sockets cannot colour the next), then prints a summary of the targets.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url));

function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', `${benchDir}${file}`], {
      stdio: 'inherit',
      env: process.env,
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

interface ResultFile {
  name: string;
  targets: { metric: string; target: string; value: number; pass: boolean }[];
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const available = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts')).sort();
  if (values.help) {
    console.log(`Usage: interpreter bench [name...]\n\nBenchmarks: ${available.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
    return 0;
  }
  const chosen = positionals.length === 0 ? available : positionals.map((n) => `${n}.bench.ts`);
  const missing = chosen.filter((f) => !available.includes(f));
  if (missing.length > 0) {
    console.error(`interpreter bench: no such benchmark: ${missing.join(', ')} (have: ${available.join(', ')})`);
    return 2;
  }
  let failed = 0;
  for (const file of chosen) {
    console.error(`\n== ${file}`);
    const code = await runOne(file);
    if (code !== 0) {
      console.error(`${file} exited with ${code}`);
      failed++;
    }
  }
  console.error('\n== summary');
  for (const file of chosen) {
    const path = `${benchDir}results/${file.replace('.bench.ts', '')}.json`;
    if (!existsSync(path)) continue;
    const result = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
    for (const t of result.targets) {
      console.error(`${t.pass ? 'PASS' : 'MISS'}  ${result.name}.${t.metric} = ${Number(t.value.toFixed(3))} (target ${t.target})`);
    }
  }
  return failed === 0 ? 0 : 1;
}
