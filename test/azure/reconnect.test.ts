import { CancellationErrorCode } from 'microsoft-cognitiveservices-speech-sdk';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyCancellation } from '../../src/azure/reconnect.ts';

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
