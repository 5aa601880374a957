/**
 * Which dispatch offers a worker takes: not past its room count, not a dispatch made for another
 * instance of the room, only with a profile for it, never beside another interpreter, and of
 * several live dispatches for one room only the oldest. And the load it reports.
 */
import { describe, expect, it } from 'vitest';
import { decideJob, workerLoad, type JobOffer, type RoomFacts } from '../../src/agent/worker-policy.ts';
import type { Profile } from '../../src/profiles/types.ts';
import { agentProfile } from './profiles.ts';

const meetings = agentProfile({ name: 'meetings', match: { rooms: ['meeting-*'], metadata: {} } });
const townHall = agentProfile({ name: 'town-hall', priority: 5, match: { rooms: ['*'], metadata: { event: 'town-hall' } } });
const profiles: readonly Profile[] = [meetings, townHall];

const offer = (extra: Partial<JobOffer> = {}): JobOffer => ({ room: 'meeting-1', roomSid: 'RM_1', dispatchId: 'AD_b', metadata: undefined, ...extra });
const facts = (extra: Partial<RoomFacts> = {}): RoomFacts => ({ interpreterPresent: false, otherDispatches: [], ...extra });
const free = { rooms: 0, maxRooms: 2 };

describe('decideJob', () => {
  it('takes a room matching a profile, with that profile', () => {
    expect(decideJob(offer(), facts(), profiles, free)).toEqual({ accept: true, profile: meetings });
  });

  it('declines once the worker interprets --max-rooms rooms, and takes one below', () => {
    expect(decideJob(offer(), facts(), profiles, { rooms: 2, maxRooms: 2 })).toEqual({ accept: false, reason: 'this worker already interprets 2 rooms (--max-rooms 2)' });
    expect(decideJob(offer(), facts(), profiles, { rooms: 3, maxRooms: 2 })).toEqual({ accept: false, reason: 'this worker already interprets 3 rooms (--max-rooms 2)' });
    expect(decideJob(offer(), facts(), profiles, { rooms: 1, maxRooms: 2 }).accept).toBe(true);
  });

  it("with our launcher's metadata: the profile it names, even one that would not match the room", () => {
    expect(decideJob(offer({ room: 'lobby', metadata: { profile: 'meetings', roomSid: 'RM_1' } }), facts(), profiles, free)).toEqual({ accept: true, profile: meetings });
    expect(decideJob(offer({ metadata: { profile: 'town-hall', roomSid: 'RM_1' } }), facts(), profiles, free)).toEqual({ accept: true, profile: townHall });
  });

  it('declines a dispatch made for another instance of the room (a sid the room no longer has)', () => {
    expect(decideJob(offer({ metadata: { profile: 'meetings', roomSid: 'RM_old' } }), facts(), profiles, free)).toEqual({
      accept: false,
      reason: 'the dispatch was made for room sid RM_old, this room is RM_1 (recreated by the dispatch)',
    });
  });

  it('declines a profile name this worker does not have', () => {
    expect(decideJob(offer({ metadata: { profile: 'gala', roomSid: 'RM_1' } }), facts(), profiles, free)).toEqual({ accept: false, reason: 'no profile named gala on this worker' });
  });

  it("without our metadata: matches the room's name and metadata as the launcher would", () => {
    expect(decideJob(offer({ room: 'all-hands', roomMetadata: '{"event":"town-hall"}' }), facts(), profiles, free)).toEqual({ accept: true, profile: townHall });
    // The higher priority wins where both match.
    expect(decideJob(offer({ roomMetadata: '{"event":"town-hall"}' }), facts(), profiles, free)).toEqual({ accept: true, profile: townHall });
    expect(decideJob(offer({ roomMetadata: '' }), facts(), profiles, free)).toEqual({ accept: true, profile: meetings });
  });

  it('declines a room no profile matches', () => {
    expect(decideJob(offer({ room: 'lobby' }), facts(), profiles, free)).toEqual({ accept: false, reason: 'no profile matches room lobby' });
    expect(decideJob(offer({ room: 'lobby', roomMetadata: '{"event":"gala"}' }), facts(), profiles, free)).toEqual({ accept: false, reason: 'no profile matches room lobby' });
  });

  it('declines a room that has an interpreter already', () => {
    expect(decideJob(offer(), facts({ interpreterPresent: true }), profiles, free)).toEqual({ accept: false, reason: 'an interpreter is already in the room' });
  });

  it('of several live dispatches for the room, only the oldest is taken', () => {
    const others = [{ id: 'AD_c', createdAt: 200 }, { id: 'AD_a', createdAt: 50 }];
    expect(decideJob(offer(), facts({ ownCreatedAt: 100, otherDispatches: others }), profiles, free)).toEqual({ accept: false, reason: 'an older dispatch (AD_a) exists for the room' });
    expect(decideJob(offer(), facts({ ownCreatedAt: 40, otherDispatches: others }), profiles, free)).toEqual({ accept: true, profile: meetings });
  });

  it('breaks a tie of creation times by dispatch id, so every worker picks the same one', () => {
    expect(decideJob(offer({ dispatchId: 'AD_b' }), facts({ ownCreatedAt: 100, otherDispatches: [{ id: 'AD_a', createdAt: 100 }] }), profiles, free)).toEqual({
      accept: false,
      reason: 'an older dispatch (AD_a) exists for the room',
    });
    expect(decideJob(offer({ dispatchId: 'AD_b' }), facts({ ownCreatedAt: 100, otherDispatches: [{ id: 'AD_c', createdAt: 100 }] }), profiles, free).accept).toBe(true);
  });

  it('an offer whose own dispatch is not listed yields to any listed one', () => {
    expect(decideJob(offer(), facts({ otherDispatches: [{ id: 'AD_z', createdAt: 1e12 }] }), profiles, free)).toEqual({ accept: false, reason: 'an older dispatch (AD_z) exists for the room' });
    expect(decideJob(offer(), facts(), profiles, free).accept).toBe(true);
  });

  it('checks in order: load, the room sid, the profile, a present interpreter, older dispatches', () => {
    const everything = facts({ interpreterPresent: true, ownCreatedAt: 100, otherDispatches: [{ id: 'AD_a', createdAt: 1 }] });
    const stale = offer({ metadata: { profile: 'gala', roomSid: 'RM_old' } });
    expect(decideJob(stale, everything, profiles, { rooms: 2, maxRooms: 2 })).toMatchObject({ reason: expect.stringMatching(/^this worker already interprets/) });
    expect(decideJob(stale, everything, profiles, free)).toMatchObject({ reason: expect.stringMatching(/^the dispatch was made for room sid/) });
    expect(decideJob(offer({ metadata: { profile: 'gala', roomSid: 'RM_1' } }), everything, profiles, free)).toMatchObject({ reason: 'no profile named gala on this worker' });
    expect(decideJob(offer(), everything, profiles, free)).toMatchObject({ reason: 'an interpreter is already in the room' });
  });
});

describe('workerLoad', () => {
  it('is the share of --max-rooms in use, or the CPU when higher, at most 1', () => {
    expect(workerLoad(1, 4, 0.1)).toBe(0.25);
    expect(workerLoad(1, 4, 0.6)).toBe(0.6);
    expect(workerLoad(0, 4, 0)).toBe(0);
    expect(workerLoad(4, 4, 0)).toBe(1);
    expect(workerLoad(6, 4, 0)).toBe(1);
    expect(workerLoad(0, 4, 1.5)).toBe(1);
  });

  it('is full when the worker may take no room at all', () => {
    expect(workerLoad(0, 0, 0.2)).toBe(1);
  });
});
