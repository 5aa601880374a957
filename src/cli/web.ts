/**
 * `interpreter web`: the listener app and its development token endpoint for one LiveKit server,
 * on 127.0.0.1 by default. The token endpoint signs join tokens for anyone who can reach it, so
 * it exists only for a LiveKit server on this machine or with `--token-endpoint`, and a
 * non-loopback `--host` needs `--expose`.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { isLoopbackHost as isLoopbackAddress } from '../common/dev-credentials.ts';
import { liveKitAccessFromEnv } from '../local/participant.ts';
import { createTokenHandler, createWebAppHandler, defaultWebRoot, tokenEndpointAllowed, type RequestHandler } from '../local/web-app.ts';

const HELP = `Usage: interpreter web [--port 8090] [--host 127.0.0.1] [--livekit-url ws://127.0.0.1:7880]

Serves the listener app: join a room, pick a language, hear its interpretation with the floor
quietly underneath, read the captions, optionally speak. Open the printed address in a browser.

  --port N               listen port (default 8090; 0 = any free port)
  --host ADDRESS         listen address (default 127.0.0.1; browsers allow the microphone only on
                         https:// or http://127.0.0.1 / localhost)
  --livekit-url URL      the LiveKit server (default env LIVEKIT_URL, else ws://127.0.0.1:7880)
  --public-url URL       the LiveKit address browsers should use, if not --livekit-url
  --languages LIST       languages offered before the interpreter publishes any (default: the
                         target languages of the profiles in configs/, env INTERPRETER_PROFILES)
  --token-endpoint       serve POST /api/token for a LiveKit server that is not on this machine
                         (it signs tokens with LIVEKIT_API_SECRET for whoever asks: development only)
  --no-token-endpoint    static files only (point the app at your own token service)
  --expose               allow a non-loopback --host while the token endpoint is on

Environment: LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET (default: interpreter livekit's
ws://127.0.0.1:7880, devkey, secret).`;

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8090' },
        host: { type: 'string', default: '127.0.0.1' },
        'livekit-url': { type: 'string' },
        'public-url': { type: 'string' },
        languages: { type: 'string' },
        'token-endpoint': { type: 'boolean' },
        'no-token-endpoint': { type: 'boolean' },
        expose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`interpreter web: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  try {
    const server = await startWebServer({
      port: wholeNumber(values.port, '--port'),
      host: values.host,
      ...(values['livekit-url'] ? { liveKitUrl: values['livekit-url'] } : {}),
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
      ...(values.languages !== undefined ? { languages: values.languages.split(',').map((l) => l.trim()).filter(Boolean) } : {}),
      tokenEndpoint: values['no-token-endpoint'] ? 'off' : values['token-endpoint'] ? 'on' : 'auto',
      expose: values.expose,
    });
    console.log(server.summary);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`interpreter web: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

export interface WebServerSettings {
  port: number;
  host: string;
  liveKitUrl?: string;
  publicUrl?: string;
  languages?: string[];
  /** auto: on for a LiveKit server on this machine only. */
  tokenEndpoint: 'auto' | 'on' | 'off';
  expose: boolean;
}

export async function startWebServer(settings: WebServerSettings): Promise<{ server: Server; port: number; summary: string; close(): Promise<void> }> {
  const access = { ...liveKitAccessFromEnv(), ...(settings.liveKitUrl ? { url: settings.liveKitUrl } : {}) };
  const tokens = settings.tokenEndpoint === 'on' || (settings.tokenEndpoint === 'auto' && tokenEndpointAllowed(access.url, false));
  if (tokens && !isLoopbackAddress(settings.host) && !settings.expose) {
    throw new UsageError(`--host ${settings.host} would let anyone who reaches it sign LiveKit tokens with your API secret; keep the default 127.0.0.1, use --no-token-endpoint, or pass --expose for a throwaway setup`);
  }
  const root = ensureWebBuilt();
  const languages = settings.languages ?? (await profileLanguages());
  const handlers: RequestHandler[] = [
    ...(tokens ? [createTokenHandler({ access, ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}) })] : []),
    createWebAppHandler({ root, config: { livekitUrl: settings.publicUrl ?? access.url, ...(languages.length > 0 ? { languages } : {}) } }),
  ];
  const server = createServer((request, response) => {
    for (const handle of handlers) if (handle(request, response)) return;
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new UsageError(`port ${settings.port} on ${settings.host} is in use: pick another with --port`) : error));
    server.listen(settings.port, settings.host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : settings.port);
    });
  });
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const why = settings.tokenEndpoint === 'off' ? 'off (--no-token-endpoint)' : tokens ? `on, signing for ${access.apiKey} (development only)` : `off: ${access.url} is not on this machine (--token-endpoint turns it on)`;
  const summary = [`listener app on http://${host}:${port}/ for LiveKit at ${settings.publicUrl ?? access.url}`, `token endpoint POST /api/token: ${why}`].join('\n');
  return {
    server,
    port,
    summary,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** In a checkout the app may not be built yet: build it once (the installed package ships it built). */
/** The built listener app's folder, building it first in a checkout. */
export function ensureWebBuilt(): string {
  const root = defaultWebRoot();
  if (existsSync(join(root, 'index.html'))) return root;
  const script = join(root, '..', '..', 'scripts', 'build-web.mjs');
  if (existsSync(script)) {
    const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
    if (result.status === 0 && existsSync(join(root, 'index.html'))) return root;
  }
  throw new UsageError(`the listener app is not built (${root} has no index.html): run \`npm run build:web\``);
}

/** Every target language of the profiles, so the picker offers what the rooms can produce. */
async function profileLanguages(): Promise<string[]> {
  try {
    const { DEFAULT_PROFILES_PATH, loadProfiles } = await import('../profiles/index.ts');
    const path = process.env.INTERPRETER_PROFILES ?? DEFAULT_PROFILES_PATH;
    if (!existsSync(path)) return [];
    const { profiles } = await loadProfiles(path);
    return [...new Set(profiles.flatMap((p) => p.languages.targets.map((t) => t.language)))].sort();
  } catch {
    // Profiles with errors are `validate`'s business; the app falls back to its own list.
    return [];
  }
}

function wholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`${flag} takes a port number, not '${text}'`);
  return value;
}
