import { describe, expect, it } from 'vitest';
import { ExposureError, isLoopbackAddress, refuseDevKeysOffLoopback } from '../../src/local/exposure.ts';

describe('the public dev key pair off loopback', () => {
  it('knows loopback addresses in every spelling', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackAddress(address), address).toBe(true);
    for (const address of ['0.0.0.0', '::', '10.200.0.1', '192.168.1.2', 'fe80::1', 'example.com']) expect(isLoopbackAddress(address), address).toBe(false);
  });

  it('is refused on any other address, names the flag, and only warns with it', () => {
    const dev = { devkey: 'secret' };
    expect(() => refuseDevKeysOffLoopback(['127.0.0.1', '::1'], dev, { allow: false, what: 'x', flag: '--expose' })).not.toThrow();
    expect(() => refuseDevKeysOffLoopback(['0.0.0.0'], { mine: 'a-long-secret' }, { allow: false, what: 'x', flag: '--expose' })).not.toThrow();
    expect(() => refuseDevKeysOffLoopback(['127.0.0.1', '0.0.0.0'], dev, { allow: false, what: 'x', flag: '--expose' })).toThrow(ExposureError);
    expect(() => refuseDevKeysOffLoopback(['0.0.0.0'], dev, { allow: false, what: 'x', flag: '--expose' })).toThrow(/--expose/);
    const warnings: string[] = [];
    refuseDevKeysOffLoopback(['0.0.0.0'], dev, { allow: true, what: 'x', flag: '--expose', warn: (line) => warnings.push(line) });
    expect(warnings).toEqual([expect.stringMatching(/^warning: .*0\.0\.0\.0.*--expose/)]);
  });
});
