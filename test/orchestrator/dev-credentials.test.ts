import { describe, expect, it } from 'vitest';
import { checkDevKeyBind, isLoopbackHost } from '../../src/common/dev-credentials.ts';
import { ConfigError, assertBindAllowed } from '../../src/orchestrator/config.ts';

const dev = { apiKey: 'devkey', apiSecret: 'secret' };
const real = { apiKey: 'APIreal', apiSecret: 'a-real-secret-a-real-secret-a-real' };

describe('checkDevKeyBind', () => {
  it.each(['127.0.0.1', '127.3.2.1', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])('treats %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(checkDevKeyBind({ host, ...dev })).toEqual({ allowed: true });
  });

  it.each(['0.0.0.0', '::', '192.168.1.5', 'example.com', '128.0.0.1'])('refuses the dev secret on %s, and names the way out', (host) => {
    const verdict = checkDevKeyBind({ host, ...dev });
    expect(verdict).toEqual({ allowed: false, problem: expect.stringMatching(/public dev API secret.*LIVEKIT_API_SECRET.*--throwaway/) });
  });

  it('allows it on a throwaway setup with a warning, and a real key pair anywhere', () => {
    expect(checkDevKeyBind({ host: '0.0.0.0', ...dev, throwaway: true, what: 'the LiveKit server', flag: '--insecure' })).toEqual({ allowed: true, warning: expect.stringMatching(/^the LiveKit server listens on 0\.0\.0\.0.*\(--insecure\)/) });
    expect(checkDevKeyBind({ host: '0.0.0.0', ...real })).toEqual({ allowed: true });
  });

  it('is what serve uses: a ConfigError, or the warning to log', () => {
    expect(() => assertBindAllowed('0.0.0.0', dev)).toThrow(ConfigError);
    expect(assertBindAllowed('0.0.0.0', dev, true)).toMatch(/throwaway/);
    expect(assertBindAllowed('127.0.0.1', dev)).toBeUndefined();
  });
});
