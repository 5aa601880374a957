/**
 * The plugin under every emulator mode, through the real SDK: per utterance one generation whose
 * audio is all there, speech started/stopped once around each utterance, captions from finals.
 * The generation timeout (a safety net) is off: every generation must be ended by what the
 * service says (a completion, the next phrase, speech end, the end of the session).
 */
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { EMULATOR_MODES } from '../emulator/modes.ts';
import { TEST_KEY, concat, fixture, pushSpeech, record, silence, totalMs } from './harness.ts';
import { LiveInterpreterModel } from '../../src/azure/index.ts';

const meeting = concat(fixture('meeting.wav'), silence(1500));

describe.each(EMULATOR_MODES)('the plugin against the emulator in mode: $name', ({ behaviour }) => {
  it('gives every utterance one generation with all of its audio, and balanced speech events', async () => {
    const emulator = await startEmulator({ port: 0, keys: [TEST_KEY], ...behaviour });
    try {
      const session = new LiveInterpreterModel({ speechKey: TEST_KEY, speechEndpoint: emulator.url, targetLanguages: ['fr'], generationTimeoutMs: 0 }).session();
      const rec = record(session);
      pushSpeech(session, meeting);
      await session.finishInput();
      await session.close();
      expect(rec.errors).toEqual([]);

      const finals = rec.translations.filter((t) => t.isFinal);
      expect(finals).toHaveLength(3);
      for (const final of finals) {
        expect(final.translations.fr).toMatch(/^\[fr\] utterance \d/);
        expect(final.sourceLanguage).toBe(behaviour.languageForm === 'locale' ? 'en-US' : 'en');
      }
      const generations = await Promise.all(rec.generations);
      expect(generations).toHaveLength(3);
      generations.forEach((generation, i) => {
        expect(generation.text).toBe(finals[i]!.translations.fr);
        // The emulator speaks for as long as the utterance lasted: nothing lost, nothing merged.
        expect(Math.abs(totalMs(generation.frames) - finals[i]!.durationMs), `utterance ${i + 1}`).toBeLessThan(40);
        expect(generation.frames.every((f) => f.sampleRate === 16000)).toBe(true);
      });

      const marks = rec.names.filter((n) => n === 'input_speech_started' || n === 'input_speech_stopped' || n === 'transcript_final');
      expect(marks).toEqual(Array.from({ length: 3 }, () => ['input_speech_started', 'transcript_final', 'input_speech_stopped']).flat());
      expect(rec.metrics).toHaveLength(3);
    } finally {
      await emulator.close();
    }
  });
});
