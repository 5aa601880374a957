/**
 * Where the page gets its settings and its token. `config.json` beside the page is optional, so
 * the app can be copied as static files next to any LiveKit project: point `tokenUrl` at that
 * project's own token endpoint, which answers `POST {room, identity, name, language}` with
 * `{token, url}` (or `{token}` when `livekitUrl` is configured here).
 */
export interface AppConfig {
  tokenUrl: string;
  /** Used when the token endpoint does not say where LiveKit is. */
  livekitUrl?: string;
  /** Languages offered before the interpreter publishes any (it publishes on demand). */
  languages: string[];
  room?: string;
  name?: string;
  language?: string;
}

export interface TokenRequest {
  room: string;
  identity: string;
  name: string;
  language: string;
}

const DEFAULTS: AppConfig = { tokenUrl: 'api/token', languages: ['de', 'en', 'es', 'fr', 'ja', 'zh-Hans'] };

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** `config.json` (when there is one), then the query string on top. */
export async function loadConfig(location: Location): Promise<AppConfig> {
  const config: AppConfig = { ...DEFAULTS };
  try {
    const response = await fetch(new URL('config.json', location.href), { cache: 'no-store' });
    if (response.ok) {
      const file = (await response.json()) as Record<string, unknown>;
      if (typeof file.tokenUrl === 'string') config.tokenUrl = file.tokenUrl;
      if (typeof file.livekitUrl === 'string') config.livekitUrl = file.livekitUrl;
      config.languages = strings(file.languages) ?? config.languages;
    }
  } catch {
    // No config.json (a static copy): the defaults stand.
  }
  const query = new URLSearchParams(location.search);
  const tokenUrl = query.get('tokenUrl');
  const livekitUrl = query.get('livekitUrl');
  const languages = query.get('languages');
  if (tokenUrl) config.tokenUrl = tokenUrl;
  if (livekitUrl) config.livekitUrl = livekitUrl;
  if (languages) config.languages = languages.split(',').map((l) => l.trim()).filter(Boolean);
  for (const key of ['room', 'name', 'language'] as const) {
    const value = query.get(key);
    if (value !== null) config[key] = value;
  }
  return config;
}

export async function fetchToken(config: AppConfig, request: TokenRequest): Promise<{ token: string; url: string }> {
  let response: Response;
  try {
    response = await fetch(new URL(config.tokenUrl, location.href), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new Error(`The token service at ${config.tokenUrl} cannot be reached (${error instanceof Error ? error.message : String(error)}).`);
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; url?: unknown; error?: unknown };
  if (!response.ok || typeof body.token !== 'string') {
    const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new Error(`No token for this room: ${reason}`);
  }
  const url = typeof body.url === 'string' ? body.url : config.livekitUrl;
  if (!url) throw new Error('The token service did not say where LiveKit is, and no livekitUrl is configured.');
  return { token: body.token, url };
}
