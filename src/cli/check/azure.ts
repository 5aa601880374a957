/**
 * The Azure half of `interpreter check`: settings first (region, tier, session budget: facts
 * from Microsoft's docs, no call needed), then two short plugin sessions against the configured
 * endpoint: a text-only one (is the key valid for this resource and region?) and one in the
 * personal voice (may this resource use it? Limited Access approval).
 *
 * Sources (MicrosoftDocs/azure-ai-docs, speech-service; see notes/azure-speech.md section 10):
 * regions.md lists Live Interpreter in eastus, japaneast, southeastasia, westeurope, westus2 and
 * personal voice in eastasia, eastus, eastus2, southeastasia, swedencentral, westeurope, westus2,
 * so japaneast runs Live Interpreter without personal voice; speech-services-quotas-and-limits.md:
 * 100 concurrent sessions by default on S0 (adjustable), 1 on F0, and no personal voice on F0.
 * The lists match src/common/azure-resource.ts of the Azure fidelity work; use that once it lands.
 */
import { readFile } from 'node:fs/promises';
import { decodeWav } from '../../common/wav.ts';
import { downmix } from '../speak.ts';
import { probeSession, probeTone, type ProbeAudio, type ProbeOutcome } from './azure-probe.ts';
import { fail, pass, skip, warn, type CheckResult } from './report.ts';

export const LIVE_INTERPRETER_REGIONS = ['eastus', 'japaneast', 'southeastasia', 'westeurope', 'westus2'];
export const PERSONAL_VOICE_REGIONS = ['eastasia', 'eastus', 'eastus2', 'southeastasia', 'swedencentral', 'westeurope', 'westus2'];
export const TIER_SESSIONS = { S0: 100, F0: 1 } as const;
const APPROVAL_URL = 'https://aka.ms/customneural';

export interface AzureSettings {
  speechKey?: string;
  speechRegion?: string;
  speechEndpoint?: string;
  tier: string;
  /** AZURE_SPEECH_MAX_SESSIONS as configured (the agent's budget), or undefined for its default. */
  maxSessions?: string;
}

export function azureSettingsFromEnv(env: NodeJS.ProcessEnv): AzureSettings {
  return {
    ...(env.AZURE_SPEECH_KEY ? { speechKey: env.AZURE_SPEECH_KEY } : {}),
    ...(env.AZURE_SPEECH_REGION ? { speechRegion: env.AZURE_SPEECH_REGION.toLowerCase() } : {}),
    ...(env.AZURE_SPEECH_ENDPOINT ? { speechEndpoint: env.AZURE_SPEECH_ENDPOINT } : {}),
    tier: (env.AZURE_SPEECH_TIER ?? 'S0').toUpperCase(),
    ...(env.AZURE_SPEECH_MAX_SESSIONS ? { maxSessions: env.AZURE_SPEECH_MAX_SESSIONS } : {}),
  };
}

/** `wss://westeurope.stt.speech.microsoft.com/...` names its region; a resource host or the emulator does not. */
export function regionOfEndpoint(endpoint: string): string | undefined {
  try {
    return /^([a-z0-9]+)\.(?:stt\.speech|s2s\.speech|api\.cognitive)\.microsoft\.com$/i.exec(new URL(endpoint).hostname)?.[1]?.toLowerCase();
  } catch {
    return undefined;
  }
}

export interface AzureCheckOptions {
  settings: AzureSettings;
  /** A recording for the personal-voice session (default: a probe tone the real service ignores). */
  speechFile?: string;
  timeoutMs?: number;
}

