import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/orchestrator/config.ts';
import { PoolEnv, activeRooms, desiredTasks, poolSettings, poolSizingProblems, type PoolSizing } from '../../src/orchestrator/pool-sizing.ts';
import { testProfile } from './helpers.ts';

const sizing: PoolSizing = { minTasks: 1, maxTasks: 5, roomsPerTask: 2, bufferRooms: 2 };

describe('desiredTasks: clamp(ceil((active rooms + buffer) / rooms per task), min, max)', () => {
  it('keeps the buffer free: no room still wants ceil(buffer / rooms per task) tasks', () => {
    expect(desiredTasks(0, sizing)).toBe(1);
    expect(desiredTasks(0, { ...sizing, bufferRooms: 3 })).toBe(2);
  });

  it('rounds up: a room more than fits adds a task', () => {
    expect(desiredTasks(1, sizing)).toBe(2); // (1 + 2) / 2 = 1.5
    expect(desiredTasks(2, sizing)).toBe(2); // (2 + 2) / 2 = 2
    expect(desiredTasks(3, sizing)).toBe(3);
  });

  it('never goes below min (even with no buffer) nor above max', () => {
    expect(desiredTasks(0, { ...sizing, bufferRooms: 0, minTasks: 2 })).toBe(2);
    expect(desiredTasks(0, { ...sizing, bufferRooms: 0, minTasks: 0 })).toBe(0);
    expect(desiredTasks(100, sizing)).toBe(5);
  });

  it('one room per task: one task per room plus the buffer', () => {
    expect(desiredTasks(4, { minTasks: 0, maxTasks: 50, roomsPerTask: 1, bufferRooms: 1 })).toBe(5);
  });

  it('refuses a negative or fractional room count and unusable sizing', () => {
    expect(() => desiredTasks(-1, sizing)).toThrow(/whole number/);
    expect(() => desiredTasks(1.5, sizing)).toThrow(/whole number/);
    expect(() => desiredTasks(1, { ...sizing, roomsPerTask: 0 })).toThrow(/roomsPerTask/);
    expect(() => desiredTasks(1, { ...sizing, minTasks: 6 })).toThrow(/minTasks \(6\) is above maxTasks \(5\)/);
    expect(() => desiredTasks(1, { ...sizing, roomsPerTask: 0, bufferRooms: -1 })).toThrow('pool sizing: roomsPerTask must be a whole number of at least 1 (got 0); bufferRooms must be a whole number of at least 0 (got -1)');
  });

  it('a fixed pool (min = max) is usable', () => {
    expect(poolSizingProblems({ ...sizing, minTasks: 5, maxTasks: 5 })).toEqual([]);
    expect(desiredTasks(0, { ...sizing, minTasks: 5, maxTasks: 5 })).toBe(5);
  });
});

describe('poolSizingProblems', () => {
  it('names each bad value', () => {
    expect(poolSizingProblems(sizing)).toEqual([]);
    expect(poolSizingProblems({ minTasks: -1, maxTasks: 0, roomsPerTask: 0.5, bufferRooms: -2 })).toEqual([
      'minTasks must be a whole number of at least 0 (got -1)',
      'maxTasks must be a whole number of at least 1 (got 0)',
      'roomsPerTask must be a whole number of at least 1 (got 0.5)',
      'bufferRooms must be a whole number of at least 0 (got -2)',
    ]);
  });

  it('compares min and max only once both are whole numbers (no follow-on complaint)', () => {
    expect(poolSizingProblems({ ...sizing, minTasks: 2.5, maxTasks: 2 })).toEqual(['minTasks must be a whole number of at least 0 (got 2.5)']);
  });
});

describe('activeRooms', () => {
  it('counts only rooms a profile matches', () => {
    const profiles = [testProfile('board', ['board-*'])];
    expect(activeRooms([{ name: 'board-q3' }, { name: 'board-q4', metadata: '' }, { name: 'lobby' }], profiles)).toBe(2);
    expect(activeRooms([], profiles)).toBe(0);
  });

  it('counts rooms a profile matches by their metadata', () => {
    const profiles = [{ ...testProfile('exec', []), match: { rooms: [], metadata: { tier: 'exec' } } }];
    expect(activeRooms([{ name: 'a', metadata: '{"tier":"exec"}' }, { name: 'b', metadata: '{"tier":"team"}' }, { name: 'c' }], profiles)).toBe(1);
  });
});

describe('poolSettings (the Lambda environment)', () => {
  const env = { [PoolEnv.cluster]: 'interp', [PoolEnv.service]: 'arn:aws:ecs:eu-west-1:123456789012:service/interp/workers' };

  it('reads the stack settings, with defaults for the numbers', () => {
    expect(poolSettings({ ...env, [PoolEnv.minTasks]: '2', [PoolEnv.maxTasks]: '8', [PoolEnv.roomsPerTask]: '3', [PoolEnv.bufferRooms]: '1', [PoolEnv.scaleInIdleMinutes]: '20' })).toEqual({
      cluster: 'interp',
      service: env[PoolEnv.service],
      sizing: { minTasks: 2, maxTasks: 8, roomsPerTask: 3, bufferRooms: 1 },
      scaleInIdleMinutes: 20,
    });
    expect(poolSettings(env).sizing).toEqual({ minTasks: 1, maxTasks: 10, roomsPerTask: 3, bufferRooms: 3 });
  });

  it('says what is missing or wrong', () => {
    expect(() => poolSettings({})).toThrow(ConfigError);
    expect(() => poolSettings({})).toThrow(/needs INTERPRETER_POOL_CLUSTER, INTERPRETER_POOL_SERVICE/);
    expect(() => poolSettings({ ...env, [PoolEnv.maxTasks]: 'ten' })).toThrow(/INTERPRETER_POOL_MAX=ten is not a whole number/);
    expect(() => poolSettings({ ...env, [PoolEnv.minTasks]: '4', [PoolEnv.maxTasks]: '3' })).toThrow(/minTasks \(4\) is above maxTasks \(3\)/);
  });

  it('reads an empty variable as unset, and refuses a negative number', () => {
    expect(poolSettings({ ...env, [PoolEnv.maxTasks]: '', [PoolEnv.scaleInIdleMinutes]: '' })).toMatchObject({ sizing: { maxTasks: 10 }, scaleInIdleMinutes: 15 });
    expect(() => poolSettings({ ...env, [PoolEnv.scaleInIdleMinutes]: '-5' })).toThrow('worker pool settings: INTERPRETER_POOL_SCALE_IN_IDLE_MINUTES=-5 is not a whole number');
  });

  it('names every bad variable in one message, and only those (not what follows from their defaults)', () => {
    expect(() => poolSettings({ ...env, [PoolEnv.maxTasks]: 'ten', [PoolEnv.minTasks]: '12', [PoolEnv.bufferRooms]: '1.5' })).toThrow(
      new ConfigError('worker pool settings: INTERPRETER_POOL_MAX=ten is not a whole number; INTERPRETER_POOL_BUFFER_ROOMS=1.5 is not a whole number'),
    );
  });
});
