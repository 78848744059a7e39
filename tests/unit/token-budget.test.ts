import { describe, expect, it } from 'vitest';
import { TokenBudget } from '../../src/sessions/token-budget.js';

describe('TokenBudget', () => {
  it('starts empty', () => {
    const budget = new TokenBudget(100_000, 8192);
    expect(budget.used).toBe(0);
    expect(budget.totals()).toEqual({ prompt: 0, completion: 0 });
  });

  it('gives max_tokens_per_turn while plenty is left', () => {
    expect(new TokenBudget(100_000, 8192).nextMaxTokens(3000)).toBe(8192);
  });

  it('caps max_tokens to what remains after the prompt', () => {
    const budget = new TokenBudget(10_000, 8192);
    budget.charge({ promptTokens: 3000, completionTokens: 2000 }, 2900, 'ignored');
    expect(budget.used).toBe(5000);
    expect(budget.nextMaxTokens(3000)).toBe(2000);
    expect(budget.nextMaxTokens(0)).toBe(5000);
  });

  it('is null when the budget cannot pay for a useful answer', () => {
    const budget = new TokenBudget(10_000, 8192);
    budget.charge({ promptTokens: 6000, completionTokens: 3990 }, 0, '');
    expect(budget.nextMaxTokens(0)).toBeNull(); // 10 left
    expect(new TokenBudget(1000, 8192).nextMaxTokens(990)).toBeNull();
    expect(new TokenBudget(1000, 8192).nextMaxTokens(2000)).toBeNull();
  });

  it('is null once the budget is spent or overspent', () => {
    const budget = new TokenBudget(1000, 8192);
    budget.charge({ promptTokens: 900, completionTokens: 300 }, 0, '');
    expect(budget.used).toBe(1200);
    expect(budget.nextMaxTokens(0)).toBeNull();
  });

  it('still allows a small answer at the edge', () => {
    expect(new TokenBudget(1000, 8192).nextMaxTokens(984)).toBe(16);
  });

  it("sums the server's real usage, not the estimates", () => {
    const budget = new TokenBudget(100_000, 8192);
    budget.charge({ promptTokens: 1234, completionTokens: 567 }, 9999, 'x'.repeat(10_000));
    budget.charge({ promptTokens: 1000, completionTokens: 33 }, 1, '');
    expect(budget.totals()).toEqual({ prompt: 2234, completion: 600 });
    expect(budget.used).toBe(2834);
  });

  it('charges estimates when the server sends no usage', () => {
    const budget = new TokenBudget(100_000, 8192);
    budget.charge(null, 1500, 'x'.repeat(401));
    expect(budget.totals()).toEqual({ prompt: 1500, completion: 101 });
    budget.charge(null, 0, '');
    expect(budget.used).toBe(1601);
  });

  it("runs out over a session of turns (the seed's budget never triggered)", () => {
    const budget = new TokenBudget(20_000, 8192);
    let turns = 0;
    for (;;) {
      const maxTokens = budget.nextMaxTokens(4000);
      if (maxTokens === null) break;
      expect(maxTokens).toBeLessThanOrEqual(8192);
      expect(budget.used + 4000 + maxTokens).toBeLessThanOrEqual(20_000);
      budget.charge({ promptTokens: 4000, completionTokens: Math.min(maxTokens, 3000) }, 4000, '');
      turns += 1;
      expect(turns).toBeLessThan(10);
    }
    expect(turns).toBe(3);
  });
});
