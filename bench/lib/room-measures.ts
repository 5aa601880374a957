/** What `bench room` reads off audio, processes and WebRTC statistics. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Room } from '@livekit/rtc-node';

/** RMS over 10 ms above which a window counts as speech (the fixtures' quiet stays far below). */
export const SPEECH_RMS = 300;

/** Indexes of the 10 ms windows of `samples` louder than SPEECH_RMS. */
export function loudWindows(samples: Int16Array, sampleRate: number): number[] {
  const size = sampleRate / 100;
  const loud: number[] = [];
  for (let w = 0; (w + 1) * size <= samples.length; w += 1) {
    let sum = 0;
    for (let i = w * size; i < (w + 1) * size; i += 1) sum += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(sum / size) > SPEECH_RMS) loud.push(w);
  }
  return loud;
}

/**
 * When the first block holding a loud 10 ms window arrived, among blocks that arrived in
 * [from, to]. A block leaves when it is full, so an onset at its start waited for the rest of it:
 * that wait is the pipeline's too, and stays in.
 */
export function onsetIn(blocks: readonly { at: number; samples: Int16Array; rate: number }[], from: number, to: number): number | undefined {
  for (const block of blocks) {
    if (block.at < from || block.at > to) continue;
    if (loudWindows(block.samples, block.rate).length > 0) return block.at;
  }
  return undefined;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
export function processCpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds of every process in a process group (a worker and its job processes). */
export function processGroupCpuSeconds(pgid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (Number(fields[2]) === pgid) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

export interface Concealment {
  at: number;
  /** Samples WebRTC made up (not silence) because audio was missing or late. */
  concealedSamples: number;
  packetsLost: number;
}

/** A listener's inbound audio: non-silent concealment and lost packets, summed over its streams. */
export async function rtcConcealment(room: Room): Promise<Concealment> {
  const stats = await room.getRtcStats();
  let concealedSamples = 0;
  let packetsLost = 0;
  for (const entry of stats.subscriberStats) {
    if (entry.stats.case !== 'inboundRtp' || entry.stats.value.stream?.kind !== 'audio') continue;
    const inbound = entry.stats.value.inbound;
    concealedSamples += Number(inbound?.concealedSamples ?? 0n) - Number(inbound?.silentConcealedSamples ?? 0n);
    packetsLost += Number(entry.stats.value.received?.packetsLost ?? 0n);
  }
  return { at: Date.now(), concealedSamples, packetsLost };
}
