import type { TaskSpec } from '../task/task-schema.js';
import type { ChatMessage } from './chat-message.js';
import { describeTask } from './coder-prompt.js';
import { SHERIFF_SYSTEM_PROMPT } from './personas.js';
import { fitSections, type PromptSection } from './prompt-budget.js';
import type { PromptTokenEstimator } from './token-estimate.js';

/** The Sheriff sees the task, this attempt's diff and the execution result: never the conversation. */
export interface SheriffPromptInput {
  readonly task: TaskSpec;
  readonly checkCommand: string;
  readonly diff: string;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly output: string;
  readonly maxPromptTokens: number;
  /** Set when re-asking after a reply without a verdict line. */
  readonly reask?: boolean;
}

export function buildSheriffPrompt(input: SheriffPromptInput, estimator: PromptTokenEstimator): readonly ChatMessage[] {
  const result = input.timedOut
    ? 'The check was killed: it exceeded the execution timeout.'
    : `The check exited with code ${input.exitCode === null ? 'none (killed by a signal)' : String(input.exitCode)}.`;
  const sections: PromptSection[] = [
    { id: 'task', title: 'Task', body: describeTask(input.task, input.checkCommand), priority: 99, trim: 'keep' },
    {
      id: 'diff',
      title: 'Change made in this attempt (diff)',
      body: input.diff === '' ? '(no change)' : input.diff,
      priority: 1,
      trim: 'keep-head',
    },
    { id: 'result', title: 'Result of running the check', body: result, priority: 99, trim: 'keep' },
    { id: 'output', title: 'Check output', body: input.output === '' ? '(no output)' : input.output, priority: 2, trim: 'keep-tail' },
    {
      id: 'instruction',
      title: '',
      body:
        input.reask === true
          ? 'Your previous reply had no verdict line. Reply again and end with exactly one line: VERDICT: PASS or VERDICT: FAIL'
          : 'Judge this attempt. End with exactly one line: VERDICT: PASS or VERDICT: FAIL',
      priority: 100,
      trim: 'keep',
    },
  ];
  const system: ChatMessage = { role: 'system', content: SHERIFF_SYSTEM_PROMPT };
  const fitted = fitSections(sections, input.maxPromptTokens, estimator, estimator.estimate([system, { role: 'user', content: '' }]));
  return [system, { role: 'user', content: fitted.text }];
}
