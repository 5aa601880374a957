/**
 * The LiveKit half of the local stack: `interpreter serve` with no `LIVEKIT_URL` runs the real
 * server itself, its webhooks pointed back at `serve`, so `npm start` is the whole system.
 */
import { resolveLiveKitServer } from './livekit-binary.ts';
import { startLiveKit, type RunningLiveKit } from './livekit-server.ts';
import { freeTcpPort } from './ports.ts';

export interface LocalLiveKitPlan {
  /** Where clients and agents connect. */
  url: string;
  port: number;
  apiKey: string;
  apiSecret: string;
}

/** Chooses the port (0 = a free one) before anything starts, so agents can be told the URL. */
export async function planLocalLiveKit(port: number, credentials: { apiKey: string; apiSecret: string }): Promise<LocalLiveKitPlan> {
  const chosen = port || (await freeTcpPort());
  return { url: `ws://127.0.0.1:${chosen}`, port: chosen, apiKey: credentials.apiKey, apiSecret: credentials.apiSecret };
}

export async function startLocalLiveKit(
  plan: LocalLiveKitPlan,
  options: { webhookUrl: string; rtcTcpPort?: number; rtcUdpPort?: number; onOutput?: (line: string) => void; log?: (line: string) => void },
): Promise<RunningLiveKit> {
  const binary = await resolveLiveKitServer(options.log ? { log: options.log } : {});
  return startLiveKit({
    binary: binary.path,
    port: plan.port,
    bindAddresses: ['127.0.0.1'],
    keys: { [plan.apiKey]: plan.apiSecret },
    webhookUrls: [options.webhookUrl],
    ...(options.rtcTcpPort !== undefined ? { rtcTcpPort: options.rtcTcpPort } : {}),
    ...(options.rtcUdpPort !== undefined ? { rtcUdpPort: options.rtcUdpPort } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
}
