/**
 * Track mute and unmute reach the agent's room seam (`microphoneMuted`) from the real LiveKit
 * server: the publisher muting its own microphone (rtc-node has no wrapper for it, so the test
 * sends the FFI's own `LocalTrackMuteRequest`, which makes the Rust SDK signal the server as any
 * client's mute does), and the server muting it (RoomService.MutePublishedTrack).
 */
import { AudioFrame, AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource, type LocalParticipant } from '@livekit/rtc-node';
import { FfiRequest, livekitFfiRequest } from '@livekit/rtc-ffi-bindings';
import { describe, expect, it } from 'vitest';
import type { MicrophoneTrack } from '../../src/agent/room-io.ts';
import { RtcRoomIO } from '../../src/agent/rtc-room.ts';
import { eventually, startTestLiveKit } from './livekit.ts';

const livekit = await startTestLiveKit();

interface Published {
  track: LocalAudioTrack;
  trackSid: string;
  stop(): Promise<void>;
}

/** A microphone playing a quiet tone until stopped, so the track has media. */
async function publishMicrophone(participant: LocalParticipant): Promise<Published> {
  const rate = 16_000;
  const source = new AudioSource(rate, 1);
  const track = LocalAudioTrack.createAudioTrack('microphone', source);
  const publication = await participant.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  let playing = true;
  const frame = new Int16Array(rate / 100).map((_, i) => Math.round(3000 * Math.sin((2 * Math.PI * 220 * i) / rate)));
  const loop = (async () => {
    while (playing) await source.captureFrame(new AudioFrame(frame, rate, 1, frame.length));
  })();
  return {
    track,
    trackSid: publication.sid!,
    stop: async () => {
      playing = false;
      await loop;
      await source.close();
    },
  };
}

function muteOwnTrack(track: LocalAudioTrack, mute: boolean): void {
  livekitFfiRequest(new FfiRequest({ message: { case: 'localTrackMute', value: { trackHandle: track.ffi_handle.handle, mute } } }).toBinary());
}

async function interpreterIn(room: string) {
  const io = await RtcRoomIO.connect(livekit.url, await livekit.token('interpreter', room, { kind: 'agent' }), room);
  const microphones: MicrophoneTrack[] = [];
  const mutes: { participant: string; trackSid: string; muted: boolean }[] = [];
  io.on('microphoneSubscribed', (track) => microphones.push(track));
  io.on('microphoneMuted', (participant, trackSid, muted) => mutes.push({ participant, trackSid, muted }));
  return { io, microphones, mutes };
}

describe('microphone mute events from the real LiveKit server', () => {
  it("a speaker muting and unmuting their microphone: microphoneMuted for that track, each way", async () => {
    const { io, microphones, mutes } = await interpreterIn('mute-own');
    const speaker = await livekit.join('speaker', 'mute-own');
    const mic = await publishMicrophone(speaker.localParticipant!);
    await eventually(() => microphones.length === 1, "the speaker's microphone at the interpreter");
    expect(microphones[0]).toMatchObject({ participant: 'speaker', trackSid: mic.trackSid, muted: false });

    muteOwnTrack(mic.track, true);
    await eventually(() => mutes.length === 1, 'the mute');
    muteOwnTrack(mic.track, false);
    await eventually(() => mutes.length === 2, 'the unmute');
    expect(mutes).toEqual([
      { participant: 'speaker', trackSid: mic.trackSid, muted: true },
      { participant: 'speaker', trackSid: mic.trackSid, muted: false },
    ]);
    await mic.stop();
    await io.disconnect();
  });

  it('the server muting a microphone (RoomService.MutePublishedTrack) is a mute too; a track subscribed muted says so', async () => {
    const { io, microphones, mutes } = await interpreterIn('mute-server');
    const speaker = await livekit.join('speaker', 'mute-server');
    const mic = await publishMicrophone(speaker.localParticipant!);
    await eventually(() => microphones.length === 1, "the speaker's microphone at the interpreter");
    await livekit.rooms.mutePublishedTrack('mute-server', 'speaker', mic.trackSid, true);
    await eventually(() => mutes.length === 1, 'the mute');
    expect(mutes[0]).toEqual({ participant: 'speaker', trackSid: mic.trackSid, muted: true });

    // An interpreter joining now finds the track muted at subscription.
    const late = await RtcRoomIO.connect(livekit.url, await livekit.token('interpreter-2', 'mute-server', { kind: 'agent' }), 'mute-server');
    const lateMicrophones: MicrophoneTrack[] = [];
    late.on('microphoneSubscribed', (track) => lateMicrophones.push(track));
    await eventually(() => lateMicrophones.length === 1, 'the microphone at the second interpreter');
    expect(lateMicrophones[0]!.muted).toBe(true);
    await mic.stop();
    await late.disconnect();
    await io.disconnect();
  });
});