export async function checkAzure(options: AzureCheckOptions): Promise<CheckResult[]> {
  const { settings } = options;
  const results: CheckResult[] = [];
  if (!settings.speechKey) {
    return [warn('azure.key', 'no AZURE_SPEECH_KEY: serve and translate use the local Speech emulator (placeholder translations, not Azure)', 'set AZURE_SPEECH_KEY and AZURE_SPEECH_REGION (or AZURE_SPEECH_ENDPOINT) of a Speech resource in a Live Interpreter region')];
  }
  if (!settings.speechRegion && !settings.speechEndpoint) {
    return [fail('azure.region', 'AZURE_SPEECH_KEY is set but neither AZURE_SPEECH_REGION nor AZURE_SPEECH_ENDPOINT', `set AZURE_SPEECH_REGION to the resource's region (${LIVE_INTERPRETER_REGIONS.join(', ')})`)];
  }
  const region = settings.speechRegion ?? regionOfEndpoint(settings.speechEndpoint ?? '');
  results.push(regionResult(region, settings.speechEndpoint));
  const tier = settings.tier === 'S0' || settings.tier === 'F0' ? settings.tier : undefined;
  results.push(
    tier
      ? tier === 'F0'
        ? warn('azure.tier', 'F0 (free): 1 concurrent session and no personal voice', 'use an S0 resource for meetings')
        : pass('azure.tier', 'S0 (standard)')
      : fail('azure.tier', `AZURE_SPEECH_TIER is "${settings.tier}"`, 'set AZURE_SPEECH_TIER to S0 (standard) or F0 (free), as the resource shows under Pricing tier'),
  );
  if (tier) results.push(budgetResult(settings.maxSessions, tier));

  const connection = { speechKey: settings.speechKey, ...(settings.speechEndpoint ? { speechEndpoint: settings.speechEndpoint } : { speechRegion: region ?? '' }) };
  const timeoutMs = options.timeoutMs ?? 30_000;
  let keyProbe: ProbeOutcome;
  try {
    keyProbe = await probeSession({ ...connection, targetLanguages: ['fr'], spokenLanguage: null }, probeTone(), timeoutMs);
  } catch (error) {
    results.push(fail('azure.key', `the plugin refused the settings: ${error instanceof Error ? error.message : String(error)}`, 'fix the setting it names'));
    return results;
  }
  results.push(keyResult(keyProbe, settings, region));
  if (keyProbe.fatal) {
    results.push(skip('azure.personal-voice', 'needs a key the service accepts'));
    return results;
  }

  if (tier === 'F0') results.push(warn('azure.personal-voice', 'not tried: F0 resources cannot use personal voice; profiles that ask for it get their fallback neural voice', 'use an S0 resource for personal voice'));
  else if (region && !PERSONAL_VOICE_REGIONS.includes(region)) {
    results.push(warn('azure.personal-voice', `not tried: ${region} runs Live Interpreter but Azure lists no personal voice there`, `for the speakers' own voices use a resource in ${LIVE_INTERPRETER_REGIONS.filter((r) => PERSONAL_VOICE_REGIONS.includes(r)).join(', ')}`));
  } else {
    let audio: ProbeAudio;
    try {
      audio = options.speechFile ? await recording(options.speechFile) : probeTone();
    } catch (error) {
      results.push(fail('azure.personal-voice', `cannot use the recording ${options.speechFile}: ${error instanceof Error ? error.message : String(error)}`, 'pass a 16-bit PCM WAV file with --speech'));
      return results;
    }
    const voice = await probeSession({ ...connection, targetLanguages: ['fr'], spokenLanguage: 'fr', voice: 'personal-voice' }, audio, timeoutMs);
    results.push(personalVoiceResult(voice, Boolean(options.speechFile)));
  }
  return results;
}

function regionResult(region: string | undefined, endpoint: string | undefined): CheckResult {
  const id = 'azure.region';
  if (!region) {
    return warn(id, `the endpoint ${endpoint} names no region (a resource host, or the emulator), so the region was not checked`, 'set AZURE_SPEECH_REGION to the resource\'s region as well');
  }
  if (region === 'japaneast') return warn(id, 'japaneast runs Live Interpreter, but Azure lists no personal voice there', `for personal voice use ${LIVE_INTERPRETER_REGIONS.filter((r) => PERSONAL_VOICE_REGIONS.includes(r)).join(', ')}`);
  if (LIVE_INTERPRETER_REGIONS.includes(region)) return pass(id, `${region} runs Live Interpreter`);
  return fail(id, `${region} does not run Live Interpreter`, `create the Speech resource in one of ${LIVE_INTERPRETER_REGIONS.join(', ')}`);
}

