/**
 * LiveInterpreterModel as the agents framework sees it (capabilities, names) and its bookkeeping
 * of open sessions; and the plugin's one registration with the framework. The sessions are real:
 * the Speech SDK talks to the emulator over a loopback WebSocket.
 */
import { readFileSync } from 'node:fs';
import { Plugin, PluginEventTypes } from '@livekit/agents';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveInterpreterModel } from '../../src/azure/model.ts';
import { LiveInterpreterSession } from '../../src/azure/session.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import { TEST_KEY, fixture, modelFor, pushSpeech, until } from './harness.ts';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const PLUGIN_TITLE = 'azure-live-interpreter';

function model(options: { spokenLanguage?: string | null; targetLanguages?: string[] } = {}): LiveInterpreterModel {
  return new LiveInterpreterModel({ speechKey: 'test-key', speechRegion: 'westeurope', targetLanguages: ['fr'], ...options });
}

describe('LiveInterpreterModel capabilities (what AgentSession reads)', () => {
  it('a speaking model: server turns, overlapping speech, own transcripts, audio out; nothing of the LLM tool/chat surface', () => {
    expect(model().capabilities).toEqual({
      turnDetection: true,
      supportsOverlappingSpeech: true,
      userTranscription: true,
      audioOutput: true,
      messageTruncation: false,
      autoToolReplyGeneration: false,
      manualFunctionCalls: false,
      midSessionChatCtxUpdate: false,
      midSessionInstructionsUpdate: false,
      midSessionToolsUpdate: false,
      perResponseToolChoice: false,
    });
  });

  it('a text-only model (spokenLanguage: null) declares no audio output, the rest unchanged', () => {
    expect(model({ spokenLanguage: null, targetLanguages: ['fr', 'de'] }).capabilities).toEqual({
      turnDetection: true,
      supportsOverlappingSpeech: true,
      userTranscription: true,
      audioOutput: false,
      messageTruncation: false,
      autoToolReplyGeneration: false,
      manualFunctionCalls: false,
      midSessionChatCtxUpdate: false,
      midSessionInstructionsUpdate: false,
      midSessionToolsUpdate: false,
      perResponseToolChoice: false,
    });
  });

  it('an explicit spoken language declares audio output', () => {
    expect(model({ spokenLanguage: 'fr' }).capabilities.audioOutput).toBe(true);
  });

  it('names itself for logs and metrics: model, provider and label', () => {
    const m = model();
    expect(m.model).toBe('azure-live-interpreter');
    expect(m.provider).toBe('azure');
    expect(m.label()).toBe('azure.LiveInterpreterModel');
  });

  it('keeps the resolved options the sessions read', () => {
    const m = model({ targetLanguages: ['de'] });
    expect(m.resolvedOptions.targetLanguages).toEqual(['de']);
    expect(m.resolvedOptions.spokenLanguage).toBe('de');
  });
});

