/**
 * What keeps a room's Azure sessions from churning and its totals bounded: coalesced re-plans,
 * lingering languages, incremental listener tracking, the deployment budget. The in-memory room,
 * the real plugin and Speech SDK, the emulator over a real socket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startEmulator, type SpeechEmulator } from '../../src/emulator/index.ts';
import { RoomInterpreter } from '../../src/agent/interpreter.ts';
import { superviseRoom } from '../../src/agent/lifecycle.ts';
import { sessionOpener } from '../../src/agent/run.ts';
import { agentBudgetFromEnv, BudgetSettingError, SessionBudget } from '../../src/agent/budget.ts';
import { agentSettingsFromEnv } from '../../src/agent/settings.ts';
import { NOTICE_TOPIC, type ParticipantInfo } from '../../src/agent/room-io.ts';
import type { Profile, ProfileLimits } from '../../src/profiles/types.ts';
import { MemoryRoom } from './memory-room.ts';
import { agentProfile, neuralTarget } from './profiles.ts';
import { waitFor } from './room-helpers.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let emulator: SpeechEmulator;
let interpreters: RoomInterpreter[] = [];

beforeEach(async () => {
  emulator = await startEmulator({ port: 0, keys: ['good-key'] });
});
afterEach(async () => {
  await Promise.all(interpreters.map((i) => i.stop(0)));
  interpreters = [];
  await emulator.close();
});

const limits = (extra: Partial<ProfileLimits> = {}): ProfileLimits => ({ maxSessionMinutes: 60, maxSpeakers: 10, emptyRoomTimeoutSeconds: 60, ...extra });

/** Speakers declared English, so no session is dropped for a detected language. */
function onDemand(extra: Partial<Profile> = {}): Profile {
  return agentProfile({
    onDemand: true,
    targets: [neuralTarget('fr'), neuralTarget('de'), neuralTarget('es')],
    speakers: [{ identity: 'speaker-*', language: 'en-US', personalVoice: false, translate: true }],
    ...extra,
  });
}

function start(room: MemoryRoom, profile: Profile, extra: Partial<ConstructorParameters<typeof RoomInterpreter>[0]> = {}): RoomInterpreter {
  const interpreter = new RoomInterpreter({ room, profile, logger, openSession: sessionOpener(profile, { speechKey: 'good-key', speechEndpoint: emulator.url.toString() }), ...extra });
  interpreters.push(interpreter);
  return interpreter;
}

const open = () => emulator.connections.filter((c) => c.closedAt === undefined);

/** The most connections the emulator held at once, from their open and close times. */
function mostAtOnce(): number {
  const edges = emulator.connections.flatMap((c) => [{ at: c.openedAt, d: 1 }, ...(c.closedAt !== undefined ? [{ at: c.closedAt, d: -1 }] : [])]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.d));
  return most;
}

describe('sessions that do not churn', () => {
  it('a listener flipping fr/de every 60 ms for 6 s opens each speaker-language session once (4 speakers: 8, not 400)', async () => {
    const room = new MemoryRoom();
    const speakers = ['speaker-1', 'speaker-2', 'speaker-3', 'speaker-4'];
    for (const s of speakers) room.join(s);
    room.join('flipper', { language: 'fr' });
    const interpreter = start(room, onDemand());
    await interpreter.start();
    for (const s of speakers) room.publishMicrophone(s);
    await waitFor(() => emulator.openConnections() === 4, 'a French session per speaker');

    for (let i = 0; i < 100; i++) {
      room.setAttribute('flipper', 'language', i % 2 === 0 ? 'de' : 'fr');
      await new Promise((r) => setTimeout(r, 60));
    }
    await waitFor(() => emulator.openConnections() === 8, 'French and German sessions per speaker');
    // A re-plan for a new language afterwards: the flips left nothing closed or reopened behind.
    room.join('newcomer', { language: 'es' });
    await waitFor(() => emulator.openConnections() === 12, 'a Spanish session per speaker too');
    expect(emulator.connections).toHaveLength(12);
    expect(emulator.connections.every((c) => c.closedAt === undefined)).toBe(true);
    expect(open().map((c) => c.targetLanguages[0]).filter((l) => l !== 'es').sort()).toEqual(['de', 'de', 'de', 'de', 'fr', 'fr', 'fr', 'fr']);
  });

  it("keeps a language's sessions for limits.languageLingerSeconds after its last listener left, then closes them", async () => {
    const room = new MemoryRoom();
    room.join('speaker-1');
    room.join('carol', { language: 'fr' });
    const interpreter = start(room, onDemand({ limits: limits({ languageLingerSeconds: 4, replanDebounceMs: 0 }) }));
    await interpreter.start();
    room.publishMicrophone('speaker-1');
    await waitFor(() => emulator.openConnections() === 1, 'the French session');
    room.leave('carol');
    // A re-plan for another reason meanwhile keeps French: it lingers.
    room.join('dave', { language: 'es' });
    await waitFor(() => emulator.openConnections() === 2, 'the Spanish session beside the lingering French one');
    expect(open().map((c) => c.targetLanguages[0]).sort()).toEqual(['es', 'fr']);
    await waitFor(() => open().map((c) => c.targetLanguages[0]).join() === 'es', 'French closed once its linger ended');
    expect(emulator.connections).toHaveLength(2);
  });

  it('a language chosen again while it lingers keeps its session (no close, no reopen)', async () => {
    const room = new MemoryRoom();
    room.join('speaker-1');
    room.join('carol', { language: 'fr' });
    const interpreter = start(room, onDemand());
    await interpreter.start();
    room.publishMicrophone('speaker-1');
    await waitFor(() => emulator.openConnections() === 1, 'the French session');
    room.leave('carol');
    room.join('erin', { language: 'fr' });
    room.join('dave', { language: 'es' });
    await waitFor(() => emulator.openConnections() === 2, 'the Spanish session');
    expect(emulator.connections).toHaveLength(2);
    expect(emulator.connections.every((c) => c.closedAt === undefined)).toBe(true);
  });

  it('rate-limits session opens per room: past limits.sessionOpensPerMinute the rest wait, none is lost', async () => {
    const room = new MemoryRoom();
    for (const s of ['speaker-1', 'speaker-2']) room.join(s);
    room.join('carol', { language: 'fr' });
    room.join('dave', { language: 'de' });
    // 18 a minute: a burst of 3 (ten seconds' worth), then one every 3.3 s.
    const interpreter = start(room, onDemand({ limits: limits({ sessionOpensPerMinute: 18 }) }));
    await interpreter.start();
    for (const s of ['speaker-1', 'speaker-2']) room.publishMicrophone(s);
    await waitFor(() => emulator.openConnections() === 3, 'the first three opens');
    room.join('erin', { language: 'es' });
    await waitFor(() => emulator.openConnections() === 6, 'all six sessions, paced', 60_000);
    const opened = emulator.connections.map((c) => c.openedAt).sort((a, b) => a - b);
    // Past the burst each open waited for its token: three more took at least two refills.
    expect(opened[5]! - opened[0]!).toBeGreaterThan(6_000);
    expect(emulator.connections).toHaveLength(6);
  }, 90_000);
});

