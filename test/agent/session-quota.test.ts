/**
 * Which speaker sessions fit under what bounds a room now (the resource's quota, or this
 * process's share of the deployment budget): first speakers first, a speaker's running sessions
 * before new ones, and each session left out announced once (log and room notice).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { SessionBudget } from '../../src/agent/budget.ts';
import { SessionQuota, type SessionQuotaOptions } from '../../src/agent/session-quota.ts';
import { SpeakerPipeline, type SessionSpec } from '../../src/agent/speaker-pipeline.ts';

const voice = (language: string): SessionSpec => ({ key: `voice:${language}:${language}-Neural`, spokenLanguage: language, voice: `${language}-Neural`, targetLanguages: [language], sourceLanguages: ['en-US'] });
const captions = (...languages: string[]): SessionSpec => ({ key: `captions:${languages.join(',')}`, spokenLanguage: null, targetLanguages: languages, sourceLanguages: ['en-US'] });

const pipelines: SpeakerPipeline[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setTimeout', 'clearTimeout'] });
});
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
  vi.useRealTimers();
});

/**
 * A speaker whose `running` sessions are held (dormant: a pipeline that has sent nothing holds
 * its sessions without connecting them, and counts them as its own). Nothing connects to Azure.
 */
function speaker(identity: string, running: SessionSpec[] = []): SpeakerPipeline {
  const pipeline = new SpeakerPipeline(
    identity,
    `TR_${identity}`,
    {
      openSession: () => {
        throw new Error('these tests open no session');
      },
      speech: () => undefined,
      caption: () => undefined,
      detectedLanguage: () => undefined,
      sessionFailed: () => undefined,
      logger: pino({ level: 'silent' }),
    },
    { idleCloseMs: 0 },
  );
  pipeline.apply(running);
  pipelines.push(pipeline);
  return pipeline;
}

function quota(options: Partial<SessionQuotaOptions> = {}) {
  const warnings: { speaker: string; session: string; msg: string }[] = [];
  const notices: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as (typeof warnings)[number]) });
  const q = new SessionQuota({ maxSessions: 10, owner: {}, logger, notice: (text) => notices.push(text), ...options });
  const lastWarning = () => {
    const w = warnings.at(-1);
    return w && { speaker: w.speaker, session: w.session, msg: w.msg };
  };
  return { quota: q, warnings, notices, lastWarning };
}

const keys = (fitted: [SpeakerPipeline, SessionSpec[]][]) => fitted.map(([p, specs]) => [p.identity, specs.map((s) => s.key)]);

describe('SessionQuota.cap', () => {
  it("without a budget, is the resource's quota", () => {
    expect(quota({ maxSessions: 20 }).quota.cap()).toEqual({ sessions: 20, what: 'the Azure Speech quota of 20 concurrent sessions' });
  });

  it("with a budget, is what the budget leaves this room when that is less than the quota", () => {
    const budget = new SessionBudget(6);
    const owner = {};
    budget.hold({}, 2);
    expect(quota({ maxSessions: 5, budget, owner }).quota.cap()).toEqual({ sessions: 4, what: "the deployment's Azure session budget (6 for this agent)" });
    budget.hold(owner, 3);
    // Its own sessions count as its own: still 4 of the 6.
    expect(quota({ maxSessions: 5, budget, owner }).quota.cap().sessions).toBe(4);
  });

  it('is the quota when the budget leaves as much or more', () => {
    const budget = new SessionBudget(6);
    expect(quota({ maxSessions: 6, budget }).quota.cap()).toEqual({ sessions: 6, what: 'the Azure Speech quota of 6 concurrent sessions' });
    expect(quota({ maxSessions: 2, budget }).quota.cap()).toEqual({ sessions: 2, what: 'the Azure Speech quota of 2 concurrent sessions' });
  });
});

