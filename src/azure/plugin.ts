/**
 * Registration with the agents framework, as LiveKit's own plugins do it: importing the plugin
 * adds it to `Plugin.registeredPlugins` (what `download-files` and the worker's logs read).
 */
import { Plugin } from '@livekit/agents';

/** Kept equal to both packages' `version` by a test (`test/package/version.test.ts`). */
export const PLUGIN_VERSION = '0.1.0';
export const PLUGIN_PACKAGE = 'lk-interpreter-azure';

class LiveInterpreterPlugin extends Plugin {
  constructor() {
    super({ title: 'azure-live-interpreter', version: PLUGIN_VERSION, package: PLUGIN_PACKAGE });
  }
}

// Two copies of the plugin code in one process (both `lk-interpreter` and `lk-interpreter-azure`
// installed) must not register twice.
if (!Plugin.registeredPlugins.some((p) => p.title === 'azure-live-interpreter')) {
  Plugin.registerPlugin(new LiveInterpreterPlugin());
}
