import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LOCAL_STUN_SERVER, liveKitConfigYaml } from '../../src/local/livekit-config.ts';

const settings = {
  port: 7880,
  bindAddresses: ['127.0.0.1', '::1'],
  rtcTcpPort: 7881,
  rtcUdpPort: 7882,
  keys: { devkey: 'secret' },
  webhookUrls: ['http://127.0.0.1:8080/webhook'],
  emptyTimeoutSeconds: 300,
  departureTimeoutSeconds: 20,
  logLevel: 'info' as const,
};

describe('the livekit-server config we write', () => {
  it('states every setting we rely on, signs webhooks with the first key, and sends nothing off the machine', () => {
    expect(parse(liveKitConfigYaml(settings))).toEqual({
      port: 7880,
      bind_addresses: ['127.0.0.1', '::1'],
      keys: { devkey: 'secret' },
      webhook: { api_key: 'devkey', urls: ['http://127.0.0.1:8080/webhook'] },
      rtc: { tcp_port: 7881, udp_port: 7882, use_external_ip: false, stun_servers: [LOCAL_STUN_SERVER] },
      room: { empty_timeout: 300, departure_timeout: 20 },
      logging: { level: 'info', json: false, pion_level: 'error' },
    });
    expect(LOCAL_STUN_SERVER).toMatch(/^127\./);
  });

  it('leaves webhooks out when there are no receivers, and adds Redis and a node IP when asked', () => {
    const config = parse(liveKitConfigYaml({ ...settings, webhookUrls: [], redisAddress: '10.200.0.1:6379', nodeIp: '10.200.0.1' })) as Record<string, unknown>;
    expect(config.webhook).toBeUndefined();
    expect(config.redis).toEqual({ address: '10.200.0.1:6379' });
    expect(config.rtc).toMatchObject({ node_ip: '10.200.0.1' });
  });
});
