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
  /** Tests first (#16): the kept acceptance tests, their failing run on the base, and whether this attempt changed them. */
  readonly acceptance?: AcceptanceEvidence | undefined;
}

export interface AcceptanceEvidence {
  readonly files: readonly string[];
  readonly baseExitCode: number | null;
  readonly baseTimedOut: boolean;
  /** The tail of the check's output on the base plus the tests. */
  readonly baseOutput: string;
  /** Kept test files this attempt's diff changes (or deletes). */
  readonly changedNow: readonly string[];
}

export function buildSheriffPrompt(input: SheriffPromptInput, estimator: PromptTokenEstimator): readonly ChatMessage[] {
  const result = input.timedOut
    ? 'The check was killed: it exceeded the execution timeout.'
    : `The check exited with code ${input.exitCode === null ? 'none (killed by a signal)' : String(input.exitCode)}.`;
  const { base, changed } = acceptanceSections(input.acceptance);
  // Cache-shaped (#17): what every attempt's Sheriff prompt shares comes first (the task, the tests'
  // run on the base), what this attempt changed after it, so a prefix cache reuses the start.
  const sections: PromptSection[] = [
    { id: 'task', title: 'Task', body: describeTask(input.task, input.checkCommand), priority: 99, trim: 'keep' },
    ...base,
    {
      id: 'diff',
      title: 'Change made in this attempt (diff)',
      body: input.diff === '' ? '(no change)' : input.diff,
      priority: 1,
      trim: 'keep-head',
    },
    { id: 'result', title: 'Result of running the check', body: result, priority: 99, trim: 'keep' },
    ...changed,
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

const BASE_OUTPUT_CHARS = 1500;

/** Tests first (#16): the base run (the same for every attempt) and the warning about this attempt's changes to the tests. */
function acceptanceSections(acceptance: AcceptanceEvidence | undefined): { base: PromptSection[]; changed: PromptSection[] } {
  if (acceptance === undefined) return { base: [], changed: [] };
  const baseRun = acceptance.baseTimedOut
    ? 'timed out'
    : `exited with code ${acceptance.baseExitCode === null ? 'none (killed by a signal)' : String(acceptance.baseExitCode)}`;
  const base: PromptSection[] = [
    {
      id: 'acceptance-base',
      title: 'Acceptance tests: the failing run on the base',
      body: `The Coder wrote ${acceptance.files.join(', ')} first. On the original code, before any fix, the check with them ${baseRun}:\n${acceptance.baseOutput.slice(-BASE_OUTPUT_CHARS) || '(no output)'}\nThe result after this attempt's change is the same check on its head.`,
      priority: 3,
      trim: 'keep-tail',
    },
  ];
  const changed: PromptSection[] = [];
  if (acceptance.changedNow.length > 0)
    changed.push({
      id: 'acceptance-changed',
      title: 'Warning: the acceptance tests were changed',
      body: `This attempt changed the kept acceptance test(s) ${acceptance.changedNow.join(', ')} (see the diff). A change that weakens or removes what they test does not count as a fix: say FAIL unless the change plainly still tests the task.`,
      priority: 99,
      trim: 'keep',
    });
  return { base, changed };
}
