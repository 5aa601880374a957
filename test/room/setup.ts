/**
 * Room tests need media, and libwebrtc ignores loopback adapters: they run inside the namespace of
 * scripts/netns.sh (`npm test` puts them there), or on a machine with a real network interface
 * when LIVEKIT_TESTS=host says so. They never quietly pass: they skip only with LIVEKIT_TESTS=skip.
 */
import { networkInterfaces } from 'node:os';

const mode = process.env.LIVEKIT_TESTS ?? '';
const inside = process.env.LK_NETNS_INSIDE === '1';
const hasNetwork = Object.values(networkInterfaces()).some((list) => list?.some((address) => !address.internal && address.family === 'IPv4'));

if (mode !== 'skip' && !inside) {
  if (mode !== 'host') {
    throw new Error('room tests run inside the network namespace: `npm test` does it, or `scripts/netns.sh npx vitest run --project room`; on a machine with a network interface, LIVEKIT_TESTS=host');
  }
  if (!hasNetwork) throw new Error('LIVEKIT_TESTS=host, but this machine has no non-loopback IPv4 interface for WebRTC media');
}
