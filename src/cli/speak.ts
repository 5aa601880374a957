/** `interpreter speak --room R FILE.wav`: a recording played into a room as someone's microphone, in real time. */
import { readFileSync } from 'node:fs';
import { stopSignal } from './stop-signal.ts';
import { parseArgs } from 'node:util';
import { decodeWav, WavError } from '../common/wav.ts';

const HELP = `Usage: interpreter speak --room NAME FILE.wav [--identity NAME] [--language CODE]

Joins the room as a participant and publishes FILE.wav as its microphone, at real time, so the
interpreter hears it like a person speaking. Leaves when the recording has played.

  --room NAME       room to speak in (created if it does not exist yet)
  --identity NAME   participant identity (default speaker)
  --language CODE   also set the participant attribute language (what this person listens to)
  --repeat N        play the recording N times (default 1)
  --wait S          wait up to S seconds for the interpreter to be in the room first (default 30; 0 = no wait)

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: interpreter livekit's
ws://127.0.0.1:7880, devkey, secret).`;

/** Interleaved samples -> mono, averaging channels. */
export function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const mono = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < mono.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    mono[i] = Math.round(sum / channels);
  }
  return mono;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { room: { type: 'string' }, identity: { type: 'string', default: 'speaker' }, language: { type: 'string' }, repeat: { type: 'string', default: '1' }, wait: { type: 'string', default: '30' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    console.error(`interpreter speak: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const file = positionals[0];
  const repeat = Number(values.repeat);
  if (!values.room || !file || positionals.length > 1 || !Number.isInteger(repeat) || repeat < 1) {
    console.error(`interpreter speak: ${!values.room ? '--room is required' : !file ? 'a WAV file is required' : positionals.length > 1 ? 'one WAV file at a time' : '--repeat takes a whole number >= 1'}\n\n${HELP}`);
    return 2;
  }

  let wav;
  try {
    wav = decodeWav(readFileSync(file), file);
  } catch (error) {
    console.error(`interpreter speak: ${error instanceof WavError || (error as NodeJS.ErrnoException).code ? (error as Error).message : String(error)}`);
    return 1;
  }
  const mono = downmix(wav.samples, wav.format.channels);
  const samples = new Int16Array(mono.length * repeat);
  for (let i = 0; i < repeat; i++) samples.set(mono, i * mono.length);

  // rtc-node's own logger prints at debug level unless NODE_ENV is production (read at import).
  process.env.NODE_ENV ??= 'production';
  const { joinAsParticipant, liveKitAccessFromEnv } = await import('../local/participant.ts');
  const { publishRecording } = await import('../local/rtc-audio.ts');
  const access = liveKitAccessFromEnv();
  let room;
  try {
    room = await joinAsParticipant(access, values.identity, values.room, { autoSubscribe: false, ...(values.language ? { attributes: { language: values.language } } : {}) });
  } catch (error) {
    console.error(`interpreter speak: could not join ${values.room} at ${access.url}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  // Joining creates the room; its interpreter arrives a moment later, and speech before that is lost.
  const waitSeconds = Number(values.wait);
  if (waitSeconds > 0 && !room.remoteParticipants.has('interpreter')) {
    console.log(`waiting up to ${waitSeconds} s for the interpreter to join ${values.room} ...`);
    const { RoomEvent } = await import('@livekit/rtc-node');
    const joined = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitSeconds * 1000);
      room.on(RoomEvent.ParticipantConnected, (participant) => {
        if (participant.identity !== 'interpreter') return;
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!joined) console.log(`no interpreter in ${values.room} after ${waitSeconds} s (does a profile match the room? is serve running?); speaking anyway`);
  }
  const seconds = (samples.length / wav.format.sampleRate).toFixed(1);
  const abort = new AbortController();
  void stopSignal().then(() => abort.abort());
  console.log(`speaking ${file} (${seconds} s) in ${values.room} as ${values.identity} ...`);
  const published = await publishRecording(room.localParticipant!, samples, wav.format.sampleRate, { signal: abort.signal, leadingSilenceMs: 300 });
  await published.done;
  await published.stop();
  await room.disconnect();
  console.log(abort.signal.aborted ? 'stopped' : 'done');
  return 0;
}
