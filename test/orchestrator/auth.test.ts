import { describe, expect, it } from 'vitest';
import { createHash, createHmac } from 'node:crypto';
import { bodyMatchesToken, verifyWebhookToken } from '../../src/orchestrator/auth.ts';
import { signWebhookBody } from '../../src/orchestrator/signing.ts';
import { API_KEY, API_SECRET, b64, forgeJwt } from './helpers.ts';

const policy = { apiKey: API_KEY, apiSecret: API_SECRET };
const body = '{"event":"room_started"}';
const sha256 = createHash('sha256').update(body).digest('base64');
const now = () => Math.floor(Date.now() / 1000);

const claims = (extra: Record<string, unknown> = {}) => ({ iss: API_KEY, nbf: now(), exp: now() + 300, sha256, ...extra });

describe('verifyWebhookToken', () => {
  it('accepts what livekit-server-sdk signs (as a LiveKit server does: HS256, 5 minutes, nbf now)', async () => {
    const check = verifyWebhookToken(await signWebhookBody(body, API_KEY, API_SECRET), policy);
    expect(check).toMatchObject({ ok: true, token: { sha256, issuer: API_KEY } });
    if (check.ok) expect(bodyMatchesToken(body, check.token)).toBe(true);
    if (check.ok) expect(bodyMatchesToken(`${body} `, check.token)).toBe(false);
  });

  it.each([
    ['alg none', forgeJwt({ alg: 'none', typ: 'JWT' }, claims()), /algorithm "none" is not HS256/],
    ['RS256', forgeJwt({ alg: 'RS256' }, claims()), /algorithm "RS256" is not HS256/],
    ['ES256', forgeJwt({ alg: 'ES256' }, claims()), /algorithm "ES256" is not HS256/],
    ['HS384 with the right secret', forgeJwt({ alg: 'HS384' }, claims()), /algorithm "HS384" is not HS256/],
    ['HS512 with the right secret', forgeJwt({ alg: 'HS512' }, claims()), /algorithm "HS512" is not HS256/],
    ['HS256 with another secret', forgeJwt({ alg: 'HS256' }, claims(), 'another-secret-another-secret-xx'), /signature does not verify/],
    ['a valid signature over other claims', (() => { const [h, , s] = forgeJwt({ alg: 'HS256' }, claims()).split('.'); return `${h}.${b64(claims({ iss: 'x' }))}.${s}`; })(), /signature does not verify/],
    ['a token valid for 10 years', forgeJwt({ alg: 'HS256' }, claims({ exp: now() + 10 * 365 * 86400 })), /valid for \d+ s more; LiveKit signs for 300 s/],
    ['a 10-year lifetime that started long ago', forgeJwt({ alg: 'HS256' }, claims({ nbf: now() - 10 * 365 * 86400, exp: now() + 200 })), /lifetime \d+ s \(from nbf\) exceeds 360 s/],
    ['no exp', forgeJwt({ alg: 'HS256' }, claims({ exp: undefined })), /no expiry/],
    ['an expired token', forgeJwt({ alg: 'HS256' }, claims({ nbf: now() - 400, exp: now() - 100 })), /expired \d+ s ago/],
    ['a token not yet valid', forgeJwt({ alg: 'HS256' }, claims({ nbf: now() + 200, exp: now() + 300 })), /nbf lies \d+ s in the future/],
    ['another issuer', forgeJwt({ alg: 'HS256' }, claims({ iss: 'APIother' })), /issuer "APIother" is not the API key/],
    ['no sha256 claim', forgeJwt({ alg: 'HS256' }, claims({ sha256: undefined })), /no sha256 claim/],
    ['critical headers', forgeJwt({ alg: 'HS256', crit: ['exp'] }, claims()), /critical header/],
    ['a Bearer prefix', `Bearer ${forgeJwt({ alg: 'HS256' }, claims())}`, /not "Bearer <jwt>"/],
    ['two parts', 'abc.def', /not a compact JWT/],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.${b64(claims())}.x`, /header is not a JSON object/],
    ['an oversized header', `${'a'.repeat(5000)}.b.c`, /longer than 4096/],
    ['nothing', undefined, /no Authorization header/],
  ])('refuses %s, saying why', (_name, token, reason) => {
    const check = verifyWebhookToken(token, policy);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('allows the real 5-minute lifetime with a clock up to a minute ahead', () => {
    expect(verifyWebhookToken(forgeJwt({ alg: 'HS256' }, claims({ nbf: now() + 50, exp: now() + 350 })), policy).ok).toBe(true);
    expect(verifyWebhookToken(forgeJwt({ alg: 'HS256' }, claims({ nbf: now() + 90, exp: now() + 390 })), policy).ok).toBe(false);
  });
});

describe('verifyWebhookToken at its limits, on a clock that stands still', () => {
  const t = 1_800_000_000;
  const at = { ...policy, now: () => t };
  const token = (extra: Record<string, unknown>) => forgeJwt({ alg: 'HS256' }, { iss: API_KEY, sha256, nbf: t, exp: t + 300, ...extra });
  const check = (jwt: string | undefined) => {
    const result = verifyWebhookToken(jwt, at);
    return result.ok ? 'ok' : result.reason;
  };
  /** A token signed with the right secret over parts spelled as given. */
  const signedParts = (header: string, payload: string) => `${header}.${payload}.${createHmac('sha256', API_SECRET).update(`${header}.${payload}`).digest('base64url')}`;

  it('allows a minute of clock skew on each side, and the real lifetime plus that minute, not a second more', () => {
    expect(check(token({ exp: t - 60, nbf: t - 300 }))).toBe('ok');
    expect(check(token({ exp: t - 61, nbf: t - 301 }))).toBe('JWT expired 61 s ago');
    expect(check(token({ exp: t + 360, nbf: t }))).toBe('ok');
    expect(check(token({ exp: t + 361, nbf: undefined }))).toBe('JWT is valid for 361 s more; LiveKit signs for 300 s');
    expect(check(token({ nbf: t + 60, exp: t + 360 }))).toBe('ok');
    expect(check(token({ nbf: t + 61, exp: t + 360 }))).toBe('JWT nbf lies 61 s in the future');
    expect(check(token({ iat: t + 61, nbf: undefined, exp: t + 300 }))).toBe('JWT iat lies 61 s in the future');
    expect(check(token({ nbf: t - 60, exp: t + 300 }))).toBe('ok');
    expect(check(token({ nbf: t - 61, exp: t + 300 }))).toBe('JWT lifetime 361 s (from nbf) exceeds 360 s');
  });

  it('takes only numbers for the times (JSON has no other), and a non-empty sha256', () => {
    expect(check(token({ exp: String(t + 300) }))).toBe('JWT has no expiry (exp)');
    expect(check(token({ nbf: String(t) }))).toBe('JWT nbf is not a number');
    expect(check(token({ iat: null }))).toBe('JWT iat is not a number');
    expect(check(token({ sha256: '' }))).toBe('JWT has no sha256 claim for the body');
  });

  it('takes a header of exactly 4096 characters to the next check, and refuses one character more', () => {
    expect(check('a'.repeat(4094) + '.b')).toBe('Authorization is not a compact JWT');
    expect(check('a'.repeat(4095) + '.b')).toBe('Authorization header longer than 4096 characters');
  });

  it('refuses, without throwing, JWT parts that are not base64url (padding, +, /) even when signed right', () => {
    const claimsJson = JSON.stringify({ iss: API_KEY, sha256, nbf: t, exp: t + 300 });
    const header = b64({ alg: 'HS256', typ: 'JWT' });
    expect(check(signedParts(header, b64(JSON.parse(claimsJson))))).toBe('ok');
    expect(check(signedParts(header, Buffer.from(claimsJson).toString('base64')))).toBe('Authorization is not a compact JWT');
    expect(check(signedParts(`${header}=`, b64(JSON.parse(claimsJson))))).toBe('Authorization is not a compact JWT');
  });

  it('refuses, without throwing, a signature of the wrong length and header or claims that are JSON but not an object', () => {
    const [h, p] = token({}).split('.');
    expect(check(`${h}.${p}.`)).toBe('JWT signature does not verify with the API secret');
    expect(check(`${h}.${p}.c2hvcnQ`)).toBe('JWT signature does not verify with the API secret');
    for (const header of [null, 5, 'HS256', [{ alg: 'HS256' }]]) expect(check(`${b64(header)}.${p}.x`), JSON.stringify(header)).toBe('JWT header is not a JSON object');
    for (const claims of [null, 5, [API_KEY]]) expect(check(signedParts(b64({ alg: 'HS256' }), b64(claims))), JSON.stringify(claims)).toBe('JWT claims are not a JSON object');
  });
});

describe('bodyMatchesToken', () => {
  it('is false, without throwing, for a sha256 claim that is not 32 bytes', () => {
    const token = { sha256: Buffer.from('short').toString('base64'), issuer: API_KEY, expiresAt: 0 };
    expect(bodyMatchesToken(body, token)).toBe(false);
    expect(bodyMatchesToken(body, { ...token, sha256 })).toBe(true);
  });
});
