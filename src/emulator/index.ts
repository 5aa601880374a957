/**
 * A local Azure Speech translation service: the WebSocket protocol the unmodified
 * `microsoft-cognitiveservices-speech-sdk` speaks, with deterministic translations, speech-shaped
 * synthesized audio and faults on demand. For tests, benchmarks and running without an Azure key.
 */
export { startEmulator } from './server.ts';
export type { ConnectionRecord, EmulatorBehaviour, EmulatorFaults, EmulatorObserver, EmulatorOptions, SpeechEmulator, UtteranceInfo } from './types.ts';
