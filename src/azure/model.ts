/**
 * The Azure Live Interpreter as a LiveKit Agents realtime model: speech in, the same speech
 * translated (text for every target, synthesized speech for one) out.
 */
import { llm } from '@livekit/agents';
import { type LiveInterpreterOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { LiveInterpreterSession } from './session.ts';

export class LiveInterpreterModel extends llm.RealtimeModel {
  /** Options after defaults and validation; read by the sessions. */
  readonly resolvedOptions: ResolvedOptions;
  readonly #sessions = new Set<LiveInterpreterSession>();

  /** @throws LiveInterpreterOptionsError naming the option or env variable to set. */
  constructor(options: LiveInterpreterOptions) {
    const resolved = resolveOptions(options);
    super({
      // The service segments speech and answers each utterance by itself.
      turnDetection: true,
      // A new utterance must not cut the translation of the previous one.
      supportsOverlappingSpeech: true,
      userTranscription: true,
      audioOutput: resolved.spokenLanguage !== null,
      messageTruncation: false,
      autoToolReplyGeneration: false,
      manualFunctionCalls: false,
      midSessionChatCtxUpdate: false,
      midSessionInstructionsUpdate: false,
      midSessionToolsUpdate: false,
      perResponseToolChoice: false,
    });
    this.resolvedOptions = resolved;
  }

  get model(): string {
    return 'azure-live-interpreter';
  }

  override get provider(): string {
    return 'azure';
  }

  override label(): string {
    return 'azure.LiveInterpreterModel';
  }

  session(): LiveInterpreterSession {
    const session = new LiveInterpreterSession(this);
    this.#sessions.add(session);
    return session;
  }

  /** @internal Called by a session once it has closed. */
  releaseSession(session: LiveInterpreterSession): void {
    this.#sessions.delete(session);
  }

  /** Closes every session this model opened that is still open. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#sessions].map((s) => s.close()));
  }
}
