/**
 * Webhook authentication from the `Authorization` header alone, before a byte of the body is
 * read. LiveKit signs each webhook with an HS256 JWT made from the API key pair, valid 5 minutes,
 * whose `sha256` claim is base64(SHA-256(body)) (livekit/protocol `webhook/resource_url_notifier.go`).
 *
 * `WebhookReceiver.receive` (livekit-server-sdk) checks issuer, expiry and the body hash, but
 * accepts any HMAC algorithm (HS384, HS512), any lifetime, and needs the whole body first. This
 * pins HS256, caps the lifetime at the real server's 5 minutes plus clock skew, and splits the
 * check in two: the header now, the body hash once the (bounded) body is in.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The real server signs for exactly this long. */
export const LIVEKIT_TOKEN_LIFETIME_SECONDS = 5 * 60;
/** Allowed difference between LiveKit's clock and ours (also for `nbf`, `iat` and `exp`). */
export const CLOCK_SKEW_SECONDS = 60;
/** A JWT LiveKit signs is a few hundred bytes; more is not one of its tokens. */
const MAX_TOKEN_CHARS = 4096;

export interface VerifiedToken {
  /** base64(SHA-256(body)) the signer committed to. */
  sha256: string;
  issuer: string;
  expiresAt: number;
}

export type TokenCheck = { ok: true; token: VerifiedToken } | { ok: false; reason: string };

export interface TokenPolicy {
  apiKey: string;
  apiSecret: string;
  maxLifetimeSeconds?: number;
  clockSkewSeconds?: number;
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
}

/** Verifies the bare JWT of an `Authorization` header. Never throws; a refusal says why. */
export function verifyWebhookToken(authorization: string | undefined, policy: TokenPolicy): TokenCheck {
  if (!authorization) return refuse('no Authorization header');
  if (authorization.length > MAX_TOKEN_CHARS) return refuse(`Authorization header longer than ${MAX_TOKEN_CHARS} characters`);
  if (/^bearer\s/i.test(authorization)) return refuse('Authorization must be the bare JWT LiveKit sends, not "Bearer <jwt>"');
  const parts = authorization.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return refuse('Authorization is not a compact JWT');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;

  const header = decodeJson(headerPart);
  if (!header) return refuse('JWT header is not a JSON object');
  // Checked before the signature so that `none`, RS256, ES256 and HS384 are named as what they are.
  if (header.alg !== 'HS256') return refuse(`JWT algorithm ${JSON.stringify(header.alg ?? null)} is not HS256`);
  if (header.crit !== undefined) return refuse('JWT has critical header parameters');

  const expected = createHmac('sha256', policy.apiSecret).update(`${headerPart}.${payloadPart}`).digest();
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return refuse('JWT signature does not verify with the API secret');

  const claims = decodeJson(payloadPart);
  if (!claims) return refuse('JWT claims are not a JSON object');
  if (claims.iss !== policy.apiKey) return refuse(`JWT issuer ${JSON.stringify(claims.iss ?? null)} is not the API key`);
  const now = policy.now?.() ?? Date.now() / 1000;
  const skew = policy.clockSkewSeconds ?? CLOCK_SKEW_SECONDS;
  const maxLifetime = (policy.maxLifetimeSeconds ?? LIVEKIT_TOKEN_LIFETIME_SECONDS) + skew;
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return refuse('JWT has no expiry (exp)');
  if (exp < now - skew) return refuse(`JWT expired ${Math.round(now - exp)} s ago`);
  if (exp - now > maxLifetime) return refuse(`JWT is valid for ${Math.round(exp - now)} s more; LiveKit signs for ${policy.maxLifetimeSeconds ?? LIVEKIT_TOKEN_LIFETIME_SECONDS} s`);
  for (const [name, value] of [['nbf', nbf], ['iat', iat]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) return refuse(`JWT ${name} is not a number`);
    if (value > now + skew) return refuse(`JWT ${name} lies ${Math.round(value - now)} s in the future`);
    if (exp - value > maxLifetime) return refuse(`JWT lifetime ${Math.round(exp - value)} s (from ${name}) exceeds ${maxLifetime} s`);
  }
  if (typeof claims.sha256 !== 'string' || claims.sha256.length === 0) return refuse('JWT has no sha256 claim for the body');
  return { ok: true, token: { sha256: claims.sha256, issuer: policy.apiKey, expiresAt: exp } };
}

/** True when `body` is the body the token was signed for. */
export function bodyMatchesToken(body: string, token: VerifiedToken): boolean {
  const actual = createHash('sha256').update(body, 'utf8').digest();
  const claimed = Buffer.from(token.sha256, 'base64');
  return claimed.length === actual.length && timingSafeEqual(claimed, actual);
}

function refuse(reason: string): TokenCheck {
  return { ok: false, reason };
}

type JsonObject = Record<string, unknown>;

function decodeJson(part: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
