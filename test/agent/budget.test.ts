/**
 * The deployment's Azure session budget: the share each agent takes of it (from the environment)
 * and how the rooms of one process hold and give back sessions of that share.
 */
import { describe, expect, it } from 'vitest';
import { agentBudgetFromEnv, BudgetEnv, BudgetSettingError, SessionBudget } from '../../src/agent/budget.ts';
import { SpeechResourceError } from '../../src/common/azure-resource.ts';

describe('SessionBudget', () => {
  it('takes a whole number >= 0 as its limit and refuses anything else with a RangeError naming the value', () => {
    expect(new SessionBudget(0).limit).toBe(0);
    expect(new SessionBudget(7).limit).toBe(7);
    expect(() => new SessionBudget(-1)).toThrow(new RangeError('a session budget must be a whole number >= 0, got -1'));
    expect(() => new SessionBudget(1.5)).toThrow(new RangeError('a session budget must be a whole number >= 0, got 1.5'));
    expect(() => new SessionBudget(Number.NaN)).toThrow(RangeError);
  });

  it('gives an owner the limit less what the other owners hold, its own holding included in what it may keep', () => {
    const budget = new SessionBudget(5);
    const a = {};
    const b = {};
    expect(budget.freeFor(a)).toBe(5);
    expect(budget.inUse).toBe(0);
    budget.hold(a, 2);
    expect(budget.inUse).toBe(2);
    expect(budget.freeFor(a)).toBe(5);
    expect(budget.freeFor(b)).toBe(3);
    budget.hold(b, 3);
    expect(budget.inUse).toBe(5);
    expect(budget.freeFor(a)).toBe(2);
    expect(budget.freeFor(b)).toBe(3);
    expect(budget.freeFor({})).toBe(0);
  });

  it('never answers less than 0, even when the others hold more than the limit', () => {
    const budget = new SessionBudget(2);
    const a = {};
    budget.hold(a, 3);
    expect(budget.freeFor({})).toBe(0);
    expect(budget.freeFor(a)).toBe(2);
  });

  it('replaces what an owner held (not adds to it), and 0 releases it', () => {
    const budget = new SessionBudget(10);
    const a = {};
    const b = {};
    budget.hold(a, 4);
    budget.hold(a, 6);
    expect(budget.inUse).toBe(6);
    budget.hold(b, 1);
    budget.hold(a, 0);
    expect(budget.inUse).toBe(1);
    expect(budget.freeFor(b)).toBe(10);
    expect(budget.freeFor(a)).toBe(9);
    // Releasing again, or an owner that never held anything, changes nothing.
    budget.hold(a, 0);
    budget.hold({}, 0);
    expect(budget.inUse).toBe(1);
  });

  it('tells every subscriber when an owner holds fewer than before, and only then', () => {
    const budget = new SessionBudget(10);
    const a = {};
    const calls: string[] = [];
    budget.onFreed(() => calls.push('first'));
    budget.onFreed(() => calls.push('second'));
    budget.hold(a, 3);
    budget.hold(a, 3);
    budget.hold(a, 4);
    expect(calls).toEqual([]);
    budget.hold(a, 2);
    expect(calls).toEqual(['first', 'second']);
    budget.hold(a, 0);
    expect(calls).toEqual(['first', 'second', 'first', 'second']);
  });

  it('stops telling a subscriber once it unsubscribed; the unsubscribe says whether it was subscribed', () => {
    const budget = new SessionBudget(10);
    const a = {};
    let told = 0;
    const unsubscribe = budget.onFreed(() => told++);
    budget.hold(a, 2);
    budget.hold(a, 1);
    expect(told).toBe(1);
    expect(unsubscribe()).toBe(true);
    expect(unsubscribe()).toBe(false);
    budget.hold(a, 0);
    expect(told).toBe(1);
  });

  it('tells the subscribers of the moment of the release: one added while they are told waits for the next', () => {
    const budget = new SessionBudget(10);
    const a = {};
    const calls: string[] = [];
    budget.onFreed(() => {
      calls.push('first');
      if (calls.length === 1) budget.onFreed(() => calls.push('late'));
    });
    budget.hold(a, 2);
    budget.hold(a, 1);
    expect(calls).toEqual(['first']);
    budget.hold(a, 0);
    expect(calls).toEqual(['first', 'first', 'late']);
  });
});