function budgetResult(configured: string | undefined, tier: 'S0' | 'F0'): CheckResult {
  const id = 'azure.sessions';
  const tierDefault = TIER_SESSIONS[tier];
  const budget = configured === undefined ? 100 : Number(configured);
  if (!Number.isInteger(budget) || budget < 1) return fail(id, `AZURE_SPEECH_MAX_SESSIONS is "${configured}"`, 'set it to a whole number of concurrent sessions (default 100)');
  const from = configured === undefined ? 'the default budget of' : 'AZURE_SPEECH_MAX_SESSIONS =';
  // Azure's concurrency usage cannot be read from any API: this compares settings, not live use.
  const note = "usage is not readable from Azure's API";
  if (budget > tierDefault) {
    return warn(id, `${from} ${budget} concurrent sessions, but an ${tier} resource allows ${tierDefault} by default (${note})`, tier === 'F0' ? 'set AZURE_SPEECH_MAX_SESSIONS=1, or use an S0 resource' : `set AZURE_SPEECH_MAX_SESSIONS=${tierDefault}, unless Azure raised this resource's limit`);
  }
  return pass(id, `${from} ${budget} concurrent sessions, within the ${tier} default of ${tierDefault} (${note})`);
}

function keyResult(probe: ProbeOutcome, settings: AzureSettings, region: string | undefined): CheckResult {
  const id = 'azure.key';
  const where = settings.speechEndpoint ?? region ?? '';
  if (!probe.fatal) return pass(id, `a session opened at ${where}: the key is valid for this resource`);
  if (/rejected the credentials/.test(probe.fatal)) {
    return fail(id, `Azure rejected the key at ${where}`, `use a key of the Speech resource in ${region ?? 'the configured region'} (Azure portal > the resource > Keys and Endpoint), and that resource's region`);
  }
  if (/throttling|429/.test(probe.fatal)) {
    return fail(id, `Azure answered 429 Too Many Requests at ${where}: the resource's concurrent sessions are all in use, or its quota is spent`, 'try again when a meeting ends, or raise the resource\'s concurrency limit in Azure');
  }
  return fail(id, `no session at ${where}: ${probe.fatal}`, 'check AZURE_SPEECH_ENDPOINT / AZURE_SPEECH_REGION and the network path to Azure');
}

function personalVoiceResult(probe: ProbeOutcome, withRecording: boolean): CheckResult {
  const id = 'azure.personal-voice';
  const approval = `apply for personal voice (Limited Access) at ${APPROVAL_URL}, choosing "Personal Voice"; until then profiles fall back to their neural voice`;
  if (probe.fatal) {
    return fail(id, /rejected the credentials/.test(probe.fatal) ? 'the key works, but Azure refused a personal-voice session' : `the personal-voice session failed: ${probe.fatal}`, approval);
  }
  const synthesis = probe.errors.find((e) => /synthesis failed/.test(e));
  if (synthesis) return fail(id, `the session opened, but Azure refused to speak in the personal voice (${synthesis})`, approval);
  if (probe.synthesizedMs > 0) return pass(id, `a personal-voice session opened and spoke ${Math.round(probe.synthesizedMs)} ms of translation`);
  return pass(
    id,
    withRecording
      ? 'a personal-voice session opened, but nothing in the recording was translated, so the voice itself was not tried'
      : 'a personal-voice session opened (the probe tone holds no words, so the voice was not tried: --speech FILE.wav speaks a recording)',
  );
}

async function recording(path: string): Promise<ProbeAudio> {
  const wav = decodeWav(await readFile(path), path);
  const mono = downmix(wav.samples, wav.format.channels);
  // A second of silence after it, so the service ends the last phrase.
  const samples = new Int16Array(mono.length + wav.format.sampleRate);
  samples.set(mono);
  return { samples, sampleRate: wav.format.sampleRate };
}
