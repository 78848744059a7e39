import { describe, expect, it } from 'vitest';
import { buildCoderPrompt, describeTask, type CoderPromptInput } from '../../src/agents/coder-prompt.js';
import { CODER_SYSTEM_PROMPT } from '../../src/agents/personas.js';
import { PromptTokenEstimator } from '../../src/agents/token-estimate.js';
import type { TaskSpec } from '../../src/task/task-schema.js';

const TASK: TaskSpec = {
  name: 'primes',
  description: 'Write a program that prints the first 10 prime numbers, one per line.',
  constraints: ['Use only the standard library', 'Finish in under a second'],
  check: null,
  files: [],
};

const base: CoderPromptInput = {
  task: TASK,
  checkCommand: 'python main.py',
  files: [],
  earlierAttempts: [],
  maxPromptTokens: 6000,
};

const lines = (prefix: string, count: number, width = 60): string =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1} ${'x'.repeat(width)}`).join('\n');

const userText = (input: CoderPromptInput, estimator = new PromptTokenEstimator()): string => {
  const prompt = buildCoderPrompt(input, estimator);
  return prompt.messages[1]?.content ?? '';
};

/** A Coder input whose every section is far larger than any budget. */
const huge: CoderPromptInput = {
  ...base,
  repoMap: lines('map', 500),
  toolAnswers: [{ request: 'READ lib/helpers.py', body: lines('read', 500) }],
  files: [{ path: 'main.py', content: lines('file', 500) }],
  failureTail: `${lines('out', 500)}\nZeroDivisionError: division by zero`,
  sheriffFeedback: lines('feedback', 200),
  earlierAttempts: Array.from(
    { length: 40 },
    (_, i) => `Attempt ${i + 1}: edited main.py; check exited 1; Sheriff FAIL: ${'y'.repeat(80)}`,
  ),
};

describe('buildCoderPrompt: shape', () => {
  it('sends exactly a system message naming the Coder and one user message', () => {
    const prompt = buildCoderPrompt(base, new PromptTokenEstimator());
    expect(prompt.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(prompt.messages[0]?.content).toBe(CODER_SYSTEM_PROMPT);
    const firstLine = CODER_SYSTEM_PROMPT.split('\n')[0] ?? '';
    expect(firstLine).toMatch(/\bCoder\b/);
    expect(firstLine).not.toMatch(/Sheriff/);
  });

  it('explains both edit formats and READ in the system prompt', () => {
    expect(CODER_SYSTEM_PROMPT).toContain('<<<<<<< SEARCH');
    expect(CODER_SYSTEM_PROMPT).toContain('>>>>>>> REPLACE');
    expect(CODER_SYSTEM_PROMPT).toContain('READ ');
  });

  it('gives the task, its constraints and the check command', () => {
    const text = userText(base);
    expect(text).toContain(TASK.description);
    expect(text).toContain('- Use only the standard library');
    expect(text).toContain('- Finish in under a second');
    expect(text).toContain('python main.py');
    expect(text).toContain('Write the code now');
  });

  it('shows a file that holds a fence in a longer fence', () => {
    const text = userText({ ...base, files: [{ path: 'README.md', content: '# Demo\n\n```python\nprint(1)\n```\n' }] });
    expect(text).toContain('README.md\n````\n# Demo\n\n```python\nprint(1)\n```\n````');
  });

  it('shows the current files, and says which do not exist', () => {
    const text = userText({
      ...base,
      files: [
        { path: 'main.py', content: 'print(2)\n' },
        { path: 'util.py', content: null },
      ],
    });
    expect(text).toContain('main.py\n```\nprint(2)\n```');
    expect(text).toContain('util.py: (does not exist)');
  });

  it("shows the Sheriff's feedback, the failure tail and the READ answers", () => {
    const text = userText({
      ...base,
      sheriffFeedback: 'It printed 9 numbers; loop one more time.',
      failureTail: 'Traceback ...\nIndexError: list index out of range',
      toolAnswers: [
        { request: 'READ lib.py', body: 'lib.py (1 lines):\n```\nX = 1\n```' },
        { request: 'SEARCH X', body: '1 matching lines in 1 files:\nlib.py:1: X = 1' },
      ],
      earlierAttempts: ['Attempt 1: edited main.py; check exited 1; Sheriff FAIL: off by one'],
    });
    expect(text).toContain('It printed 9 numbers; loop one more time.');
    expect(text).toContain('IndexError: list index out of range');
    expect(text).toContain(
      '## Answers to your requests\n### READ lib.py\nlib.py (1 lines):\n```\nX = 1\n```\n\n### SEARCH X\n1 matching lines in 1 files:\nlib.py:1: X = 1',
    );
    expect(text).toContain('Fix the problem now');
  });

  it('ends with the correction after a reply with no usable edit', () => {
    const correction = 'Your reply had no file edit. Write the path on a line, then a fenced block.';
    expect(
      userText({ ...base, correction })
        .trimEnd()
        .endsWith(correction),
    ).toBe(true);
  });
});

describe('buildCoderPrompt: no replay of the conversation', () => {
  it('carries one line per earlier attempt, numbered, and never an earlier reply', () => {
    const rawReply = 'main.py\n```python\nfor i in range(10):\n    print(i)\n```\nThis prints ten numbers.';
    const history = [
      'Attempt 1: edited main.py; check exited 1; Sheriff FAIL: prints 0..9, not primes',
      'Attempt 2: edited main.py; check exited 0; Sheriff FAIL: 9 is not prime',
      'Attempt 3: no usable edit.',
    ];
    const prompt = buildCoderPrompt(
      { ...base, files: [{ path: 'main.py', content: 'print(2)\n' }], earlierAttempts: history },
      new PromptTokenEstimator(),
    );
    const text = prompt.messages.map((m) => m.content).join('\n');
    expect(prompt.messages.some((m) => m.role === 'assistant')).toBe(false);
    expect(text).not.toContain(rawReply);
    expect(text).not.toContain('This prints ten numbers.');
    const historySection = text.split('## Earlier attempts\n')[1]?.split('\n\n')[0] ?? '';
    expect(historySection.split('\n')).toEqual(history.map((line, i) => `${i + 1}. ${line}`));
  });

  it('has no history section on the first attempt', () => {
    expect(userText(base)).not.toContain('Earlier attempts');
  });
});

describe('buildCoderPrompt: staying under max_prompt_tokens', () => {
  it.each([20_000, 6000, 3000, 1500, 800])('keeps huge files and output under %i tokens', (maxPromptTokens) => {
    const estimator = new PromptTokenEstimator();
    const prompt = buildCoderPrompt({ ...huge, maxPromptTokens }, estimator);
    expect(prompt.estimatedTokens).toBeLessThanOrEqual(maxPromptTokens);
    expect(estimator.estimate(prompt.messages)).toBe(prompt.estimatedTokens);
  });

  it('never trims the task or the instruction', () => {
    for (const maxPromptTokens of [6000, 1500, 500]) {
      const text = userText({ ...huge, maxPromptTokens });
      expect(text.startsWith(`## Task\n${describeTask(TASK, 'python main.py')}`)).toBe(true);
      expect(text.trimEnd().endsWith('Fix the problem now, as file edits in the format above.')).toBe(true);
    }
  });

  it('keeps the task whole even when the task alone is over budget', () => {
    const longTask: TaskSpec = { ...TASK, description: 'Spec: '.concat('z'.repeat(20_000)) };
    const prompt = buildCoderPrompt({ ...huge, task: longTask, maxPromptTokens: 1000 }, new PromptTokenEstimator());
    expect(prompt.messages[1]?.content).toContain(longTask.description);
    expect(prompt.estimatedTokens).toBeGreaterThan(1000);
    expect(prompt.trimmed.map((t) => t.id).sort()).toEqual(['failure', 'feedback', 'files', 'history', 'read-answers', 'repo-map']);
  });

  it('trims in order: repo map, history, READ answers, files, failure output, feedback', () => {
    const order = ['repo-map', 'history', 'read-answers', 'files', 'failure', 'feedback'];
    const full = buildCoderPrompt({ ...huge, maxPromptTokens: 1_000_000 }, new PromptTokenEstimator());
    expect(full.trimmed).toEqual([]);
    const seen = new Set<number>();
    for (let budget = full.estimatedTokens - 10; budget > 300; budget = Math.floor(budget * 0.95)) {
      const prompt = buildCoderPrompt({ ...huge, maxPromptTokens: budget }, new PromptTokenEstimator());
      const ids = prompt.trimmed.map((t) => t.id);
      // What is trimmed is always a prefix of the order, and everything before the last one is gone.
      expect(ids).toEqual(order.slice(0, ids.length));
      for (const record of prompt.trimmed.slice(0, -1)) expect(record.toChars).toBe(0);
      seen.add(ids.length);
    }
    // The loop really went through every stage.
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cuts the repo map first, from its end', () => {
    const full = buildCoderPrompt({ ...huge, maxPromptTokens: 1_000_000 }, new PromptTokenEstimator());
    const prompt = buildCoderPrompt({ ...huge, maxPromptTokens: full.estimatedTokens - 200 }, new PromptTokenEstimator());
    expect(prompt.trimmed.map((t) => t.id)).toEqual(['repo-map']);
    const text = prompt.messages[1]?.content ?? '';
    expect(text).toContain('map 1 ');
    expect(text).not.toContain('map 500 ');
    expect(text).toContain('1. Attempt 1:');
  });

  it('drops the oldest history lines before the newest', () => {
    const input: CoderPromptInput = {
      ...huge,
      repoMap: 'm'.repeat(2000),
      toolAnswers: [],
      files: [],
      failureTail: 'boom',
      sheriffFeedback: 'fix it',
    };
    const full = buildCoderPrompt({ ...input, maxPromptTokens: 1_000_000 }, new PromptTokenEstimator());
    // Enough to lose the whole repo map and about a third of the history.
    const prompt = buildCoderPrompt({ ...input, maxPromptTokens: full.estimatedTokens - 600 - 300 }, new PromptTokenEstimator());
    expect(prompt.trimmed.map((t) => t.id)).toEqual(['repo-map', 'history']);
    const text = prompt.messages[1]?.content ?? '';
    expect(text).not.toContain('m'.repeat(200));
    expect(text).toContain('40. Attempt 40:');
    expect(text).not.toMatch(/^1\. Attempt 1:/m);
    expect(text).toContain('fix it');
    expect(text).toContain('boom');
  });

  it('keeps the end of the failure output, where the error is', () => {
    const prompt = buildCoderPrompt(
      { ...huge, sheriffFeedback: 'Divide by the count, not zero.', maxPromptTokens: 3000 },
      new PromptTokenEstimator(),
    );
    const text = prompt.messages[1]?.content ?? '';
    expect(prompt.trimmed.map((t) => t.id)).toEqual(['repo-map', 'history', 'read-answers', 'files', 'failure']);
    expect(text).not.toContain('out 1 ');
    expect(text).toContain('Divide by the count, not zero.');
    expect(text).toContain('ZeroDivisionError: division by zero');
  });

  it('uses what the estimator learned from the server', () => {
    const estimator = new PromptTokenEstimator();
    estimator.observe([{ role: 'user', content: 'x'.repeat(7000) }], 4 + 1000); // 7 characters per token
    const prompt = buildCoderPrompt({ ...huge, maxPromptTokens: 6000 }, estimator);
    const naive = buildCoderPrompt({ ...huge, maxPromptTokens: 6000 }, new PromptTokenEstimator());
    expect(prompt.estimatedTokens).toBeLessThanOrEqual(6000);
    expect(prompt.messages[1]?.content.length ?? 0).toBeGreaterThan(naive.messages[1]?.content.length ?? 0);
  });
});

describe('describeTask', () => {
  it('omits the constraints heading when there are none', () => {
    expect(describeTask({ ...TASK, constraints: [] }, 'npm test')).toBe(`${TASK.description}\n\nCheck command (must exit 0): npm test`);
  });
});
