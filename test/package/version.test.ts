import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PLUGIN_PACKAGE, PLUGIN_VERSION } from '../../src/azure/plugin.ts';

const manifest = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('package manifests', () => {
  it('the plugin registers under its package name and the version both packages publish', () => {
    const plugin = manifest('../../packages/azure/package.json');
    const product = manifest('../../package.json');
    expect(plugin.name).toBe(PLUGIN_PACKAGE);
    expect(plugin.version).toBe(PLUGIN_VERSION);
    expect(product.version).toBe(PLUGIN_VERSION);
  });

  it('the plugin peers on the framework and rtc-node versions the product is built with', () => {
    const plugin = manifest('../../packages/azure/package.json') as { peerDependencies: Record<string, string>; dependencies: Record<string, string> };
    const product = manifest('../../package.json') as { dependencies: Record<string, string> };
    const minor = (version: string) => version.replace(/^[\^~]/, '').split('.').slice(0, 2).join('.');
    expect(minor(plugin.peerDependencies['@livekit/agents']!)).toBe(minor(product.dependencies['@livekit/agents']!));
    expect(minor(plugin.peerDependencies['@livekit/rtc-node']!)).toBe(minor(product.dependencies['@livekit/rtc-node']!));
    expect(minor(plugin.dependencies['microsoft-cognitiveservices-speech-sdk']!)).toBe(minor(product.dependencies['microsoft-cognitiveservices-speech-sdk']!));
  });
});
