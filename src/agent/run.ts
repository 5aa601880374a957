/**
 * The agent's work once it has joined: interpret the room until it ends. (The existence check and
 * the token come first, from `room-check.ts`, before this module and the plugin are loaded.)
 */
import type { Logger } from 'pino';
import { LiveInterpreterModel, type LiveInterpreterOptions, type LiveInterpreterSession } from '../azure/index.ts';
import { DEFAULT_SPEECH_RESOURCE, sessionPhrases, type Profile } from '../profiles/index.ts';
import { RoomInterpreter } from './interpreter.ts';
import { exitCode, superviseRoom, type ExitReason } from './lifecycle.ts';
import type { RoomIO } from './room-io.ts';
import type { SessionSpec } from './speaker-pipeline.ts';
import { AgentStartError, roomServiceSubscriptions, type LiveKitSettings } from './room-check.ts';
import type { AzureSettings } from './settings.ts';
import { SessionBudget } from './budget.ts';

export type { AzureSettings } from './settings.ts';

export interface AgentConfig extends LiveKitSettings {
  profile: Profile;
  azure: AzureSettings;
  maxAzureSessions?: number;
  /** This agent's share of the deployment's Azure session budget. */
  sessionBudget?: number;
  logger: Logger;
}

/** One budget per process, whatever rooms it runs (a worker's jobs may share a process). */
let processBudget: SessionBudget | undefined;

function budgetFor(limit: number | undefined): SessionBudget | undefined {
  if (limit === undefined) return undefined;
  if (processBudget?.limit !== limit) processBudget = new SessionBudget(limit);
  return processBudget;
}

/** Opens plugin sessions with this agent's credentials and the profile's audio settings. */
export function sessionOpener(profile: Profile, azure: AzureSettings): (spec: SessionSpec) => LiveInterpreterSession {
  return (spec) =>
    new LiveInterpreterModel({
      ...(azure.speechKey ? { speechKey: azure.speechKey } : {}),
      ...(azure.speechRegion ? { speechRegion: azure.speechRegion } : {}),
      ...(azure.speechEndpoint ? { speechEndpoint: azure.speechEndpoint } : {}),
      targetLanguages: spec.targetLanguages,
      sourceLanguages: spec.sourceLanguages,
      spokenLanguage: spec.spokenLanguage,
      ...(spec.voice ? { voice: spec.voice } : {}),
      ...(azure.resource ? { resourceKind: azure.resource.kind, tier: azure.resource.tier } : {}),
      // The track's rate (16 kHz by default: Azure's own, nothing resampled).
      sampleRate: profile.audio.sampleRate,
      profanity: profile.profanity,
      ...terminologyOptions(profile, spec.speakerPhrases),
    }).session();
}

/** The profile's terminology and timing as plugin options; a speaker's own phrases join the profile's. */
function terminologyOptions(profile: Profile, speakerPhrases: string[] | undefined): Partial<LiveInterpreterOptions> {
  const options: Partial<LiveInterpreterOptions> = {};
  const phrases = sessionPhrases(profile, speakerPhrases);
  if (phrases.length > 0) {
    options.phrases = phrases;
    if (profile.terminology?.weight !== undefined) options.phraseWeight = profile.terminology.weight;
  }
  if (profile.terminology?.translatorCategory !== undefined) options.translatorCategory = profile.terminology.translatorCategory;
  const timing = profile.timing;
  if (timing) {
    options.segmentation = { strategy: timing.segmentation };
    if (timing.silenceMs !== undefined) options.segmentation.silenceMs = timing.silenceMs;
    if (timing.maxPhraseSeconds !== undefined) options.segmentation.maxPhraseSeconds = timing.maxPhraseSeconds;
  }
  return options;
}

/** Interprets a joined room until it ends; returns the process exit code. */
export async function interpretRoom(
  room: RoomIO,
  config: AgentConfig,
  stopSignal: AbortSignal,
  stillOurRoom?: () => Promise<boolean>,
): Promise<{ code: number; reason: ExitReason }> {
  const interpreter = new RoomInterpreter({
    room,
    profile: config.profile,
    openSession: sessionOpener(config.profile, config.azure),
    logger: config.logger,
    resource: config.azure.resource ?? DEFAULT_SPEECH_RESOURCE,
    ...(config.maxAzureSessions ? { maxAzureSessions: config.maxAzureSessions } : {}),
    ...(config.sessionBudget !== undefined ? { budget: budgetFor(config.sessionBudget)! } : {}),
    ...(config.profile.listeners?.audio === 'chosen-language' ? { subscriptions: roomServiceSubscriptions(config) } : {}),
  });
  await interpreter.start();
  const reason = await superviseRoom({ room, interpreter, logger: config.logger, stopSignal, ...(stillOurRoom ? { stillOurRoom } : {}) });
  return { code: exitCode(reason), reason };
}

/** Checks Azure settings before anything joins, so a misconfigured task fails at once. */
export function checkAzureSettings(config: AgentConfig): void {
  const target = config.profile.languages.targets[0];
  if (!target) throw new AgentStartError(`profile ${config.profile.name} has no target languages`);
  try {
    const { resource, ...settings } = config.azure;
    new LiveInterpreterModel({
      ...settings,
      ...(resource ? { resourceKind: resource.kind, tier: resource.tier } : {}),
      targetLanguages: [target.language],
      spokenLanguage: null,
    });
  } catch (error) {
    throw new AgentStartError(error instanceof Error ? error.message : String(error));
  }
}
