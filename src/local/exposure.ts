/**
 * LiveKit's development key pair (`devkey` / `secret`) is public: anyone who can reach a server
 * using it can sign tokens and webhooks. On loopback that is harmless; on a network it is not.
 */
import { isIP } from 'node:net';
import { DEV_API_KEY, DEV_API_SECRET } from './livekit-config.ts';

export class ExposureError extends Error {
  override name = 'ExposureError';
}

export function isLoopbackAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/**
 * Throws unless every address is loopback or no key pair is the public development pair; with
 * `allow` it only warns (a throwaway setup the user has named as such).
 */
export function refuseDevKeysOffLoopback(
  addresses: readonly string[],
  keys: Readonly<Record<string, string>>,
  options: { allow: boolean; what: string; flag: string; warn?: (line: string) => void },
): void {
  const exposed = addresses.filter((address) => !isLoopbackAddress(address));
  const devPair = keys[DEV_API_KEY] === DEV_API_SECRET;
  if (exposed.length === 0 || !devPair) return;
  const message = `${options.what} would listen on ${exposed.join(', ')} with the public development key pair ${DEV_API_KEY}:${DEV_API_SECRET}, so anyone who reaches it could sign tokens and webhooks`;
  if (!options.allow) throw new ExposureError(`${message}. Use your own key pair (--keys KEY:SECRET), or pass ${options.flag} for a throwaway setup.`);
  (options.warn ?? ((line: string) => process.stderr.write(`${line}\n`)))(`warning: ${message} (${options.flag})`);
}