describe('agentBudgetFromEnv', () => {
  it('names the variables it reads', () => {
    expect(BudgetEnv).toEqual({ total: 'AZURE_SPEECH_SESSION_BUDGET', agents: 'AZURE_SPEECH_BUDGET_AGENTS', maxAgents: 'INTERPRETER_MAX_AGENTS' });
  });

  it('is undefined when no total is set, also when it is empty or blank', () => {
    expect(agentBudgetFromEnv({})).toBeUndefined();
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '' })).toBeUndefined();
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '   ', AZURE_SPEECH_BUDGET_AGENTS: 'x' })).toBeUndefined();
    expect(agentBudgetFromEnv({ AZURE_SPEECH_BUDGET_AGENTS: '4' })).toBeUndefined();
  });

  it('is the total over the agents, rounded down; blanks around the numbers do not matter', () => {
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', AZURE_SPEECH_BUDGET_AGENTS: '8' })).toBe(12);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: ' 10 ', AZURE_SPEECH_BUDGET_AGENTS: ' 3 ' })).toBe(3);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '4', AZURE_SPEECH_BUDGET_AGENTS: '8' })).toBe(0);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '0', AZURE_SPEECH_BUDGET_AGENTS: '1' })).toBe(0);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '7', AZURE_SPEECH_BUDGET_AGENTS: '1' })).toBe(7);
  });

  it("divides by the orchestrator's bound when the agents are not set (or blank), and prefers the agents when both are", () => {
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', INTERPRETER_MAX_AGENTS: '20' })).toBe(5);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', AZURE_SPEECH_BUDGET_AGENTS: ' ', INTERPRETER_MAX_AGENTS: '25' })).toBe(4);
    expect(agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100', AZURE_SPEECH_BUDGET_AGENTS: '10', INTERPRETER_MAX_AGENTS: '20' })).toBe(10);
  });

  it('refuses a total without agents, saying which variables to set', () => {
    const error = catchError(() => agentBudgetFromEnv({ AZURE_SPEECH_SESSION_BUDGET: '100' }));
    expect(error).toBeInstanceOf(BudgetSettingError);
    expect(error.message).toBe(
      'AZURE_SPEECH_SESSION_BUDGET is set but neither AZURE_SPEECH_BUDGET_AGENTS nor INTERPRETER_MAX_AGENTS is: set one to the most agents (rooms) that run at once, so each takes AZURE_SPEECH_SESSION_BUDGET / agents',
    );
  });

  it.each([
    ['lots', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['-1', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['1.5', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['x12', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['12x', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['1 2', 'AZURE_SPEECH_SESSION_BUDGET', 0],
    ['0', 'AZURE_SPEECH_BUDGET_AGENTS', 1],
    ['two', 'AZURE_SPEECH_BUDGET_AGENTS', 1],
    ['0', 'INTERPRETER_MAX_AGENTS', 1],
    ['3a', 'INTERPRETER_MAX_AGENTS', 1],
  ] as const)('refuses %j in %s: a whole number >= %d', (value, name, min) => {
    const env: NodeJS.ProcessEnv = { AZURE_SPEECH_SESSION_BUDGET: '10', [name]: ` ${value} ` };
    if (name === 'AZURE_SPEECH_SESSION_BUDGET') env.AZURE_SPEECH_BUDGET_AGENTS = '2';
    const error = catchError(() => agentBudgetFromEnv(env));
    expect(error).toBeInstanceOf(BudgetSettingError);
    expect(error).toBeInstanceOf(SpeechResourceError);
    expect(error.name).toBe('BudgetSettingError');
    expect(error.message).toBe(`${name} must be a whole number >= ${min}, got "${value}"`);
  });
});

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-error: ${String(error)}`);
  }
  throw new Error('did not throw');
}