describe('LiveInterpreterModel sessions', () => {
  /** Half a second of speech: enough for the SDK to open its connection. */
  const speech = fixture('speech-fr.wav').subarray(0, 8000);
  let emulator: Emulator;
  /** Every model and session a test made, closed after it. */
  const models: LiveInterpreterModel[] = [];
  const sessions: LiveInterpreterSession[] = [];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, keys: [TEST_KEY] });
  });

  afterEach(async () => {
    // Directly too: a test that fails must not leave a session open behind a model.close() that did not close it.
    await Promise.all([...models.splice(0).map((m) => m.close()), ...sessions.splice(0).map((s) => s.close())]);
    vi.restoreAllMocks();
    await until('every socket to close', () => emulator.openConnections() === 0);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  function tracked(): LiveInterpreterModel {
    const m = modelFor(emulator.url);
    models.push(m);
    return m;
  }

  function open(m: LiveInterpreterModel): LiveInterpreterSession {
    const session = m.session();
    sessions.push(session);
    return session;
  }

  /** A session on `m` with speech pushed, so the SDK opens its socket to the emulator. */
  function speaking(m: LiveInterpreterModel): LiveInterpreterSession {
    const session = open(m);
    pushSpeech(session, speech);
    return session;
  }

  /** Each test starts with no socket open (afterEach waits for that). */
  const connected = (count: number): Promise<void> => until(`${count} sessions to connect`, () => emulator.openConnections() === count);

  it('session() builds a new session on this model each time', () => {
    const m = tracked();
    const a = open(m);
    const b = open(m);
    expect(a).toBeInstanceOf(LiveInterpreterSession);
    expect(b).toBeInstanceOf(LiveInterpreterSession);
    expect(a).not.toBe(b);
    expect(a.realtimeModel).toBe(m);
    expect(b.realtimeModel).toBe(m);
  });

  it('close() closes every open session once and resolves only after they have all closed', async () => {
    const m = tracked();
    const a = speaking(m);
    const b = speaking(m);
    await connected(2);
    const closeA = vi.spyOn(a, 'close');
    const closeB = vi.spyOn(b, 'close');
    const closed: string[] = [];
    const closing = m.close();
    expect(closeA).toHaveBeenCalledTimes(1);
    expect(closeB).toHaveBeenCalledTimes(1);
    void closeA.mock.results[0]?.value.then(() => closed.push('a'));
    void closeB.mock.results[0]?.value.then(() => closed.push('b'));
    await expect(closing).resolves.toBeUndefined();
    expect(closed.sort()).toEqual(['a', 'b']);
    // Closed sessions are released: closing the model again closes none of them a second time.
    await m.close();
    expect(closeA).toHaveBeenCalledTimes(1);
    expect(closeB).toHaveBeenCalledTimes(1);
    await until('both sockets to close', () => emulator.openConnections() === 0);
  });

  it('a session that closed by itself is released: the model does not close it again', async () => {
    const m = tracked();
    const a = speaking(m);
    const b = speaking(m);
    await connected(2);
    const closeA = vi.spyOn(a, 'close');
    const closeB = vi.spyOn(b, 'close');
    await a.close();
    await m.close();
    expect(closeA).toHaveBeenCalledTimes(1);
    expect(closeB).toHaveBeenCalledTimes(1);
  });

  it('close() with no open session resolves', async () => {
    await expect(tracked().close()).resolves.toBeUndefined();
    const m = tracked();
    const a = speaking(m);
    await connected(1);
    const closeA = vi.spyOn(a, 'close');
    await a.close();
    await expect(m.close()).resolves.toBeUndefined();
    expect(closeA).toHaveBeenCalledTimes(1);
  });
});

describe('plugin registration', () => {
  const ours = (): Plugin[] => Plugin.registeredPlugins.filter((p) => p.title === PLUGIN_TITLE);
  /** The plugin's published manifest: what `download-files` and the worker's logs should name. */
  const manifest = JSON.parse(readFileSync(new URL('../../packages/azure/package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  let saved: Plugin[] = [];

  beforeEach(() => {
    saved = [...Plugin.registeredPlugins];
    // Each test starts in a process where our plugin has not registered yet: importing the harness
    // (src/azure/index.ts) has already registered it once.
    Plugin.registeredPlugins.splice(0, Plugin.registeredPlugins.length, ...saved.filter((p) => p.title !== PLUGIN_TITLE));
    vi.resetModules();
  });

  afterEach(() => {
    Plugin.registeredPlugins.splice(0, Plugin.registeredPlugins.length, ...saved);
    vi.resetModules();
  });

  it('importing the plugin registers it once, under the published package name and version', async () => {
    await import('../../src/azure/plugin.ts');
    expect(ours().map((p) => [p.title, p.version, p.package])).toEqual([[PLUGIN_TITLE, manifest.version, manifest.name]]);
  });

  it('a second copy of the plugin code in the process does not register it again', async () => {
    await import('../../src/azure/plugin.ts');
    const registered = vi.fn<(plugin: Plugin) => void>();
    Plugin.emitter.on(PluginEventTypes.PluginRegistered, registered);
    try {
      vi.resetModules();
      await import('../../src/azure/plugin.ts');
      vi.resetModules();
      await import('../../src/azure/plugin.ts');
    } finally {
      Plugin.emitter.off(PluginEventTypes.PluginRegistered, registered);
    }
    expect(ours()).toHaveLength(1);
    expect(registered).not.toHaveBeenCalled();
  });

  it('another plugin registered first does not keep ours from registering', async () => {
    class OtherPlugin extends Plugin {}
    const other = new OtherPlugin({ title: 'silero', version: '1.0.0', package: '@livekit/agents-plugin-silero' });
    // A process where only the other plugin has registered so far.
    Plugin.registeredPlugins.splice(0, Plugin.registeredPlugins.length, other);
    const registered = vi.fn<(plugin: Plugin) => void>();
    Plugin.emitter.on(PluginEventTypes.PluginRegistered, registered);
    try {
      vi.resetModules();
      await import('../../src/azure/plugin.ts');
    } finally {
      Plugin.emitter.off(PluginEventTypes.PluginRegistered, registered);
    }
    expect(Plugin.registeredPlugins.map((p) => p.title)).toEqual(['silero', PLUGIN_TITLE]);
    expect(registered.mock.calls.map(([p]) => [p.title, p.version, p.package])).toEqual([[PLUGIN_TITLE, manifest.version, manifest.name]]);
  });
});
