/** `interpreter livekit`: LiveKit's own server for development, found or built once, run with a config we write. */
import { networkInterfaces } from 'node:os';
import { parseArgs } from 'node:util';
import { LiveKitBinaryError, LIVEKIT_SERVER_VERSION, resolveLiveKitServer } from '../local/livekit-binary.ts';
import { DEV_API_KEY, DEV_API_SECRET } from '../common/dev-credentials.ts';
import { LiveKitStartError, startLiveKit } from '../local/livekit-server.ts';
import { checkDevKeyBind } from '../common/dev-credentials.ts';

const HELP = `Usage: interpreter livekit [options]

Runs the real LiveKit server (livekit-server v${LIVEKIT_SERVER_VERSION}) for development: from
LIVEKIT_SERVER_BIN, a livekit-server 1.13 on PATH, the cache, or built once with \`go install\`.
Prints the URL, key and secret once the server answers.

  --port N             signalling/API port (default 7880; 0 = any free port)
  --bind ADDR          address for signalling and the API (repeatable; default 127.0.0.1 and ::1).
                       The RTC ports below listen on every interface whatever --bind says.
  --node-ip IP         address advertised to clients for media (default: the first non-loopback IPv4)
  --rtc-tcp-port N     ICE over TCP (default 7881; 0 = any free port)
  --rtc-udp-port N     ICE over UDP, one port (default 7882; 0 = any free port)
  --webhook URL        send webhooks here, signed with the first key (repeatable)
  --keys KEY:SECRET    API key and secret (repeatable; default devkey:secret, as livekit-server --dev)
  --empty-timeout S    seconds a room nobody is in stays open (default 300)
  --departure-timeout S  seconds from the last participant leaving to room_finished (default 20)
  --redis HOST:PORT    share rooms with other nodes through this Redis
  --log-level L        debug | info | warn | error (default info)
  --grace-ms N         on Ctrl-C, how long connected participants get before the stop is forced (default 5000)
  --throwaway          allow a non-loopback --bind with the public devkey:secret (throwaway setups only)
  --install            only find or build the server, and print its absolute path as the last line`;

class UsageError extends Error {}

function port(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`${flag} takes a port number (0-65535), not '${text}'`);
  return value;
}

function seconds(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`${flag} takes whole seconds, not '${text}'`);
  return value;
}

function parseKeys(pairs: string[] | undefined): Record<string, string> {
  if (!pairs || pairs.length === 0) return { [DEV_API_KEY]: DEV_API_SECRET };
  const keys: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1) throw new UsageError(`--keys takes KEY:SECRET, not '${pair}'`);
    keys[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return keys;
}

function defaultBind(): string[] {
  const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.internal && a.family === 'IPv6' && a.address === '::1'));
  return hasIpv6Loopback ? ['127.0.0.1', '::1'] : ['127.0.0.1'];
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        bind: { type: 'string', multiple: true },
        'node-ip': { type: 'string' },
        'rtc-tcp-port': { type: 'string' },
        'rtc-udp-port': { type: 'string' },
        webhook: { type: 'string', multiple: true },
        keys: { type: 'string', multiple: true },
        'empty-timeout': { type: 'string' },
        'departure-timeout': { type: 'string' },
        redis: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'grace-ms': { type: 'string' },
        throwaway: { type: 'boolean' },
        install: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`interpreter livekit: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  try {
    const resolved = await resolveLiveKitServer();
    if (values.install) {
      console.log(resolved.path);
      return 0;
    }
    const logLevel = values['log-level'];
    if (logLevel !== 'debug' && logLevel !== 'info' && logLevel !== 'warn' && logLevel !== 'error') throw new UsageError(`--log-level must be debug, info, warn or error, not '${logLevel}'`);
    const keys = parseKeys(values.keys);
    const bindAddresses = values.bind ?? defaultBind();
    for (const host of bindAddresses) {
      for (const [apiKey, apiSecret] of Object.entries(keys)) {
        const verdict = checkDevKeyBind({ host, apiKey, apiSecret, throwaway: values.throwaway === true, what: 'interpreter livekit', flag: '--throwaway' });
        if (!verdict.allowed) throw new UsageError(verdict.problem.replace('Set LIVEKIT_API_KEY and LIVEKIT_API_SECRET to a real key pair', 'Pass your own key pair (--keys KEY:SECRET)'));
        if (verdict.warning) console.error(`warning: ${verdict.warning}`);
      }
    }
    const graceMs = seconds(values['grace-ms'], '--grace-ms', 5_000);

    const server = await startLiveKit({
      binary: resolved.path,
      port: port(values.port, '--port', 7880),
      rtcTcpPort: port(values['rtc-tcp-port'], '--rtc-tcp-port', 7881),
      rtcUdpPort: port(values['rtc-udp-port'], '--rtc-udp-port', 7882),
      bindAddresses,
      keys,
      webhookUrls: values.webhook ?? [],
      emptyTimeoutSeconds: seconds(values['empty-timeout'], '--empty-timeout', 300),
      departureTimeoutSeconds: seconds(values['departure-timeout'], '--departure-timeout', 20),
      logLevel,
      ...(values.redis ? { redisAddress: values.redis } : {}),
      ...(values['node-ip'] ? { nodeIp: values['node-ip'] } : {}),
      onOutput: (line) => process.stderr.write(`[livekit] ${line}\n`),
    });
    // Before the banner: whoever reads "is up" may signal at once, and a signal that came before the
    // handler would end this process by the signal, leaving the server without its stop.
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void server.stop(graceMs);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    const { settings } = server;
    console.log(
      [
        `LiveKit server ${resolved.version} is up (${resolved.path})`,
        `  URL         ${server.url}`,
        `  API key     ${server.apiKey}`,
        `  API secret  ${server.apiSecret}`,
        `  RTC         tcp ${settings.rtcTcpPort}, udp ${settings.rtcUdpPort} (every interface)`,
        ...(settings.webhookUrls.length ? [`  webhooks    ${settings.webhookUrls.join(', ')}`] : []),
        'Ctrl-C stops it.',
      ].join('\n'),
    );

    const { code, signal } = await server.exited;
    if (stopping) return 0;
    console.error(`interpreter livekit: the server stopped by itself (${signal ?? `exit ${code}`})`);
    return 1;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`interpreter livekit: ${error.message}`);
      return 2;
    }
    if (error instanceof LiveKitBinaryError || error instanceof LiveKitStartError || error instanceof Error) {
      console.error(`interpreter livekit: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
