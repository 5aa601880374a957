import { describe, expect, it } from 'vitest';
import { LiveInterpreterModel, LiveInterpreterOptionsError, type LiveInterpreterOptions } from '../../src/azure/index.ts';
import { resolveOptions } from '../../src/azure/options.ts';

const base: LiveInterpreterOptions = { key: 'k', region: 'westeurope', targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural' };
const noEnv: NodeJS.ProcessEnv = {};

describe('LiveInterpreterOptions', () => {
  it('resolves defaults: V2 regional endpoint, open range, first target spoken, 24 kHz', () => {
    const o = resolveOptions(base, noEnv);
    expect(o.endpoint.href).toBe('wss://westeurope.stt.speech.microsoft.com/speech/universal/v2');
    expect(o.sourceLanguages).toBe('auto');
    expect(o.spokenLanguage).toBe('fr');
    expect(o.voice).toBe('fr-FR-DeniseNeural');
    expect(o.sampleRate).toBe(24000);
    expect(o.maxBufferedAudioMs).toBe(30000);
  });

  it('reads key, region and endpoint from the environment', () => {
    const env = { AZURE_SPEECH_KEY: 'envkey', AZURE_SPEECH_ENDPOINT: 'ws://127.0.0.1:9/speech/universal/v2' };
    const o = resolveOptions({ targetLanguages: ['de'], voice: 'personal-voice' }, env);
    expect(o.key).toBe('envkey');
    expect(o.endpoint.href).toBe('ws://127.0.0.1:9/speech/universal/v2');
    const r = resolveOptions({ targetLanguages: ['de'], spokenLanguage: null }, { AZURE_SPEECH_KEY: 'x', AZURE_SPEECH_REGION: 'eastus' });
    expect(r.endpoint.host).toBe('eastus.stt.speech.microsoft.com');
    expect(r.voice).toBeUndefined();
  });

  const bad: Array<[string, Partial<LiveInterpreterOptions> & Record<string, unknown>, RegExp]> = [
    ['no key', { key: undefined }, /AZURE_SPEECH_KEY/],
    ['no region nor endpoint', { region: undefined }, /region.*AZURE_SPEECH_REGION.*endpoint/],
    ['empty targets', { targetLanguages: [] }, /targetLanguages.*empty/],
    ['a target that is not a code', { targetLanguages: ['French'] }, /"French" is not a language code/],
    ['duplicate targets', { targetLanguages: ['fr', 'FR'] }, /twice/],
    ['spoken language not among targets', { spokenLanguage: 'de' }, /spokenLanguage "de" is not among targetLanguages/],
    ['bad sample rate', { sampleRate: 44100 as 16000 }, /sampleRate 44100.*16000 or 24000/],
    ['voice locale mismatch', { voice: 'de-DE-KatjaNeural' }, /speaks de-de, not the spoken language "fr"/],
    ['voice that is no voice name', { voice: 'Denise' }, /neither "personal-voice" nor a neural voice name/],
    ['voice on a text-only session', { spokenLanguage: null }, /text-only.*remove `voice`/],
    ['root endpoint path', { endpoint: 'ws://127.0.0.1:1234' }, /needs a path/],
    ['endpoint that is not a URL', { endpoint: 'not a url' }, /is not a URL/],
    ['bad source list', { sourceLanguages: [] }, /sourceLanguages/],
    ['bad profanity', { profanity: 'loud' as 'raw' }, /profanity "loud"/],
    ['negative buffer', { maxBufferedAudioMs: -1 }, /maxBufferedAudioMs/],
  ];
  for (const [what, patch, message] of bad) {
    it(`rejects ${what} at construction`, () => {
      const options = { ...base, ...patch } as LiveInterpreterOptions;
      expect(() => resolveOptions(options, noEnv)).toThrow(message);
      expect(() => resolveOptions(options, noEnv)).toThrow(LiveInterpreterOptionsError);
    });
  }

  it('asks for a voice when the catalog knows none for the spoken language', () => {
    expect(() => resolveOptions({ key: 'k', region: 'eastus', targetLanguages: ['xx'] }, noEnv)).toThrow(/set `voice`/);
  });

  it('the model constructor validates too, and declares honest capabilities', () => {
    expect(() => new LiveInterpreterModel({ ...base, targetLanguages: [] })).toThrow(/targetLanguages/);
    const model = new LiveInterpreterModel(base);
    expect(model.capabilities).toMatchObject({
      turnDetection: true,
      supportsOverlappingSpeech: true,
      userTranscription: true,
      audioOutput: true,
      messageTruncation: false,
      autoToolReplyGeneration: false,
      manualFunctionCalls: false,
      midSessionChatCtxUpdate: false,
      midSessionInstructionsUpdate: false,
      midSessionToolsUpdate: false,
    });
    expect(new LiveInterpreterModel({ ...base, voice: undefined, spokenLanguage: null }).capabilities.audioOutput).toBe(false);
  });
});
