/**
 * `livekit-server --dev`'s API key pair is printed in every LiveKit tutorial: whoever reaches a
 * port that trusts it can sign webhooks (and so start agents and Azure sessions, which cost
 * money) or mint room tokens. Anything that listens with it — `interpreter serve`, and the local
 * LiveKit server that `interpreter livekit --bind` starts — stays on loopback unless the operator
 * says, with an explicit flag, that the setup is a throwaway one.
 */

export const DEV_API_KEY = 'devkey';
export const DEV_API_SECRET = 'secret';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const v4 = bare.replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The secret is what makes signatures forgeable; the dev key alone with a real secret is harmless. */
export function usesDevCredentials(credentials: { apiKey: string; apiSecret: string }): boolean {
  return credentials.apiSecret === DEV_API_SECRET;
}

export type DevKeyBindVerdict = { allowed: true; warning?: string } | { allowed: false; problem: string };

/**
 * Whether a listener may bind `host` with these credentials. Loopback is always allowed; another
 * address with the public dev secret is refused unless `throwaway` is set, which allows it with a
 * warning to print. `what` names the listener in the messages, `flag` the flag that allows it.
 */
export function checkDevKeyBind(options: {
  host: string;
  apiKey: string;
  apiSecret: string;
  throwaway?: boolean;
  what?: string;
  flag?: string;
}): DevKeyBindVerdict {
  const { host, throwaway = false, what = 'the server', flag = '--throwaway' } = options;
  if (isLoopbackHost(host) || !usesDevCredentials(options)) return { allowed: true };
  if (throwaway) {
    return {
      allowed: true,
      warning: `${what} listens on ${host} with the public dev API secret '${DEV_API_SECRET}' (${flag}): anyone who reaches this port can sign requests. Use it only on a throwaway machine.`,
    };
  }
  return {
    allowed: false,
    problem: `refusing to listen on ${host} with the public dev API secret '${DEV_API_SECRET}': anyone who reaches the port could sign requests. Set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a real key pair, listen on 127.0.0.1 behind a TLS proxy, or pass ${flag} for a throwaway setup.`,
  };
}
