import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
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
