/**
 * The harness itself, before anything of ours is judged by it: two rtc-node participants in the
 * real LiveKit server, one publishing a short meeting (speech, pauses, speech) as a microphone, the other receiving it. The received
 * audio's loudness envelope follows what was sent (Opus changes samples, not the envelope).
 */
import { TrackKind } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { envelope, publishRecording, recordTrack } from '../../src/local/rtc-audio.ts';
import { fixture } from '../agent/room-helpers.ts';
import { eventually, nextTrack, startTestLiveKit } from './livekit.ts';

const livekit = await startTestLiveKit();

/** Best Pearson correlation of `received` against `sent` over lags of 0..maxLag windows. */
function bestCorrelation(sent: number[], received: number[], maxLag: number): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  for (let lag = 0; lag <= maxLag; lag += 1) {
    const n = Math.min(sent.length, received.length - lag);
    if (n < 20) break;
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let i = 0; i < n; i += 1) {
      const x = sent[i]!;
      const y = received[i + lag]!;
      sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
    }
    const r = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy) || 1);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

describe('two rtc-node participants in the real LiveKit server', () => {
  it('one hears the other: the received envelope correlates with the speech sent', async () => {
    const speaker = await livekit.join('speaker', 'harness');
    const listener = await livekit.join('listener', 'harness');
    const { samples, sampleRate } = fixture('meeting.wav');
    const subscribed = nextTrack(listener, (track, _publication, participant) => track.kind === TrackKind.KIND_AUDIO && participant.identity === 'speaker');
    const published = await publishRecording(speaker.localParticipant!, samples, sampleRate, { leadingSilenceMs: 300 });
    const { track } = await subscribed;
    const recording = recordTrack(track, sampleRate);
    await published.done;
    // The tail of the speech is still in flight when the source has played out.
    const expectedWindows = Math.floor((samples.length / sampleRate) * 10);
    await eventually(() => envelope(recording.frames, 100).length >= expectedWindows, 'the whole utterance at the listener');
    recording.stop();

    // 100 ms windows: the receiver's jitter buffer may stretch or squeeze time a little on a
    // loaded machine, which a finer envelope would count against the correlation.
    const sent = envelope([{ data: samples, sampleRate, samplesPerChannel: samples.length, channels: 1 } as never], 100);
    const received = envelope(recording.frames, 100);
    const { r, lag } = bestCorrelation(sent, received, 30);
    expect(r, `envelope correlation at a lag of ${lag * 100} ms`).toBeGreaterThan(0.75);
    await published.stop();
  });
});
