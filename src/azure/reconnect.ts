/**
 * What to do when the SDK gives up on a connection (`canceled` with reason Error): the SDK has
 * already retried a dropped socket about five times without back-off (notes: azure-speech 2.4),
 * so this policy sits above it, recreating the recognizer with exponential back-off and jitter.
 */
import { CancellationErrorCode } from 'microsoft-cognitiveservices-speech-sdk';
import type { ResolvedReconnect } from './options.ts';

export type FailureKind =
  /** Key or region rejected: retrying cannot help. */
  | 'auth'
  /** Too many requests: back off harder, then retry. */
  | 'throttled'
  /** The request itself is wrong (close 1007, BadRequest): retrying cannot help. */
  | 'bad_request'
  /** Drops, timeouts, service errors: recreate the recognizer. */
  | 'transient';

export function classifyCancellation(code: CancellationErrorCode, details: string): FailureKind {
  if (code === CancellationErrorCode.AuthenticationFailure || code === CancellationErrorCode.Forbidden) return 'auth';
  if (code === CancellationErrorCode.TooManyRequests) return 'throttled';
  if (code === CancellationErrorCode.BadRequestParameters) return 'bad_request';
  // A rejected WebSocket upgrade only survives as text: "... Unexpected server response: 401".
  const status = /server response:?\s*(\d{3})\b/i.exec(details)?.[1] ?? /\b(401|403|429)\b/.exec(details)?.[1];
  if (status === '401' || status === '403') return 'auth';
  if (status === '429') return 'throttled';
  return 'transient';
}

/** Delay before recreate attempt `attempt` (1-based): exponential, capped, with equal jitter. */
export function backoffDelayMs(
  attempt: number,
  kind: FailureKind,
  policy: ResolvedReconnect,
  random: () => number = Math.random,
): number {
  // Throttling means the service wants fewer requests: start two doublings further along.
  const exponent = attempt - 1 + (kind === 'throttled' ? 2 : 0);
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function describeFailure(kind: FailureKind, endpoint: URL, details: string): string {
  switch (kind) {
    case 'auth':
      return `Azure Speech rejected the credentials for ${endpoint.host}: check that AZURE_SPEECH_KEY (option \`key\`) belongs to a Speech resource in the region AZURE_SPEECH_REGION (option \`region\`) or endpoint you configured (${details})`;
    case 'throttled':
      return `Azure Speech is throttling this resource (429) at ${endpoint.host}: ${details}`;
    case 'bad_request':
      return `Azure Speech refused the request (bad parameters) at ${endpoint.host}: ${details}`;
    case 'transient':
      return `connection to Azure Speech at ${endpoint.host} failed: ${details}`;
  }
}
