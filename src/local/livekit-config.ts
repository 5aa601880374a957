/**
 * The YAML config `interpreter livekit` hands the real server. Every key we rely on is written
 * out (the server parses its config strictly, and its `--dev` mode would turn on debug logs and
 * pprof), and nothing is left to defaults that would send traffic off this machine.
 * Keys as the server reads them at v1.13.5: `pkg/config/config.go`, and `rtc` from
 * mediatransportutil's `pkg/rtcconfig/config.go`.
 */
import { stringify } from 'yaml';

export interface LiveKitServerSettings {
  /** Signalling and HTTP (RoomService, `/rtc`, `/agent`) port. */
  port: number;
  /** Where signalling listens. The RTC ports listen on every interface whatever this says. */
  bindAddresses: string[];
  /** ICE-TCP port. */
  rtcTcpPort: number;
  /** The single ICE-UDP port (a mux, as `--dev` uses). */
  rtcUdpPort: number;
  keys: Record<string, string>;
  /** Webhook receivers; signed with `webhookApiKey`, which must be one of `keys`. */
  webhookUrls: string[];
  webhookApiKey?: string;
  /** Seconds a room nobody joined (or only agents are in) stays open. */
  emptyTimeoutSeconds: number;
  /** Seconds between the last person leaving and `room_finished`. */
  departureTimeoutSeconds: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Two nodes sharing rooms need one Redis. */
  redisAddress?: string;
  /** Advertised to clients for ICE; the server's default is the first non-loopback IPv4. */
  nodeIp?: string;
}

/**
 * With no `rtc.stun_servers` the server gives every client Google's public STUN servers and queries
 * them itself (mediatransportutil `rtcconfig.DefaultStunServers`). Nothing must leave these
 * machines, and on a LAN no STUN is needed: point it at a local address where nothing answers.
 */
export const LOCAL_STUN_SERVER = '127.0.0.1:3478';

export function liveKitConfigYaml(settings: LiveKitServerSettings): string {
  const webhookApiKey = settings.webhookApiKey ?? Object.keys(settings.keys)[0];
  const config = {
    port: settings.port,
    bind_addresses: settings.bindAddresses,
    keys: settings.keys,
    ...(settings.webhookUrls.length > 0 ? { webhook: { api_key: webhookApiKey, urls: settings.webhookUrls } } : {}),
    rtc: {
      tcp_port: settings.rtcTcpPort,
      udp_port: settings.rtcUdpPort,
      use_external_ip: false,
      stun_servers: [LOCAL_STUN_SERVER],
      ...(settings.nodeIp ? { node_ip: settings.nodeIp } : {}),
    },
    room: {
      empty_timeout: settings.emptyTimeoutSeconds,
      departure_timeout: settings.departureTimeoutSeconds,
    },
    ...(settings.redisAddress ? { redis: { address: settings.redisAddress } } : {}),
    logging: { level: settings.logLevel, json: false, pion_level: 'error' },
  };
  return stringify(config);
}
