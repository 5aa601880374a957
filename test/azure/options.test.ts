import { describe, expect, it } from 'vitest';
import { LiveInterpreterModel, LiveInterpreterOptionsError, type LiveInterpreterOptions } from '../../src/azure/index.ts';
import { resolveOptions } from '../../src/azure/options.ts';
import { catalogVoices } from '../../src/common/azure-languages.ts';

const base: LiveInterpreterOptions = { speechKey: 'k', speechRegion: 'westeurope', targetLanguages: ['fr'], voice: 'fr-FR-DeniseNeural' };
const noEnv: NodeJS.ProcessEnv = {};

describe('LiveInterpreterOptions', () => {
  it("resolves defaults: the SDK's own V2 path, open range, first target spoken, Azure's native 16 kHz, a Speech resource", () => {
    const o = resolveOptions(base, noEnv);
    expect(o.endpoint.href).toBe('wss://westeurope.stt.speech.microsoft.com/stt/speech/universal/v2');
    expect(o.sourceLanguages).toBe('auto');
    expect(o.spokenLanguage).toBe('fr');
    expect(o.voice).toBe('fr-FR-DeniseNeural');
    expect(o.sampleRate).toBe(16000);
    expect(o.maxBufferedAudioMs).toBe(30000);
    expect(o).toMatchObject({ resourceKind: 'speech', tier: 'S0', region: 'westeurope', warnings: [] });
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

  const bad: Array<[string, Partial<LiveInterpreterOptions>, RegExp]> = [
    ['no key', { speechKey: undefined }, /speechKey.*AZURE_SPEECH_KEY/],
    ['no region nor endpoint', { speechRegion: undefined }, /speechRegion.*AZURE_SPEECH_REGION.*speechEndpoint/],
    ['empty targets', { targetLanguages: [] }, /targetLanguages.*empty/],
    ['a target that is not a code', { targetLanguages: ['French'] }, /"French" is not a language code/],
    ['duplicate targets', { targetLanguages: ['fr', 'FR'] }, /twice/],
    ['spoken language not among targets', { spokenLanguage: 'de' }, /spokenLanguage "de" is not among targetLanguages/],
    ['bad sample rate', { sampleRate: 44100 as 16000 }, /sampleRate 44100.*16000 \(Azure's own rate\), 24000 or 48000/],
    ['voice locale mismatch', { voice: 'de-DE-KatjaNeural' }, /speaks de-DE, not the spoken language "fr"/],
    ['a voiced session with two targets', { targetLanguages: ['fr', 'de'] }, /translates into one language only.*single translation per session.*one session per spoken language.*spokenLanguage: null/],
    ['three targets on a Speech resource', { targetLanguages: ['fr', 'de', 'es'], spokenLanguage: null, voice: undefined }, /3 target languages on a Speech resource: Azure translates into at most 2.*resourceKind: 'foundry'.*AZURE_SPEECH_RESOURCE_KIND=foundry/],
    ['a resource kind that is none', { resourceKind: 'cognitive' as 'speech' }, /`resourceKind` is "cognitive": use "speech".*"foundry"/],
    ['personal voice outside the Live Interpreter regions', { speechRegion: 'northeurope', voice: 'personal-voice' }, /Live Interpreter \(personal voice\) runs only in eastus, japaneast, southeastasia, westeurope, westus2, not northeurope/],
    ['personal voice on F0', { tier: 'F0', voice: 'personal-voice' }, /not available on a free \(F0\) Speech resource/],
    ['a negative generation timeout', { generationTimeoutMs: -1 }, /generationTimeoutMs/],
    ['voice that is no voice name', { voice: 'Denise' }, /neither "personal-voice" nor a neural voice name/],
    ['voice on a text-only session', { spokenLanguage: null }, /text-only.*remove `voice`/],
    ['root endpoint path', { speechEndpoint: 'ws://127.0.0.1:1234' }, /needs a path/],
    ['endpoint that is not a URL', { speechEndpoint: 'not a url' }, /is not a URL/],
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

  it('reads the resource kind and tier from the environment, and the region from a regional endpoint', () => {
    const env = { AZURE_SPEECH_KEY: 'k', AZURE_SPEECH_RESOURCE_KIND: 'foundry', AZURE_SPEECH_TIER: 'f0' };
    const foundry = resolveOptions({ speechEndpoint: 'wss://eastus.stt.speech.microsoft.com/stt/speech/universal/v2', targetLanguages: ['fr', 'de', 'es'], spokenLanguage: null }, env);
    expect(foundry).toMatchObject({ resourceKind: 'foundry', tier: 'F0', region: 'eastus', targetLanguages: ['fr', 'de', 'es'] });
    expect(() => resolveOptions({ targetLanguages: ['fr'] }, { ...env, AZURE_SPEECH_REGION: 'eastus', AZURE_SPEECH_RESOURCE_KIND: 'x' })).toThrow(/AZURE_SPEECH_RESOURCE_KIND is "x"/);
    // A resource host or a local emulator names no region: nothing to check against.
    const local = resolveOptions({ speechKey: 'k', speechEndpoint: 'ws://127.0.0.1:9/stt/speech/universal/v2', targetLanguages: ['fr'], voice: 'personal-voice' }, {});
    expect(local.region).toBeUndefined();
    expect(local.voice).toBe('personal-voice');
  });

  it('accepts personal voice where Live Interpreter runs, and warns in japaneast, which lists no personal voice', () => {
    for (const region of ['eastus', 'southeastasia', 'westeurope', 'westus2']) {
      expect(resolveOptions({ ...base, speechRegion: region, voice: 'personal-voice' }, noEnv).warnings).toEqual([]);
    }
    const japan = resolveOptions({ ...base, speechRegion: 'japaneast', voice: 'personal-voice' }, noEnv);
    expect(japan.warnings).toHaveLength(1);
    expect(japan.warnings[0]).toMatch(/japaneast runs Live Interpreter but Azure lists no personal voice there/);
    // Neural voices work in every region.
    expect(resolveOptions({ ...base, speechRegion: 'northeurope' }, noEnv).voice).toBe('fr-FR-DeniseNeural');
  });

  it('accepts every voice of the catalog for its language, as the profile validator does', () => {
    const voices = catalogVoices();
    expect(voices.length).toBeGreaterThan(70);
    for (const { code, voice } of voices) {
      expect(resolveOptions({ ...base, targetLanguages: [code], voice }, noEnv).voice, `${code}: ${voice}`).toBe(voice);
      // And as the default when no voice is named.
      expect(resolveOptions({ ...base, targetLanguages: [code], voice: undefined }, noEnv).voice, code).toBe(voice);
    }
  });

  it('reads voice names with a script subtag, a dialect, HD and dashed names (tts.md)', () => {
    const fits: Array<[string, string]> = [
      ['sr-Latn', 'sr-Latn-RS-SophieNeural'],
      ['sr-Latn', 'sr-Latn-RS-NicholasNeural'],
      ['iu', 'iu-Cans-CA-SiqiniqNeural'],
      ['zh-Hans', 'zh-CN-sichuan-YunxiNeural'],
      ['en', 'en-US-Ava:DragonHDLatestNeural'],
      ['en', 'en-US-MultiTalker-Ava-Andrew:DragonHDLatestNeural'],
      ['en', 'en-us-ava:DragonHDOmniLatestNeural'],
      ['fil', 'fil-PH-AngeloNeural'],
    ];
    for (const [code, voice] of fits) expect(resolveOptions({ ...base, targetLanguages: [code], voice }, noEnv).voice, voice).toBe(voice);
    expect(() => resolveOptions({ ...base, targetLanguages: ['sr-Cyrl'], voice: 'sr-Latn-RS-SophieNeural' }, noEnv)).toThrow(/speaks sr-Latn-RS, not the spoken language "sr-Cyrl"/);
    expect(() => resolveOptions({ ...base, targetLanguages: ['iu'], voice: 'iu-Latn-CA-SiqiniqNeural' }, noEnv)).toThrow(/speaks iu-Latn-CA/);
  });

  it('asks for a voice when the catalog knows none for the spoken language', () => {
    expect(() => resolveOptions({ speechKey: 'k', speechRegion: 'eastus', targetLanguages: ['xx'] }, noEnv)).toThrow(/set `voice`/);
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
