/**
 * Opening and closing sessions must give back everything: sockets, timers, listeners.
 */
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, fixture, modelFor, pushSpeech, until } from './harness.ts';

/** Sockets, timers and other libuv resources keeping the process alive, by kind. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function excess(now: Map<string, number>, baseline: Map<string, number>): string[] {
  return [...now].filter(([kind, n]) => n > (baseline.get(kind) ?? 0)).map(([kind, n]) => `${kind}: ${n} > ${baseline.get(kind) ?? 0}`);
}

const PROCESS_EVENTS = ['exit', 'uncaughtException', 'unhandledRejection', 'beforeExit', 'SIGINT', 'SIGTERM'] as const;

describe('session lifecycle', () => {
  it('200 sessions opened and closed leave no socket, timer or listener behind', async () => {
    const emulator = await startEmulator({ port: 0, keys: [TEST_KEY] });
    try {
      const model = modelFor(emulator.url);
      const speech = fixture('speech-fr.wav').subarray(0, 8000);
      // One session first, so lazily created singletons (FFI, SDK agents) are part of the baseline.
      const warm = model.session();
      pushSpeech(warm, speech);
      await warm.close();
      await until('the warm-up socket to close', () => emulator.openConnections() === 0);
      // Taken at once: the warm-up's own stop-timeout timer may still be counted, which can hide at
      // most that one session's timers; a leak per session would show 200 times over.
      const baseline = resources();
      const listeners = PROCESS_EVENTS.map((e) => process.listenerCount(e));

      for (let batch = 0; batch < 10; batch++) {
        const sessions = Array.from({ length: 20 }, () => model.session());
        for (const session of sessions) pushSpeech(session, speech);
        await until('the batch to connect', () => emulator.openConnections() > 0, 10_000);
        await Promise.all(sessions.map((s) => s.close()));
      }
      expect(emulator.connections.length).toBeGreaterThanOrEqual(200);
      await until('every socket to close', () => emulator.openConnections() === 0);
      // The SDK leaves its stop-timeout timer running after a stop that completed; wait those out.
      await until(() => `resources to return to baseline (${excess(resources(), baseline).join(', ')})`, () => excess(resources(), baseline).length === 0, 15_000);
      expect(PROCESS_EVENTS.map((e) => process.listenerCount(e))).toEqual(listeners);
      await model.close();
    } finally {
      await emulator.close();
    }
  });
});
