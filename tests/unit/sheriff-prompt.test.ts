import { describe, expect, it } from 'vitest';
import { SHERIFF_SYSTEM_PROMPT } from '../../src/agents/personas.js';
import { buildSheriffPrompt, type SheriffPromptInput } from '../../src/agents/sheriff-prompt.js';
import { PromptTokenEstimator } from '../../src/agents/token-estimate.js';
import type { TaskSpec } from '../../src/task/task-schema.js';

const TASK: TaskSpec = {
  name: 'primes',
  description: 'Print the first 10 prime numbers, one per line.',
  constraints: ['Use only the standard library'],
  check: 'python main.py',
  files: [],
};

const DIFF = 'diff --git a/main.py b/main.py\n--- a/main.py\n+++ b/main.py\n@@ -1 +1 @@\n-print(1)\n+print(2)\n';

const base: SheriffPromptInput = {
  task: TASK,
  checkCommand: 'python main.py',
  diff: DIFF,
  exitCode: 0,
  timedOut: false,
  output: '2\n3\n5\n7\n11\n13\n17\n19\n23\n29\n',
  maxPromptTokens: 6000,
};

const userText = (input: SheriffPromptInput): string => buildSheriffPrompt(input, new PromptTokenEstimator())[1]?.content ?? '';

describe('buildSheriffPrompt', () => {
  it('sends a system message naming the Sheriff and one user message, never the conversation', () => {
    const messages = buildSheriffPrompt(base, new PromptTokenEstimator());
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toBe(SHERIFF_SYSTEM_PROMPT);
    const firstLine = SHERIFF_SYSTEM_PROMPT.split('\n')[0] ?? '';
    expect(firstLine).toMatch(/\bSheriff\b/);
    expect(firstLine).not.toMatch(/Coder/);
    expect(SHERIFF_SYSTEM_PROMPT).toContain('VERDICT: PASS or VERDICT: FAIL');
  });

  it("gives the task and its constraints (the seed's Sheriff never saw them)", () => {
    const text = userText(base);
    expect(text).toContain(TASK.description);
    expect(text).toContain('- Use only the standard library');
    expect(text).toContain('python main.py');
  });

  it("gives this attempt's diff, the exit code and the output", () => {
    const text = userText(base);
    expect(text).toContain(DIFF.trimEnd());
    expect(text).toContain('The check exited with code 0.');
    expect(text).toContain('2\n3\n5\n7\n11');
    expect(text).toMatch(/VERDICT: PASS or VERDICT: FAIL$/);
  });

  it('says when the check failed, timed out or was killed by a signal', () => {
    expect(userText({ ...base, exitCode: 1 })).toContain('The check exited with code 1.');
    expect(userText({ ...base, exitCode: null, timedOut: true })).toContain('exceeded the execution timeout');
    expect(userText({ ...base, exitCode: null })).toContain('none (killed by a signal)');
  });

  it('says when there was no change or no output', () => {
    const text = userText({ ...base, diff: '', output: '' });
    expect(text).toContain('(no change)');
    expect(text).toContain('(no output)');
  });

  it('asks again for a verdict line when re-asking', () => {
    expect(userText({ ...base, reask: true })).toContain('Your previous reply had no verdict line');
    expect(userText(base)).not.toContain('previous reply');
  });

  it("stays under max_prompt_tokens with a huge diff and output, keeping the output's end", () => {
    const diff = Array.from({ length: 2000 }, (_, i) => `+line ${i} ${'d'.repeat(50)}`).join('\n');
    const output = `${Array.from({ length: 2000 }, (_, i) => `out ${i} ${'o'.repeat(50)}`).join('\n')}\nAssertionError: expected 29, got 27`;
    for (const maxPromptTokens of [6000, 2000, 800]) {
      const estimator = new PromptTokenEstimator();
      const messages = buildSheriffPrompt({ ...base, diff, output, exitCode: 1, maxPromptTokens }, estimator);
      const text = messages[1]?.content ?? '';
      expect(estimator.estimate(messages)).toBeLessThanOrEqual(maxPromptTokens);
      expect(text).toContain(TASK.description);
      expect(text).toContain('The check exited with code 1.');
      expect(text).toContain('AssertionError: expected 29, got 27');
    }
  });

  it('cuts the diff before the output', () => {
    const diff = Array.from({ length: 400 }, (_, i) => `+line ${i} ${'d'.repeat(50)}`).join('\n');
    const output = Array.from({ length: 40 }, (_, i) => `out ${i}`).join('\n');
    const text = userText({ ...base, diff, output, maxPromptTokens: 3000 });
    expect(text).toContain('+line 0 ');
    expect(text).not.toContain('+line 399 ');
    expect(text).toContain(output);
  });

  it('puts what every attempt shares first (the task, the tests’ run on the base), what this attempt changed after it (#17)', () => {
    const acceptance = { files: ['test_primes.py'], baseExitCode: 1, baseTimedOut: false, baseOutput: 'AssertionError\n', changedNow: [] };
    const first = userText({ ...base, acceptance, diff: DIFF, exitCode: 1, output: 'Traceback: one\n' });
    const second = userText({ ...base, acceptance, diff: DIFF.replace('print(2)', 'print(3)'), exitCode: 0, output: '2\n3\n' });
    let shared = 0;
    while (shared < first.length && first[shared] === second[shared]) shared++;
    const prefix = first.slice(0, shared);
    expect(prefix).toContain(TASK.description);
    expect(prefix).toContain('the failing run on the base');
    expect(prefix).toContain('AssertionError');
    expect(first.indexOf('the failing run on the base')).toBeLessThan(first.indexOf('diff --git'));
  });
});
