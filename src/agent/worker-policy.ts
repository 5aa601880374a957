/**
 * Which jobs an interpreter worker takes. The agents framework offers a job for every dispatch;
 * the real server's rules (livekit-server v1.13.5) make "take it" wrong in several cases:
 * a second `interpreter` in a room removes the first (same identity), dispatches are not
 * idempotent (two can exist for one room), a dispatch can outlive its room (CreateDispatch then
 * recreates the room under a new sid), and load is reported only every 2.5 s, so a burst of
 * offers outruns it. Decided here, from facts gathered by the worker, so it is testable alone.
 */
import { findProfile, matchRoom, type Profile } from '../profiles/index.ts';
import type { DispatchMetadata } from '../common/launch-contract.ts';

export interface JobOffer {
  room: string;
  roomSid: string;
  dispatchId: string;
  /** Parsed dispatch metadata; undefined when the dispatch was not made by our launcher. */
  metadata: DispatchMetadata | undefined;
  roomMetadata?: string;
}

export interface RoomFacts {
  /** An `interpreter` participant is in the room now. */
  interpreterPresent: boolean;
  /** Other dispatches of this agent name for the room that are not deleted: id and creation time (s). */
  otherDispatches: { id: string; createdAt: number }[];
  /** This offer's dispatch creation time (s), if listed. */
  ownCreatedAt?: number;
}

export type Decision = { accept: true; profile: Profile } | { accept: false; reason: string };

export function decideJob(offer: JobOffer, facts: RoomFacts, profiles: readonly Profile[], load: { rooms: number; maxRooms: number }): Decision {
  if (load.rooms >= load.maxRooms) return { accept: false, reason: `this worker already interprets ${load.rooms} rooms (--max-rooms ${load.maxRooms})` };
  if (offer.metadata && offer.metadata.roomSid !== offer.roomSid) {
    return { accept: false, reason: `the dispatch was made for room sid ${offer.metadata.roomSid}, this room is ${offer.roomSid} (recreated by the dispatch)` };
  }
  const profile = offer.metadata ? findProfile(profiles, offer.metadata.profile) : matchRoom(profiles, { name: offer.room, ...(offer.roomMetadata ? { metadata: offer.roomMetadata } : {}) })?.profile;
  if (!profile) return { accept: false, reason: offer.metadata ? `no profile named ${offer.metadata.profile} on this worker` : `no profile matches room ${offer.room}` };
  if (facts.interpreterPresent) return { accept: false, reason: 'an interpreter is already in the room' };
  // Several live dispatches for one room: the oldest wins (by creation, then id), everywhere the
  // same, so exactly one worker accepts. Dead ones are deleted by the launcher before it re-dispatches.
  const mine = { id: offer.dispatchId, createdAt: facts.ownCreatedAt ?? Number.POSITIVE_INFINITY };
  const older = facts.otherDispatches.find((d) => d.createdAt < mine.createdAt || (d.createdAt === mine.createdAt && d.id < mine.id));
  if (older) return { accept: false, reason: `an older dispatch (${older.id}) exists for the room` };
  return { accept: true, profile };
}

/**
 * The worker's load for the server: rooms against what it can interpret in real time, or CPU,
 * whichever is higher. A worker reporting 1 is full; it also declines offers by its own count
 * (`decideJob`), since reports lag behind a burst.
 */
export function workerLoad(rooms: number, maxRooms: number, cpu: number): number {
  return Math.min(1, Math.max(maxRooms > 0 ? rooms / maxRooms : 1, cpu));
}
