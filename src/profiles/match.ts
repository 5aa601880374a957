/**
 * Room -> profile. Profiles are tried by `priority` (higher first), then in load order (files
 * sorted by path, then position in file); the first whose rules all hold wins. A room that
 * matches none gets no agent.
 */
import { matchesPattern } from './patterns.ts';
import type { MatchResult, MetadataValue, Profile, RoomInfo } from './types.ts';

/** The room's metadata as a JSON object; anything else (not JSON, an array, a string) is undefined. */
export function parseRoomMetadata(metadata: string | undefined): Record<string, unknown> | undefined {
  if (metadata === undefined || metadata.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(metadata);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Profiles in the order they are tried: priority descending, load order among equals. */
export function matchOrder(profiles: readonly Profile[]): Profile[] {
  return profiles
    .map((profile, index) => ({ profile, index }))
    .sort((a, b) => b.profile.priority - a.profile.priority || a.index - b.index)
    .map((entry) => entry.profile);
}

export function matchRoom(profiles: readonly Profile[], room: RoomInfo): MatchResult | undefined {
  const metadata = parseRoomMetadata(room.metadata);
  for (const profile of matchOrder(profiles)) {
    const reason = explainMatch(profile, room.name, metadata);
    if (reason !== undefined) return { profile, reason };
  }
  return undefined;
}

/** Why `profile` matches (a sentence), or undefined when it does not. */
export function explainMatch(profile: Profile, roomName: string, metadata: Record<string, unknown> | undefined): string | undefined {
  const reasons: string[] = [];
  if (profile.match.rooms.length > 0) {
    const pattern = profile.match.rooms.find((p) => matchesPattern(p, roomName));
    if (pattern === undefined) return undefined;
    reasons.push(pattern === roomName ? `room name is "${roomName}"` : `room name "${roomName}" matches ${pattern}`);
  }
  const conditions = Object.entries(profile.match.metadata);
  if (conditions.length > 0) {
    if (!metadata) return undefined;
    for (const [key, value] of conditions) if (metadata[key] !== value) return undefined;
    reasons.push(`metadata has ${conditions.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  }
  return `profile "${profile.name}" (priority ${profile.priority}): ${reasons.join(' and ')}`;
}

export function findProfile(profiles: readonly Profile[], name: string): Profile | undefined {
  return profiles.find((p) => p.name === name);
}

/** Every condition of `broader` is also a condition of `narrower`. */
function metadataSubset(broader: Record<string, MetadataValue>, narrower: Record<string, MetadataValue>): boolean {
  return Object.entries(broader).every(([key, value]) => key in narrower && narrower[key] === value);
}

/**
 * The room pattern through which `later` can never win over `earlier` (same priority, same
 * pattern, and `earlier`'s metadata conditions a subset of `later`'s); '' = both match any name.
 * Undefined when `later` is reachable.
 */
export function profilesClash(earlier: Profile, later: Profile): string | undefined {
  if (earlier.priority !== later.priority || !metadataSubset(earlier.match.metadata, later.match.metadata)) return undefined;
  if (earlier.match.rooms.length === 0) return later.match.rooms[0] ?? '';
  return later.match.rooms.find((pattern) => earlier.match.rooms.includes(pattern));
}