describe('mass joins', () => {
  it('4,000 listeners joining cost a handful of re-plans and never a scan of the room', async () => {
    let scans = 0;
    class CountingRoom extends MemoryRoom {
      override participants(): ParticipantInfo[] {
        scans++;
        return super.participants();
      }
    }
    const room = new CountingRoom();
    room.join('speaker-1');
    const interpreter = start(room, onDemand());
    await interpreter.start();
    const stop = new AbortController();
    const supervised = superviseRoom({ room, interpreter, logger, stopSignal: stop.signal, drainMs: 0 });
    room.publishMicrophone('speaker-1');
    const scansAtStart = scans;
    const languages = ['fr', 'de', 'es', 'en'];
    for (let i = 0; i < 4000; i++) room.join(`listener-${i}`, i % 10 === 0 ? {} : { language: languages[i % languages.length]! });
    await waitFor(() => emulator.openConnections() === 3, 'fr, de and es sessions (en is what the speaker speaks)');
    expect(interpreter.humanCount()).toBe(4001);
    expect(scans).toBe(scansAtStart);
    // The speaker's admission, then the languages as they first appeared: coalesced by the debounce.
    expect(interpreter.replans).toBeLessThanOrEqual(4);
    expect(emulator.connections).toHaveLength(3);
    stop.abort();
    await supervised;
  });
});

describe('the deployment budget', () => {
  it("rooms of one agent share its budget: past it the room is told, and sessions freed elsewhere are given to who waits", async () => {
    const budget = new SessionBudget(3);
    const profile = agentProfile({ targets: [neuralTarget('fr'), neuralTarget('de')], speakers: [{ identity: 'speaker-*', language: 'en-US', personalVoice: false, translate: true }] });
    const first = new MemoryRoom('room-a');
    const second = new MemoryRoom('room-b');
    first.join('speaker-1');
    second.join('speaker-2');
    const a = start(first, profile, { budget });
    const b = start(second, profile, { budget });
    await Promise.all([a.start(), b.start()]);
    first.publishMicrophone('speaker-1');
    await waitFor(() => emulator.openConnections() === 2, "room a's two sessions");
    second.publishMicrophone('speaker-2');
    await waitFor(() => second.texts.some((t) => t.topic === NOTICE_TOPIC && /speaker-2 is not being interpreted: the deployment's Azure session budget \(3 for this agent\) is reached/.test(t.text)), 'the budget notice');
    expect(b.sessionCount()).toBe(0);
    expect(budget.inUse).toBe(2);

    await a.stop(0);
    await waitFor(() => b.sessionCount() === 2 && emulator.openConnections() === 2, "room b's sessions once room a gave its back");
    expect(second.texts.some((t) => /speaker-2 is now being interpreted/.test(t.text))).toBe(true);
    expect(mostAtOnce()).toBeLessThanOrEqual(3);
    expect(budget.inUse).toBe(2);
  });

  it("an agent's share is the deployment total over the agents that may run at once; bad settings are clear errors", () => {
    expect(agentBudgetFromEnv({})).toBeUndefined();
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', AZURE_SPEECH_BUDGET_AGENTS: '8' })).toBe(12);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '4', AZURE_SPEECH_BUDGET_AGENTS: '8' })).toBe(0);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', INTERPRETER_MAX_AGENTS: '20' })).toBe(5);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', AZURE_SPEECH_BUDGET_AGENTS: '10', INTERPRETER_MAX_AGENTS: '20' })).toBe(10);
    expect(() => agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100' })).toThrow(/neither AZURE_SPEECH_BUDGET_AGENTS nor INTERPRETER_MAX_AGENTS is/);
    expect(() => agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: 'lots', AZURE_SPEECH_BUDGET_AGENTS: '2' })).toThrow(/whole number >= 0, got "lots"/);
    expect(() => agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '10', AZURE_SPEECH_BUDGET_AGENTS: '0' })).toThrow(BudgetSettingError);
    expect(agentSettingsFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '90', AZURE_SPEECH_BUDGET_AGENTS: '4' }).sessionBudget).toBe(22);
    expect(() => new SessionBudget(-1)).toThrow(RangeError);
  });
});
