/**
 * `interpreter health`: the container's health command. Exits 0 while the agent's heartbeat
 * (src/agent/heartbeat.ts) is fresh and 1 when it is stale or missing, so a wedged agent (alive,
 * its event loop blocked) is marked unhealthy and replaced. Loads nothing heavy: Docker and ECS
 * run it every few seconds.
 */
import { parseArgs } from 'node:util';
import { checkHeartbeat, DEFAULT_HEARTBEAT_MAX_AGE_SECONDS, HEARTBEAT_FILE_ENV } from '../agent/heartbeat.ts';

const HELP = `Usage: interpreter health [--max-age-seconds N] [--file PATH]

Exits 0 when the agent's heartbeat is at most N seconds old (default ${DEFAULT_HEARTBEAT_MAX_AGE_SECONDS}), 1 when it is older
or missing: the agent beats every 5 s from its event loop, so a blocked loop goes stale.

  --max-age-seconds N   the oldest heartbeat still healthy
  --file PATH           the heartbeat file (env ${HEARTBEAT_FILE_ENV}; the image sets it)`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'max-age-seconds': { type: 'string' }, file: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`interpreter health: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rawAge = values['max-age-seconds'];
  const maxAge = rawAge === undefined ? DEFAULT_HEARTBEAT_MAX_AGE_SECONDS : Number(rawAge);
  if (!Number.isFinite(maxAge) || maxAge <= 0 || (rawAge !== undefined && rawAge.trim() === '')) {
    console.error(`interpreter health: --max-age-seconds must be a positive number of seconds, not '${rawAge}'`);
    return 2;
  }
  const file = values.file ?? process.env[HEARTBEAT_FILE_ENV];
  if (!file) {
    // 1, not 2: Docker reserves 2, and a health check without a heartbeat to read is not healthy.
    console.error(`interpreter health: no heartbeat file: pass --file or set ${HEARTBEAT_FILE_ENV} (the agent beats only when it is set)`);
    return 1;
  }
  const state = checkHeartbeat(file, maxAge * 1000);
  if (state.healthy) {
    console.log(`healthy: ${state.message}`);
    return 0;
  }
  console.error(`unhealthy: ${state.message}`);
  return 1;
}