describe('SessionQuota.fit', () => {
  it('gives every speaker what they want while it fits, and tells nobody', () => {
    const { quota: q, warnings, notices } = quota({ maxSessions: 3 });
    const alice = speaker('alice');
    const bob = speaker('bob');
    const fitted = q.fit([alice, bob], (p) => (p === alice ? [voice('fr'), voice('de')] : [voice('fr')]));
    expect(keys(fitted)).toEqual([
      ['alice', ['voice:fr:fr-Neural', 'voice:de:de-Neural']],
      ['bob', ['voice:fr:fr-Neural']],
    ]);
    expect(fitted[0]![0]).toBe(alice);
    expect(warnings).toEqual([]);
    expect(notices).toEqual([]);
  });

  it('first speakers first: a later speaker gets what is left, then nothing', () => {
    const { quota: q } = quota({ maxSessions: 3 });
    const fitted = q.fit([speaker('alice'), speaker('bob'), speaker('carol')], () => [voice('fr'), voice('de')]);
    expect(keys(fitted)).toEqual([
      ['alice', ['voice:fr:fr-Neural', 'voice:de:de-Neural']],
      ['bob', ['voice:fr:fr-Neural']],
      ['carol', []],
    ]);
  });

  it("keeps a speaker's running sessions before new ones, in the order wanted otherwise", () => {
    const { quota: q } = quota({ maxSessions: 2 });
    const alice = speaker('alice', [voice('de'), captions('es')]);
    expect(keys(q.fit([alice], () => [voice('fr'), voice('de'), voice('it'), captions('es')]))).toEqual([['alice', ['voice:de:de-Neural', 'captions:es']]]);
    const { quota: one } = quota({ maxSessions: 1 });
    expect(keys(one.fit([speaker('bob', [voice('de')])], () => [voice('fr'), voice('de')]))).toEqual([['bob', ['voice:de:de-Neural']]]);
  });

  it('keeps nothing at a cap of 0, or below it', () => {
    expect(keys(quota({ maxSessions: 0 }).quota.fit([speaker('alice')], () => [voice('fr')]))).toEqual([['alice', []]]);
    expect(keys(quota({ maxSessions: -1 }).quota.fit([speaker('alice')], () => [voice('fr'), voice('de')]))).toEqual([['alice', []]]);
  });

  it('tells the log and the room about each session left out, saying what was reached', () => {
    const { quota: q, notices, warnings } = quota({ maxSessions: 1 });
    q.fit([speaker('alice')], () => [voice('fr'), voice('de'), captions('es', 'it')]);
    expect(warnings.map((w) => ({ level: (w as { level?: number }).level, speaker: w.speaker, session: w.session, msg: w.msg }))).toEqual([
      { level: 40, speaker: 'alice', session: 'voice:de:de-Neural', msg: 'the Azure Speech quota of 1 concurrent sessions is reached; session not opened' },
      { level: 40, speaker: 'alice', session: 'captions:es,it', msg: 'the Azure Speech quota of 1 concurrent sessions is reached; session not opened' },
    ]);
    expect(notices).toEqual([
      'Interpretation of alice into de is unavailable: the Azure Speech quota of 1 concurrent sessions is reached.',
      'Interpretation of alice captions (es, it) is unavailable: the Azure Speech quota of 1 concurrent sessions is reached.',
    ]);
  });

  it('names the budget when the budget is what was reached', () => {
    const budget = new SessionBudget(1);
    const { quota: q, notices, lastWarning } = quota({ maxSessions: 10, budget });
    q.fit([speaker('alice')], () => [voice('fr'), voice('de')]);
    expect(notices).toEqual(["Interpretation of alice into de is unavailable: the deployment's Azure session budget (1 for this agent) is reached."]);
    expect(lastWarning()).toEqual({ speaker: 'alice', session: 'voice:de:de-Neural', msg: "the deployment's Azure session budget (1 for this agent) is reached; session not opened" });
  });

  it('tells once per session while it stays left out, and again after it had its session once', () => {
    const { quota: q, notices } = quota({ maxSessions: 1 });
    const alice = speaker('alice');
    q.fit([alice], () => [voice('fr'), voice('de')]);
    q.fit([alice], () => [voice('fr'), voice('de')]);
    expect(notices).toHaveLength(1);
    // German fits now (French is not wanted), then is left out again: told again.
    q.fit([alice], () => [voice('de')]);
    expect(notices).toHaveLength(1);
    q.fit([alice], () => [voice('fr'), voice('de')]);
    expect(notices).toEqual([
      'Interpretation of alice into de is unavailable: the Azure Speech quota of 1 concurrent sessions is reached.',
      'Interpretation of alice into de is unavailable: the Azure Speech quota of 1 concurrent sessions is reached.',
    ]);
  });

  it('tells each speaker about their own sessions: one left out for two speakers is two notices', () => {
    const { quota: q, notices } = quota({ maxSessions: 0 });
    q.fit([speaker('alice'), speaker('bob')], () => [voice('fr')]);
    expect(notices).toEqual([
      'Interpretation of alice into fr is unavailable: the Azure Speech quota of 0 concurrent sessions is reached.',
      'Interpretation of bob into fr is unavailable: the Azure Speech quota of 0 concurrent sessions is reached.',
    ]);
  });

  it("forget: a later speaker of that identity is told again; other speakers' notices stand", () => {
    const { quota: q, notices } = quota({ maxSessions: 0 });
    const all = () => q.fit([speaker('alice'), speaker('alice2')], () => [voice('fr'), voice('de')]);
    all();
    expect(notices).toHaveLength(4);
    q.forget('alice');
    all();
    expect(notices.slice(4)).toEqual([
      'Interpretation of alice into fr is unavailable: the Azure Speech quota of 0 concurrent sessions is reached.',
      'Interpretation of alice into de is unavailable: the Azure Speech quota of 0 concurrent sessions is reached.',
    ]);
    q.forget('nobody');
    all();
    expect(notices).toHaveLength(6);
  });
});
