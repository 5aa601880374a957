/**
 * Finding or building the LiveKit server, with stand-in `go` and `livekit-server` scripts on PATH
 * for the failure cases (the real build runs once, in `.ci/run` and `npm test`, before the room
 * tests, which then check the binary it made).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDirectory, LiveKitBinaryError, LIVEKIT_SERVER_VERSION, resolveLiveKitServer } from '../../src/local/livekit-binary.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'lk-resolve-'));
  dirs.push(root);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const env: NodeJS.ProcessEnv = { HOME: root, XDG_CACHE_HOME: join(root, 'cache'), PATH: `${bin}:/usr/bin:/bin` };
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  return { root, bin, env, script };
}

const fakeServer = (version: string) => `[ "$1" = "--version" ] && echo "livekit-server version ${version}" && exit 0\nexit 3`;
const lines: string[] = [];

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected a failure');
  return outcome;
}
const log = (line: string) => lines.push(line);

describe('resolveLiveKitServer', () => {
  it('uses a livekit-server of the pinned minor on PATH', async () => {
    const { env, script, bin } = sandbox();
    script('livekit-server', fakeServer('1.13.9'));
    await expect(resolveLiveKitServer({ env, log })).resolves.toEqual({ path: join(bin, 'livekit-server'), version: '1.13.9', source: 'path' });
  });

  it('refuses another minor on PATH, and says so in the error when nothing else is there', async () => {
    const { env, script } = sandbox();
    script('livekit-server', fakeServer('1.12.0'));
    const error = await resolveLiveKitServer({ env, log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiveKitBinaryError);
    expect((error as Error).message).toMatch(/is livekit-server 1\.12\.0, not 1\.13\.x/);
    expect((error as Error).message).toMatch(/no `go` on PATH/);
  });

  it('with no server and no go, names every way out', async () => {
    const { env } = sandbox();
    const message = (await failure(resolveLiveKitServer({ env, log }))).message;
    expect(message).toMatch(/install Go >= 1\.26/);
    expect(message).toMatch(/get\.livekit\.io/);
    expect(message).toMatch(/brew install livekit/);
    expect(message).toMatch(/LIVEKIT_SERVER_BIN=/);
  });

  it('refuses a LIVEKIT_SERVER_BIN that does not run as the server', async () => {
    const { env, script, bin } = sandbox();
    script('not-a-server', 'exit 1');
    await expect(resolveLiveKitServer({ env: { ...env, LIVEKIT_SERVER_BIN: join(bin, 'not-a-server') }, log })).rejects.toThrow(/does not run as livekit-server/);
  });

  it('builds once with go install (CGO off, into the cache), while a second caller waits for that build', async () => {
    const { env, script, root } = sandbox();
    const calls = join(root, 'go-calls');
    script(
      'go',
      [
        'if [ "$1" = "version" ]; then echo "go version go1.26.8 linux/amd64"; exit 0; fi',
        `echo "$CGO_ENABLED $GOBIN $*" >> ${calls}`,
        'sleep 1',
        `printf '#!/bin/sh\\necho "livekit-server version ${LIVEKIT_SERVER_VERSION}"\\n' > "$GOBIN/server"`,
        'chmod +x "$GOBIN/server"',
      ].join('\n'),
    );
    const [first, second] = await Promise.all([resolveLiveKitServer({ env, log }), resolveLiveKitServer({ env, log })]);
    const target = join(cacheDirectory(env), 'livekit-server');
    expect([first.source, second.source].sort()).toEqual(['built', 'cache']);
    expect(first.path).toBe(target);
    expect(second.path).toBe(target);
    const invocations = readFileSync(calls, 'utf8').trim().split('\n');
    expect(invocations).toHaveLength(1);
    expect(invocations[0]).toMatch(new RegExp(`^0 \\S+ install -modcacherw github\\.com/livekit/livekit-server/cmd/server@v${LIVEKIT_SERVER_VERSION.replace(/\./g, '\\.')}$`));
    // Later resolutions find the cache without building.
    await expect(resolveLiveKitServer({ env, log })).resolves.toMatchObject({ source: 'cache', path: target });
  });

  it('takes over a lock whose builder died', async () => {
    const { env, script } = sandbox();
    script('go', ['if [ "$1" = "version" ]; then echo "go version go1.26.8"; exit 0; fi', `printf '#!/bin/sh\\necho "livekit-server version ${LIVEKIT_SERVER_VERSION}"\\n' > "$GOBIN/server"; chmod +x "$GOBIN/server"`].join('\n'));
    const dir = cacheDirectory(env);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}.lock`, '2147483646');
    await expect(resolveLiveKitServer({ env, log })).resolves.toMatchObject({ source: 'built' });
  });

  it('a failed build names its log file and shows the end of it', async () => {
    const { env, script } = sandbox();
    script('go', 'if [ "$1" = "version" ]; then echo "go version go1.26.8"; exit 0; fi\necho "go: github.com/livekit/livekit-server@v1.13.5: proxy refused" >&2\nexit 1');
    const message = (await failure(resolveLiveKitServer({ env, log }))).message;
    expect(message).toMatch(/failed \(go exit 1\)/);
    expect(message).toMatch(/build\.log/);
    expect(message).toMatch(/proxy refused/);
  });
});
