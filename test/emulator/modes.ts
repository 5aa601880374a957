/**
 * The emulator modes every client test sweeps: the default (the real v2 service as documented)
 * and combinations that give every behaviour option each of its values at least once.
 */
import type { EmulatorBehaviour } from '../../src/emulator/index.ts';

export interface EmulatorMode {
  name: string;
  behaviour: EmulatorBehaviour;
}

export const EMULATOR_MODES: readonly EmulatorMode[] = [
  { name: 'default (v2, speech per turn, completion per stream, wav per chunk, no interim)', behaviour: {} },
  {
    name: 'flat paths, speech per phrase, completion per phrase, header first, interim',
    behaviour: { protocol: 'flat', speechEvents: 'per-phrase', synthesisCompletion: 'per-phrase', chunkLayout: 'header-first', interimResults: true },
  },
  { name: 'v2, completion per phrase, header first', behaviour: { synthesisCompletion: 'per-phrase', chunkLayout: 'header-first' } },
  { name: 'flat paths, speech per turn, completion per stream, interim', behaviour: { protocol: 'flat', interimResults: true } },
  {
    name: 'v2, speech per phrase, interim, detected language as a locale',
    behaviour: { speechEvents: 'per-phrase', interimResults: true, languageForm: 'locale' },
  },
  { name: 'v2, short turn silence (speech ends between sentences)', behaviour: { turnEndSilenceMs: 1000 } },
];
