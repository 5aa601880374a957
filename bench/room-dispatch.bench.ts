/**
 * `interpreter bench room-dispatch`: `bench room` with a warm `interpreter worker` taking the room
 * by explicit dispatch (what `npm start` runs) instead of a process per room.
 */
process.env.BENCH_ROOM_LAUNCHER = 'dispatch';
await import('./room.bench.ts');
