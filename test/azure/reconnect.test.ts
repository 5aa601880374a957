import { CancellationErrorCode } from 'microsoft-cognitiveservices-speech-sdk';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyCancellation, describeFailure } from '../../src/azure/reconnect.ts';

describe('reconnect policy', () => {
  it('classifies what the SDK reports when it gives up', () => {
    const refused = (status: number) => `Unable to contact server. StatusCode: 1006, ws://127.0.0.1:1/speech/universal/v2 Reason: Unexpected server response: ${status}`;
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, refused(401))).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, refused(403))).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, refused(429))).toBe('throttled');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, refused(503))).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.AuthenticationFailure, '')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.TooManyRequests, '')).toBe('throttled');
    expect(classifyCancellation(CancellationErrorCode.BadRequestParameters, 'websocket error code: 1007')).toBe('bad_request');
    expect(classifyCancellation(CancellationErrorCode.ServiceError, 'internal error')).toBe('transient');
  });

  it('backs off exponentially with jitter, capped, and harder when throttled', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, 'transient', policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, 'transient', policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 'transient', policy, () => 1)).toBe(400);
    expect(backoffDelayMs(10, 'transient', policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(1, 'throttled', policy, () => 1)).toBe(400);
  });
});

describe('reconnect policy: what the SDK reports as text', () => {
  it('finds the HTTP status of a refused upgrade, with or without the colon, in any case', () => {
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'unexpected SERVER RESPONSE 403')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'Unexpected server response:429')).toBe('throttled');
    // Not a status: a longer number that starts with one.
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response: 4011')).toBe('transient');
    // A status named elsewhere in the text counts when there is no "server response".
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'HTTP 401 Unauthorized')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'status 429 from gateway')).toBe('throttled');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'code 14290')).toBe('transient');
    // The explicit response status wins over another number in the message.
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'retry 429: server response: 503')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.Forbidden, '')).toBe('auth');
  });

  it('says what failed, where, and for credentials which settings to check', () => {
    const endpoint = new URL('wss://westeurope.stt.speech.microsoft.com/speech/universal/v2');
    const auth = describeFailure('auth', endpoint, 'Unexpected server response: 401');
    expect(auth).toContain('westeurope.stt.speech.microsoft.com');
    expect(auth).toContain('AZURE_SPEECH_KEY');
    expect(auth).toContain('AZURE_SPEECH_REGION');
    expect(auth).toContain('(Unexpected server response: 401)');
    expect(describeFailure('throttled', endpoint, 'slow down')).toBe('Azure Speech is throttling this resource (429) at westeurope.stt.speech.microsoft.com: slow down');
    expect(describeFailure('bad_request', endpoint, '1007')).toBe('Azure Speech refused the request (bad parameters) at westeurope.stt.speech.microsoft.com: 1007');
    expect(describeFailure('transient', endpoint, 'reset')).toBe('connection to Azure Speech at westeurope.stt.speech.microsoft.com failed: reset');
  });

  it('keeps the first retry at the initial delay and rounds to whole milliseconds', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 101, maxDelayMs: 10_000 };
    expect(backoffDelayMs(1, 'transient', policy, () => 0.5)).toBe(76); // 50.5 + 25.25
    expect(backoffDelayMs(2, 'transient', policy, () => 0)).toBe(101);
    expect(backoffDelayMs(2, 'auth', policy, () => 0)).toBe(101);
  });
});

describe('reconnect policy: precedence and exact values', () => {
  it('trusts the SDK error code before the text', () => {
    expect(classifyCancellation(CancellationErrorCode.TooManyRequests, 'Unexpected server response: 401')).toBe('throttled');
    expect(classifyCancellation(CancellationErrorCode.BadRequestParameters, 'Unexpected server response: 429')).toBe('bad_request');
    expect(classifyCancellation(CancellationErrorCode.AuthenticationFailure, 'Unexpected server response: 429')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, '')).toBe('transient');
  });

  it('reads the status right after "server response", and only then looks for a status elsewhere', () => {
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'Server Response401')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response:   429 Too Many')).toBe('throttled');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response: 200, then 401')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response:  503 (after a 401)')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response503 (after a 401)')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'forbidden (403)')).toBe('auth');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'E403x')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'port 4290')).toBe('transient');
    expect(classifyCancellation(CancellationErrorCode.ConnectionFailure, 'server response: 404')).toBe('transient');
  });

  it('starts throttled back-off two doublings along, under the same cap', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(2, 'throttled', policy, () => 0)).toBe(400);
    expect(backoffDelayMs(3, 'throttled', policy, () => 1)).toBe(1000);
    expect(backoffDelayMs(4, 'transient', policy, () => 1)).toBe(800);
    expect(backoffDelayMs(5, 'transient', policy, () => 0)).toBe(500);
    expect(backoffDelayMs(1, 'bad_request', policy, () => 0.25)).toBe(63);
  });

  it('uses Math.random for the jitter by default: between half the ceiling and the ceiling', () => {
    const policy = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 1000 };
    for (let i = 0; i < 20; i++) {
      const delay = backoffDelayMs(1, 'transient', policy);
      expect(delay).toBeGreaterThanOrEqual(500);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });

  it('spells out the credentials message', () => {
    const endpoint = new URL('ws://127.0.0.1:9/speech');
    expect(describeFailure('auth', endpoint, 'x')).toBe(
      'Azure Speech rejected the credentials for 127.0.0.1:9: check that AZURE_SPEECH_KEY (option `key`) belongs to a Speech resource in the region AZURE_SPEECH_REGION (option `region`) or endpoint you configured (x)',
    );
  });
});
