/** `interpreter listen --room R --language fr`: hear (record) one language's interpretation and read its captions. */
import { writeFileSync } from 'node:fs';
import { stopSignal } from './stop-signal.ts';
import { parseArgs } from 'node:util';
import type { AudioFrame, RemoteTrack, RemoteTrackPublication, RemoteParticipant } from '@livekit/rtc-node';
import { encodeWav } from '../common/wav.ts';

const HELP = `Usage: interpreter listen --room NAME --language CODE [--out FILE.wav] [--identity NAME]

Joins the room as a listener who chose CODE (participant attribute language), records the
interpreter's track interpretation-CODE and prints each caption in that language as it arrives
("speaker: text"), and "[heard N s of CODE]" after each stretch of interpreted audio. Ctrl-C (or
the room ending) stops; then --out is written.

  --room NAME       room to listen to
  --language CODE   the language to hear (fr, de, zh-Hans, ...)
  --out FILE.wav    write what was heard (16 kHz mono)
  --identity NAME   participant identity (default listener-CODE)
  --interim         print interim captions too

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: interpreter livekit's).`;

const OUT_RATE = 16_000;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { room: { type: 'string' }, language: { type: 'string' }, out: { type: 'string' }, identity: { type: 'string' }, interim: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    console.error(`interpreter listen: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.room || !values.language) {
    console.error(`interpreter listen: ${!values.room ? '--room' : '--language'} is required\n\n${HELP}`);
    return 2;
  }
  const language = values.language;
  const trackName = `interpretation-${language}`;
  // rtc-node's own logger prints at debug level unless NODE_ENV is production (read at import).
  process.env.NODE_ENV ??= 'production';
  const { RoomEvent, TrackKind } = await import('@livekit/rtc-node');
  const { joinAsParticipant, liveKitAccessFromEnv } = await import('../local/participant.ts');
  const { recordTrack } = await import('../local/rtc-audio.ts');
  const { TRANSCRIPTION_TOPIC, captionLanguage } = await import('../common/listener-protocol.ts');
  const access = liveKitAccessFromEnv();

  let room;
  try {
    room = await joinAsParticipant(access, values.identity ?? `listener-${language}`, values.room, { attributes: { language } });
  } catch (error) {
    console.error(`interpreter listen: could not join ${values.room} at ${access.url}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const frames: AudioFrame[] = [];
  const recordings: { stop(): void }[] = [];
  // Says when a stretch of interpretation ends (half a second of quiet after sound), so a person
  // at a terminal knows audio arrived without opening the WAV.
  let audibleMs = 0;
  let quietMs = 0;
  const onFrame = (frame: AudioFrame) => {
    let sum = 0;
    for (const sample of frame.data) sum += sample * sample;
    const frameMs = (frame.samplesPerChannel / frame.sampleRate) * 1000;
    if (Math.sqrt(sum / Math.max(1, frame.data.length)) > 300) {
      audibleMs += frameMs;
      quietMs = 0;
    } else if (audibleMs > 0 && (quietMs += frameMs) >= 500) {
      console.log(`[heard ${(audibleMs / 1000).toFixed(1)} s of ${language}]`);
      audibleMs = 0;
    }
  };
  const onTrack = (track: RemoteTrack, publication: RemoteTrackPublication, participant: RemoteParticipant) => {
    if (track.kind !== TrackKind.KIND_AUDIO || publication.name !== trackName) return;
    console.log(`hearing ${trackName} from ${participant.identity}`);
    recordings.push(
      recordTrack(track, OUT_RATE, (frame) => {
        frames.push(frame);
        onFrame(frame);
      }),
    );
  };
  room.on(RoomEvent.TrackSubscribed, onTrack);
  for (const participant of room.remoteParticipants.values()) {
    for (const publication of participant.trackPublications.values()) if (publication.track) onTrack(publication.track, publication, participant);
  }
  room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, sender) => {
    const attributes = reader.info.attributes ?? {};
    if (captionLanguage(attributes) !== language) return;
    const final = attributes['lk.transcription_final'] === 'true';
    void reader.readAll().then((text) => {
      if (final || values.interim) console.log(`${sender.identity}: ${text}${final ? '' : ' …'}`);
    });
  });
  const stopped = stopSignal();
  console.log(`listening to ${values.room} in ${language} (Ctrl-C to stop) ...`);

  await Promise.race([stopped, new Promise<void>((resolve) => room.once(RoomEvent.Disconnected, () => resolve()))]);
  for (const recording of recordings) recording.stop();
  await room.disconnect().catch(() => undefined);
  if (values.out) {
    const samples = new Int16Array(frames.reduce((n, f) => n + f.data.length, 0));
    let offset = 0;
    for (const frame of frames) {
      samples.set(frame.data, offset);
      offset += frame.data.length;
    }
    writeFileSync(values.out, encodeWav(samples, OUT_RATE, 1));
    console.log(`wrote ${values.out} (${(samples.length / OUT_RATE).toFixed(1)} s)`);
  }
  return 0;
}
