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

describe('LiveInterpreterOptions: every check, its boundary and its message', () => {
  const refusal = (options: unknown, env: NodeJS.ProcessEnv = noEnv): string | undefined => {
    try {
      resolveOptions(options as LiveInterpreterOptions, env);
      return undefined;
    } catch (error) {
      if (error instanceof LiveInterpreterOptionsError) return error.message;
      throw error;
    }
  };
  const prefix = 'LiveInterpreterModel: ';

  it('names its error type and prefixes every message with the model', () => {
    const error = (() => {
      try {
        resolveOptions({ ...base, targetLanguages: [] }, noEnv);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LiveInterpreterOptionsError);
    expect(error?.name).toBe('LiveInterpreterOptionsError');
    expect(error?.message).toBe(`${prefix}\`targetLanguages\` is empty: give at least one language code, e.g. ["fr"]`);
    expect(refusal(null)).toBe(`${prefix}options are required ({ targetLanguages: [...] })`);
    expect(refusal('fr')).toBe(`${prefix}options are required ({ targetLanguages: [...] })`);
  });

  it('takes the key from the options before the environment; an empty key is none', () => {
    expect(resolveOptions({ ...base, speechKey: 'mine' }, { AZURE_SPEECH_KEY: 'env' }).key).toBe('mine');
    expect(refusal({ ...base, speechKey: '' }, { AZURE_SPEECH_KEY: 'env' })).toBe(`${prefix}no Speech key: pass \`speechKey\` or set AZURE_SPEECH_KEY`);
  });

  it('takes an endpoint as text or URL, from the options before the environment, and any ws/wss/http/https one with a path', () => {
    const env = { AZURE_SPEECH_ENDPOINT: 'wss://env.example/v2' };
    expect(resolveOptions({ ...base, speechEndpoint: 'ws://127.0.0.1:9/x' }, env).endpoint.href).toBe('ws://127.0.0.1:9/x');
    const given = new URL('https://host.example/speech');
    const resolved = resolveOptions({ ...base, speechEndpoint: given }, noEnv).endpoint;
    expect(resolved.href).toBe('https://host.example/speech');
    expect(resolved).not.toBe(given);
    expect(resolveOptions({ ...base, speechEndpoint: 'http://h.example/p' }, noEnv).endpoint.protocol).toBe('http:');
    expect(resolveOptions({ ...base, speechEndpoint: 'wss://h.example/p' }, noEnv).endpoint.protocol).toBe('wss:');
    // An empty endpoint is none: the region's endpoint is used.
    expect(resolveOptions({ ...base, speechEndpoint: '' }, noEnv).endpoint.host).toBe('westeurope.stt.speech.microsoft.com');
    expect(resolveOptions(base, { AZURE_SPEECH_ENDPOINT: '' }).endpoint.host).toBe('westeurope.stt.speech.microsoft.com');
    expect(refusal({ ...base, speechEndpoint: 'ftp://h.example/p' })).toBe(`${prefix}endpoint ftp://h.example/p must be a ws://, wss://, http:// or https:// URL`);
    expect(refusal({ ...base, speechEndpoint: 'wss://h.example/' })).toBe(`${prefix}endpoint wss://h.example/ needs a path, e.g. wss://h.example/stt/speech/universal/v2`);
    expect(refusal({ ...base, speechEndpoint: 'not a url' })).toBe(
      `${prefix}endpoint "not a url" is not a URL; expected e.g. wss://<resource>.cognitiveservices.azure.com/stt/speech/universal/v2`,
    );
  });

  it('builds the endpoint from a lower-case region name only, the option before the environment', () => {
    expect(resolveOptions(base, { AZURE_SPEECH_REGION: 'eastus' }).endpoint.host).toBe('westeurope.stt.speech.microsoft.com');
    expect(refusal({ ...base, speechRegion: 'West Europe' })).toBe(`${prefix}region "West Europe" is not an Azure region name such as "westeurope"`);
    expect(refusal({ ...base, speechRegion: 'westeurope.' })).toMatch(/region "westeurope\." is not/);
    expect(refusal({ ...base, speechRegion: '' })).toBe(
      `${prefix}no region or endpoint: pass \`speechRegion\` (or set AZURE_SPEECH_REGION), or pass \`speechEndpoint\` (AZURE_SPEECH_ENDPOINT)`,
    );
  });

  it('reports the region in lower case, from the options, the environment, or else the endpoint', () => {
    const endpoint = 'ws://127.0.0.1:9/stt/speech/universal/v2';
    expect(resolveOptions({ ...base, speechEndpoint: endpoint, speechRegion: 'WestEurope' }, noEnv).region).toBe('westeurope');
    expect(resolveOptions({ ...base, speechEndpoint: endpoint, speechRegion: undefined }, { AZURE_SPEECH_REGION: 'EastUS' }).region).toBe('eastus');
    expect(resolveOptions({ ...base, speechEndpoint: endpoint, speechRegion: '' }, noEnv).region).toBeUndefined();
  });

  it('refuses a key, region, resource kind or tier that is not a string with its own message, not a TypeError', () => {
    const bad = (extra: Record<string, unknown>): string | undefined => refusal({ ...base, ...extra } as LiveInterpreterOptions);
    expect(bad({ speechKey: 42 })).toBe(`${prefix}\`speechKey\` is a number, not a string`);
    expect(bad({ speechRegion: 7 })).toBe(`${prefix}\`speechRegion\` is 7, not a string such as "westeurope"`);
    expect(bad({ resourceKind: 1 })).toBe(`${prefix}\`resourceKind\` is 1, not a string: use "speech" or "foundry"`);
    expect(bad({ tier: { name: 'S0' } })).toBe(`${prefix}\`tier\` is {"name":"S0"}, not a string: use "S0" (standard) or "F0" (free)`);
    expect(bad({ tier: true })).toBe(`${prefix}\`tier\` is true, not a string: use "S0" (standard) or "F0" (free)`);
  });

  it('says whether a bad resource kind or tier came from the options or the environment', () => {
    expect(refusal({ ...base, tier: 'gold' })).toBe(`${prefix}\`tier\` is "gold": use S0 (standard) or F0 (free)`);
    expect(refusal(base, { AZURE_SPEECH_TIER: 'gold' })).toBe(`${prefix}AZURE_SPEECH_TIER is "gold": use S0 (standard) or F0 (free)`);
    expect(refusal(base, { AZURE_SPEECH_RESOURCE_KIND: 'x' })).toMatch(/^LiveInterpreterModel: AZURE_SPEECH_RESOURCE_KIND is "x": use "speech"/);
    expect(resolveOptions({ ...base, tier: 'F0', resourceKind: 'foundry' }, { AZURE_SPEECH_TIER: 'x', AZURE_SPEECH_RESOURCE_KIND: 'x' })).toMatchObject({
      tier: 'F0',
      resourceKind: 'foundry',
    });
    expect(resolveOptions(base, { AZURE_SPEECH_TIER: '', AZURE_SPEECH_RESOURCE_KIND: '' })).toMatchObject({ tier: 'S0', resourceKind: 'speech' });
  });

  it('checks the targets: a list of distinct language codes, two at most on a Speech resource', () => {
    expect(refusal({ ...base, targetLanguages: 'fr' })).toBe(`${prefix}\`targetLanguages\` is empty: give at least one language code, e.g. ["fr"]`);
    expect(refusal({ ...base, targetLanguages: [3] })).toBe(`${prefix}target language 3 is not a language code such as "fr" or "zh-Hans"`);
    expect(refusal({ ...base, targetLanguages: ['fr', 'de'], spokenLanguage: null, voice: undefined })).toBeUndefined();
    expect(refusal({ ...base, targetLanguages: ['fr', 'de', 'es'], spokenLanguage: null, voice: undefined })).toBe(
      `${prefix}3 target languages on a Speech resource: Azure translates into at most 2 per session. ` +
        `Split them over sessions of at most 2, or, with an AI Foundry resource, set resourceKind: 'foundry' (env AZURE_SPEECH_RESOURCE_KIND=foundry)`,
    );
    expect(refusal({ ...base, targetLanguages: ['fr', 'FR'] })).toBe(`${prefix}\`targetLanguages\` lists a language twice`);
    const targets = ['fr'];
    const resolved = resolveOptions({ ...base, targetLanguages: targets }, noEnv);
    targets.push('de');
    expect(resolved.targetLanguages).toEqual(['fr']);
  });

  it('checks the source languages: auto, or a non-empty list of locales with a region', () => {
    const list = ['en-US', 'de-DE'];
    const resolved = resolveOptions({ ...base, sourceLanguages: list }, noEnv);
    expect(resolved.sourceLanguages).toEqual(['en-US', 'de-DE']);
    expect(resolved.sourceLanguages).not.toBe(list);
    expect(resolveOptions({ ...base, sourceLanguages: 'auto' }, noEnv).sourceLanguages).toBe('auto');
    const listMessage = `${prefix}\`sourceLanguages\` must be "auto" or a non-empty list of locales such as ["en-US", "de-DE"]`;
    expect(refusal({ ...base, sourceLanguages: [] })).toBe(listMessage);
    expect(refusal({ ...base, sourceLanguages: 'en-US' })).toBe(listMessage);
    expect(refusal({ ...base, sourceLanguages: ['en-US', 'de'] })).toBe(`${prefix}source language "de" is not a locale such as "en-US"`);
    expect(refusal({ ...base, sourceLanguages: [7] })).toBe(`${prefix}source language 7 is not a locale such as "en-US"`);
  });

  it('checks the spoken language against the targets, ignoring case, and a text-only session with several targets', () => {
    expect(resolveOptions({ ...base, targetLanguages: ['fr'], spokenLanguage: 'FR' }, noEnv).spokenLanguage).toBe('FR');
    expect(refusal({ ...base, spokenLanguage: 'de' })).toBe(`${prefix}spokenLanguage "de" is not among targetLanguages [fr]: add it there or pick one of them`);
    expect(refusal({ ...base, targetLanguages: ['fr', 'es'], spokenLanguage: 'de' })).toBe(
      `${prefix}spokenLanguage "de" is not among targetLanguages [fr, es]: add it there or pick one of them`,
    );
    expect(refusal({ ...base, targetLanguages: ['fr', 'de'] })).toBe(
      `${prefix}a session that speaks translates into one language only, got [fr, de]: Azure synthesizes a single translation per session. ` +
        'Open one session per spoken language (targetLanguages: ["fr"]) and a text-only session (spokenLanguage: null) for the others',
    );
    const textOnly = resolveOptions({ ...base, targetLanguages: ['fr', 'de'], spokenLanguage: null, voice: undefined }, noEnv);
    expect(textOnly).toMatchObject({ spokenLanguage: null, voice: undefined });
    expect(refusal({ ...base, spokenLanguage: null })).toBe(`${prefix}\`voice\` is set but spokenLanguage is null (a text-only session): remove \`voice\` or set \`spokenLanguage\``);
  });

  it('explains each voice refusal', () => {
    expect(refusal({ ...base, voice: 'Denise' })).toBe(
      `${prefix}voice "Denise" is neither "personal-voice" nor a neural voice name such as "fr-FR-DeniseNeural" or "sr-Latn-RS-SophieNeural"`,
    );
    expect(refusal({ ...base, voice: 'de-DE-KatjaNeural' })).toBe(
      `${prefix}voice "de-DE-KatjaNeural" speaks de-DE, not the spoken language "fr": pick a fr voice or change spokenLanguage`,
    );
    expect(refusal({ ...base, targetLanguages: ['fj'], voice: 'fj-FJ-SomeNeural' })).toBe(
      `${prefix}Azure has no neural voice for "fj": use personal-voice, or a text-only session (spokenLanguage: null)`,
    );
    expect(refusal({ ...base, targetLanguages: ['fj'], voice: undefined })).toBe(
      `${prefix}no default voice is known for "fj": set \`voice\` to "personal-voice" or a neural voice name`,
    );
    expect(resolveOptions({ ...base, targetLanguages: ['fj'], voice: 'personal-voice' }, noEnv).voice).toBe('personal-voice');
  });

  it('takes the three output rates and the three profanity modes, nothing else', () => {
    for (const sampleRate of [16000, 24000, 48000] as const) expect(resolveOptions({ ...base, sampleRate }, noEnv).sampleRate).toBe(sampleRate);
    expect(refusal({ ...base, sampleRate: 44100 })).toBe(`${prefix}sampleRate 44100 is not supported: use 16000 (Azure's own rate), 24000 or 48000`);
    expect(resolveOptions(base, noEnv).profanity).toBeUndefined();
    for (const profanity of ['masked', 'removed', 'raw'] as const) expect(resolveOptions({ ...base, profanity }, noEnv).profanity).toBe(profanity);
    expect(refusal({ ...base, profanity: 'loud' })).toBe(`${prefix}profanity "loud" is not one of masked, removed, raw`);
  });

  it('fills in the reconnect policy and refuses impossible ones', () => {
    expect(resolveOptions(base, noEnv).reconnect).toEqual({ maxAttempts: 6, initialDelayMs: 250, maxDelayMs: 10_000 });
    expect(resolveOptions({ ...base, reconnect: { maxAttempts: 0, initialDelayMs: 0, maxDelayMs: 0 } }, noEnv).reconnect).toEqual({ maxAttempts: 0, initialDelayMs: 0, maxDelayMs: 0 });
    expect(resolveOptions({ ...base, reconnect: { initialDelayMs: 10_000 } }, noEnv).reconnect.maxDelayMs).toBe(10_000);
    const attempts = `${prefix}\`reconnect.maxAttempts\` must be a whole number >= 0`;
    expect(refusal({ ...base, reconnect: { maxAttempts: -1 } })).toBe(attempts);
    expect(refusal({ ...base, reconnect: { maxAttempts: 1.5 } })).toBe(attempts);
    const delays = `${prefix}\`reconnect\` delays must satisfy 0 <= initialDelayMs <= maxDelayMs`;
    expect(refusal({ ...base, reconnect: { initialDelayMs: -1 } })).toBe(delays);
    expect(refusal({ ...base, reconnect: { initialDelayMs: Number.NaN } })).toBe(delays);
    expect(refusal({ ...base, reconnect: { initialDelayMs: 500, maxDelayMs: 499 } })).toBe(delays);
    expect(refusal({ ...base, reconnect: { maxDelayMs: Number.NaN } })).toBe(delays);
  });

  it('takes buffer and generation timeouts from 0 up, finite', () => {
    expect(resolveOptions(base, noEnv)).toMatchObject({ maxBufferedAudioMs: 30_000, generationTimeoutMs: 8000 });
    expect(resolveOptions({ ...base, maxBufferedAudioMs: 0, generationTimeoutMs: 0 }, noEnv)).toMatchObject({ maxBufferedAudioMs: 0, generationTimeoutMs: 0 });
    const buffer = `${prefix}\`maxBufferedAudioMs\` must be a number of milliseconds >= 0`;
    const timeout = `${prefix}\`generationTimeoutMs\` must be a number of milliseconds >= 0 (0 = never)`;
    for (const bad of [-0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal({ ...base, maxBufferedAudioMs: bad })).toBe(buffer);
      expect(refusal({ ...base, generationTimeoutMs: bad })).toBe(timeout);
    }
  });

  it('hands terminology refusals through with the model prefix', () => {
    expect(refusal({ ...base, phraseWeight: 1 })).toBe(`${prefix}\`phraseWeight\` is set but there are no \`phrases\`: the weight applies to a phrase list`);
    expect(resolveOptions({ ...base, phrases: ['Contoso'] }, noEnv).terminology.phrases).toEqual(['Contoso']);
  });
});
