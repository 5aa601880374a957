/**
 * `lk-interpreter`: the main entry is the plugin, as for every LiveKit Agents plugin package.
 * The rest of the product has its own entry points so each import loads only what it needs:
 * `lk-interpreter/profiles`, `lk-interpreter/orchestrator`, `lk-interpreter/emulator`.
 */
export * from './azure/index.ts';
