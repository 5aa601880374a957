/**
 * What bounds a room's Azure sessions now (the resource's quota, or this process's share of the
 * deployment budget), and which speaker sessions fit under it: speakers who came first keep
 * theirs, and a speaker's running sessions go before new ones, so a new listener's language never
 * takes a session away from someone already listening. A session left out is announced once.
 */
import type { Logger } from 'pino';
import type { SessionBudget } from './budget.ts';
import type { SessionSpec, SpeakerPipeline } from './speaker-pipeline.ts';

export interface SessionQuotaOptions {
  /** Concurrent sessions the Azure resource allows. */
  maxSessions: number;
  /** The process's budget, shared by its rooms; `owner` is this room's key in it. */
  budget?: SessionBudget;
  owner: object;
  logger: Logger;
  /** Tells the room (a notice text stream). */
  notice: (text: string) => void;
}

export class SessionQuota {
  /** Speaker-language sessions left out, so the room is told once. */
  private readonly notified = new Set<string>();

  constructor(private readonly options: SessionQuotaOptions) {}

  /** The sessions allowed now and what sets that number, for messages. */
  cap(): { sessions: number; what: string } {
    const { maxSessions, budget, owner } = this.options;
    const quota = { sessions: maxSessions, what: `the Azure Speech quota of ${maxSessions} concurrent sessions` };
    if (!budget) return quota;
    const free = budget.freeFor(owner);
    return free < quota.sessions ? { sessions: free, what: `the deployment's Azure session budget (${budget.limit} for this agent)` } : quota;
  }

  /** Every speaker's wanted sessions, cut to fit. */
  fit(pipelines: readonly SpeakerPipeline[], wantedBy: (pipeline: SpeakerPipeline) => SessionSpec[]): [SpeakerPipeline, SessionSpec[]][] {
    const cap = this.cap();
    let left = cap.sessions;
    return pipelines.map((pipeline) => {
      const running = new Set(pipeline.keys());
      const wanted = wantedBy(pipeline).sort((a, b) => Number(running.has(b.key)) - Number(running.has(a.key)));
      const kept = wanted.slice(0, Math.max(0, left));
      left -= kept.length;
      for (const spec of kept) this.notified.delete(`${pipeline.identity}\n${spec.key}`);
      for (const spec of wanted.slice(kept.length)) this.reached(pipeline.identity, spec, cap.what);
      return [pipeline, kept];
    });
  }

  /** A speaker left: a later speaker of that identity is told again. */
  forget(identity: string): void {
    for (const key of this.notified) if (key.startsWith(`${identity}\n`)) this.notified.delete(key);
  }

  private reached(identity: string, spec: SessionSpec, what: string): void {
    const key = `${identity}\n${spec.key}`;
    if (this.notified.has(key)) return;
    this.notified.add(key);
    const session = spec.spokenLanguage ? `into ${spec.spokenLanguage}` : `captions (${spec.targetLanguages.join(', ')})`;
    this.options.logger.warn({ speaker: identity, session: spec.key }, `${what} is reached; session not opened`);
    this.options.notice(`Interpretation of ${identity} ${session} is unavailable: ${what} is reached.`);
  }
}
