/**
 * The Azure Live Interpreter plugin for LiveKit Agents: published as `lk-interpreter-azure` (the
 * plugin alone) and as `lk-interpreter/azure` (inside the whole product).
 */
import './plugin.ts';

export { PLUGIN_VERSION } from './plugin.ts';
export { LiveInterpreterModel } from './model.ts';
export { LiveInterpreterSession } from './session.ts';
export {
  type LiveInterpreterOptions,
  type ReconnectOptions,
  type ProfanityMode,
  type OutputSampleRate,
  LiveInterpreterOptionsError,
  PERSONAL_VOICE,
  V2_PATH,
} from './options.ts';
export { MAX_PHRASES, type SegmentationOptions, type SegmentationStrategy } from './terminology.ts';
export type { SpeechResourceKind, SpeechTier } from '../common/azure-resource.ts';
export type { TranslationEvent, LiveInterpreterMetrics, LiveInterpreterStats } from './events.ts';
export { RECEIVED_AT as FRAME_RECEIVED_AT_KEY } from './synthesis-decoder.ts';
