/** `interpreter emulator`: the local Azure Speech translation service, for the plugin, agents and the SDK. */
import { parseArgs } from 'node:util';
import { stopSignal } from './stop-signal.ts';
import { startEmulator } from '../emulator/index.ts';
import type { EmulatorBehaviour, EmulatorFaults } from '../emulator/types.ts';

const HELP = `Usage: interpreter emulator [--port 0] [options]

Runs a local stand-in for Azure Speech translation that the unmodified Speech SDK talks to.
Point the plugin or an agent at it with AZURE_SPEECH_ENDPOINT=<printed URL> and any AZURE_SPEECH_KEY.

  --port N              listen port (default 0 = any free port)
  --host H              listen address (default 127.0.0.1)
  --key K               accept only this key (repeatable; default: any non-empty key)
  --rate 16000|24000|48000  synthesized audio rate (default 16000, as the service sends)
  --language CODE       language reported as detected (default en)
Behaviour (defaults: the real v2 service as documented; see docs/emulator.md):
  --protocol v2|flat            translation.response + audio/audio.end (default), or the flat paths
  --speech-events per-turn|per-phrase   speech start/end per stretch of speech (default) or per phrase
  --turn-silence MS             silence that ends a stretch of speech (default 3000)
  --interim | --no-interim      interim results (default: none with open range, on with candidates)
  --completion per-stream|per-phrase    synthesis completion once per stream (default) or per phrase
  --layout wav-per-chunk|header-first   a RIFF header on every chunk (default) or the first only
  --language-form auto|bare|locale      detected language as 'de' or 'de-DE' (default: bare with open range)
Faults: --reject-key 401|403, --throttle, --drop-after MS, --reply-delay MS, --never-turn-end,
        --idle-close MS (like the service's ~30 s), --max-connection MS (like its 10 min),
        --phrase-error, --synthesis-error TEXT`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      key: { type: 'string', multiple: true },
      rate: { type: 'string', default: '16000' },
      layout: { type: 'string' },
      protocol: { type: 'string' },
      'speech-events': { type: 'string' },
      'turn-silence': { type: 'string' },
      completion: { type: 'string' },
      'language-form': { type: 'string' },
      interim: { type: 'boolean' },
      'no-interim': { type: 'boolean' },
      language: { type: 'string', default: 'en' },
      'reject-key': { type: 'string' },
      throttle: { type: 'boolean' },
      'drop-after': { type: 'string' },
      'reply-delay': { type: 'string' },
      'never-turn-end': { type: 'boolean' },
      'idle-close': { type: 'string' },
      'max-connection': { type: 'string' },
      'phrase-error': { type: 'boolean' },
      'synthesis-error': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const number = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} takes a whole number, not '${text}'`);
    return value;
  };
  try {
    const rate = number(values.rate, '--rate');
    if (rate !== 16000 && rate !== 24000 && rate !== 48000) throw new UsageError(`--rate must be 16000, 24000 or 48000, not ${values.rate}`);
    const behaviour: EmulatorBehaviour = {
      ...oneOf('--layout', values.layout, ['wav-per-chunk', 'header-first'] as const, (chunkLayout) => ({ chunkLayout })),
      ...oneOf('--protocol', values.protocol, ['v2', 'flat'] as const, (protocol) => ({ protocol })),
      ...oneOf('--speech-events', values['speech-events'], ['per-turn', 'per-phrase'] as const, (speechEvents) => ({ speechEvents })),
      ...oneOf('--completion', values.completion, ['per-stream', 'per-phrase'] as const, (synthesisCompletion) => ({ synthesisCompletion })),
      ...oneOf('--language-form', values['language-form'], ['auto', 'bare', 'locale'] as const, (languageForm) => ({ languageForm })),
      ...(values['turn-silence'] ? { turnEndSilenceMs: number(values['turn-silence'], '--turn-silence') } : {}),
      ...(values.interim ? { interimResults: true } : values['no-interim'] ? { interimResults: false } : {}),
    };
    const reject = values['reject-key'];
    if (reject !== undefined && reject !== '401' && reject !== '403') throw new UsageError('--reject-key takes 401 or 403');
    const faults: EmulatorFaults = {
      ...(reject ? { rejectKey: Number(reject) as 401 | 403 } : {}),
      ...(values.throttle ? { throttle: true } : {}),
      ...(values['drop-after'] ? { dropAfterMs: number(values['drop-after'], '--drop-after') } : {}),
      ...(values['reply-delay'] ? { replyDelayMs: number(values['reply-delay'], '--reply-delay') } : {}),
      ...(values['never-turn-end'] ? { neverSendTurnEnd: true } : {}),
      ...(values['idle-close'] ? { idleCloseMs: number(values['idle-close'], '--idle-close') } : {}),
      ...(values['max-connection'] ? { maxConnectionMs: number(values['max-connection'], '--max-connection') } : {}),
      ...(values['phrase-error'] ? { phraseError: true } : {}),
      ...(values['synthesis-error'] ? { synthesisError: values['synthesis-error'] } : {}),
    };
    const emulator = await startEmulator({
      port: number(values.port, '--port') ?? 0,
      host: values.host,
      ...(values.key ? { keys: values.key } : {}),
      synthesisSampleRate: rate,
      ...behaviour,
      detectLanguage: values.language,
      faults,
      ...(values.quiet ? {} : { log: (line: string) => console.log(`${new Date().toISOString()} ${line}`) }),
    });
    const stopped = stopSignal();
    console.log(`Speech emulator listening: ${emulator.url}`);
    console.log(`  AZURE_SPEECH_ENDPOINT=${emulator.url} AZURE_SPEECH_KEY=any-key`);
    await stopped;
    await emulator.close();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`interpreter emulator: ${error.message}`);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`interpreter emulator: port ${values.port} is in use; pick another with --port`);
      return 1;
    }
    throw error;
  }
}

class UsageError extends Error {}

/** A flag that takes one of a few words: its option object, or nothing when the flag is absent. */
function oneOf<const W extends string, T>(flag: string, value: string | undefined, words: readonly W[], make: (word: W) => T): T | Record<string, never> {
  if (value === undefined) return {};
  if (!(words as readonly string[]).includes(value)) throw new UsageError(`${flag} must be ${words.join(' or ')}, not ${value}`);
  return make(value as W);
}
