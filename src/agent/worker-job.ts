/**
 * One interpreted room as an `@livekit/agents` job: the file `interpreter worker` gives the
 * framework as its agent, which every job process imports by path. `prewarm` loads what each idle
 * process needs before a room arrives (profiles, the plugin and the Speech SDK); `entry` interprets
 * the job's room with the same RoomInterpreter and lifecycle as `interpreter agent`.
 */
import { AutoSubscribe, defineAgent, type JobContext, type JobProcess } from '@livekit/agents';
import { AudioSource, LocalAudioTrack } from '@livekit/rtc-node';
import { AgentEnv, parseDispatchMetadata } from '../common/launch-contract.ts';
import { DEFAULT_PROFILES_PATH, findProfile, loadProfilesOrThrowSync, matchRoom, type Profile } from '../profiles/index.ts';
import { createLogger } from '../orchestrator/log.ts';
import type { RoomServiceClient } from 'livekit-server-sdk';
import type { Logger } from 'pino';
import { roomExists, roomService, warmRoomService } from './room-check.ts';
import { RtcRoomIO } from './rtc-room.ts';
import { checkAzureSettings, interpretRoom } from './run.ts';
import { agentSettingsFromEnv } from './settings.ts';

interface WorkerProcessData extends Record<string, unknown> {
  profiles?: Profile[];
  /** Kept from prewarm, warmed: the room check before the join is on every room's critical path. */
  rooms?: RoomServiceClient;
  logger?: Logger;
  /** Holds rtc-node's WebRTC runtime alive from prewarm on (see `warmWebRtc`). */
  webrtc?: LocalAudioTrack;
}

/**
 * rtc-node creates its WebRTC runtime (the peer connection factory and its threads) on first need
 * and drops it when nothing holds it; a process's first room join pays for it. A track held from
 * prewarm moves that cost out of the room's join: measured on this machine, a process's first
 * connect went from ~250 ms to ~185 ms (median of five; later connects take ~90 ms).
 */
function warmWebRtc(): LocalAudioTrack {
  return LocalAudioTrack.createAudioTrack('warm-up', new AudioSource(48_000, 1));
}

function profilesPath(): string {
  return process.env[AgentEnv.profilesPath] ?? DEFAULT_PROFILES_PATH;
}

/**
 * The framework sends a job process `{ case: 'shutdownRequest' }` over IPC when the worker drains
 * or closes, and gives the entry 15 s before it disconnects the room. It has no public hook for
 * that moment, so the entry listens for the message itself and starts its own drain at once.
 */
function onShutdownRequest(stop: AbortController): () => void {
  const listener = (message: unknown) => {
    if (typeof message === 'object' && message !== null && (message as { case?: unknown }).case === 'shutdownRequest') stop.abort();
  };
  process.on('message', listener);
  return () => process.off('message', listener);
}

export default defineAgent({
  prewarm: async (proc: JobProcess<WorkerProcessData>) => {
    proc.userData.profiles = loadProfilesOrThrowSync(profilesPath());
    const { livekit } = agentSettingsFromEnv(process.env);
    proc.userData.rooms = roomService(livekit);
    proc.userData.logger = createLogger({ name: 'interpreter-agent' });
    proc.userData.webrtc = warmWebRtc();
    await warmRoomService(proc.userData.rooms);
  },
  entry: async (ctx: JobContext<WorkerProcessData>) => {
    const roomName = ctx.job.room?.name ?? '';
    const roomSid = ctx.job.room?.sid ?? '';
    const profiles = ctx.proc.userData.profiles ?? loadProfilesOrThrowSync(profilesPath());
    const metadata = parseDispatchMetadata(ctx.job.metadata);
    // The worker's request function chose the profile the same way; a job without one never gets here.
    const profile = metadata ? findProfile(profiles, metadata.profile) : matchRoom(profiles, { name: roomName, metadata: ctx.job.room?.metadata ?? '' })?.profile;
    const logger = (ctx.proc.userData.logger ?? createLogger({ name: 'interpreter-agent' })).child({ room: roomName, sid: roomSid, job: ctx.job.id });
    if (!profile) {
      logger.error('no profile for this room; leaving');
      ctx.shutdown('no profile');
      return;
    }
    const config = { room: roomName, roomSid, profile, ...agentSettingsFromEnv(process.env), logger };
    checkAzureSettings(config);

    // Joining a room that has ended creates it again (LiveKit's auto_create), under a new sid and
    // with a `room_started` of its own: look first, and leave at once if the join found another room.
    const rooms = ctx.proc.userData.rooms ?? roomService(config.livekit);
    if (!(await roomExists(config, rooms))) {
      logger.info(`room ${roomName} (sid ${roomSid}) has ended; not joining`);
      ctx.shutdown('room ended');
      return;
    }
    const io = RtcRoomIO.wrap(ctx.room, roomName);
    await ctx.connect(undefined, AutoSubscribe.AUDIO_ONLY);
    io.connected();
    const joinedSid = await ctx.room.getSid();
    if (roomSid && joinedSid !== roomSid) {
      logger.warn({ joined: joinedSid }, `joined room ${roomName} under another sid (it ended meanwhile); leaving`);
      await ctx.room.disconnect();
      ctx.shutdown('room replaced');
      return;
    }
    const stop = new AbortController();
    const forget = onShutdownRequest(stop);
    try {
      const { reason } = await interpretRoom(io, config, stop.signal, () => roomExists(config, rooms));
      logger.info({ reason }, 'job done');
      ctx.shutdown(reason);
    } finally {
      forget();
    }
  },
});
