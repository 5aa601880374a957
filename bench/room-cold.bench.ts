/**
 * `interpreter bench room-cold`: `bench room` with the local launcher starting each room's agent
 * process when the room starts (`serve --warm-agents 0`), instead of handing the room to the warm
 * agent serve keeps loaded: what a room waits for a process start and the plugin's imports.
 */
process.env.BENCH_ROOM_WARM_AGENTS = '0';
await import('./room.bench.ts');
