import type { TaskSpec } from '../task/task-schema.js';
import type { ChatMessage } from './chat-message.js';
import { fenceFor } from './fence-for.js';
import { CODER_SYSTEM_PROMPT } from './personas.js';
import { fitSections, type PromptSection, type TrimRecord } from './prompt-budget.js';
import type { PromptTokenEstimator } from './token-estimate.js';
import type { ToolAnswer } from './tool-requests.js';

/**
 * A Coder turn never replays the conversation (DESIGN.md, context budgeting): it gets the task, the
 * current files in play, the Sheriff's latest feedback, the tail of the latest failure and one line per
 * earlier attempt, trimmed in that order of importance (reverse) to stay under max_prompt_tokens.
 *
 * Cache-shaped (#17): a server's prefix cache (mlx_lm.server's LRU prompt cache) reuses only the part
 * of a prompt that is byte-identical to the start of an earlier one. So what stays the same across the
 * attempts of a session, and across sibling sessions, comes first — system, task and check, repository
 * map, the files in play the session has not changed (in the order they came into play) — and what
 * changes comes last: the files the Coder changed, the failure tail, the feedback, the history, the
 * answers to its requests, the instruction.
 */
export interface FileSnapshot {
  readonly path: string;
  /** null when the file does not exist (yet, or any more). */
  readonly content: string | null;
}

export interface CoderPromptInput {
  readonly task: TaskSpec;
  readonly checkCommand: string;
  /** Files in play the session has not changed: the stable part, in a stable order. */
  readonly files: readonly FileSnapshot[];
  /** Files the Coder has changed this session: they differ from attempt to attempt, so they come late. */
  readonly changedFiles?: readonly FileSnapshot[] | undefined;
  readonly repoMap?: string | undefined;
  /** The orchestrator's answers to the Coder's READ / SEARCH / LIST requests of the last turn. */
  readonly toolAnswers?: readonly ToolAnswer[] | undefined;
  readonly sheriffFeedback?: string | undefined;
  readonly failureTail?: string | undefined;
  readonly earlierAttempts: readonly string[];
  /** A short correction after a reply with no usable edit. */
  readonly correction?: string | undefined;
  readonly maxPromptTokens: number;
  /** Tests first (#16): this turn writes the acceptance tests, not the fix. */
  readonly writeTests?: boolean | undefined;
  /** Tests first: the acceptance tests kept (they failed on the base); the fix must make them pass. */
  readonly keptTests?: readonly string[] | undefined;
}

export interface BuiltPrompt {
  readonly messages: readonly ChatMessage[];
  readonly estimatedTokens: number;
  readonly trimmed: readonly TrimRecord[];
}

/**
 * Trim order (DESIGN's): repo map, then old attempt lines, answers to requests, files (the unchanged
 * ones before the ones being worked on), failure output, feedback. The order of trimming is not the
 * order in the prompt: that one is for the cache (above).
 */
const PRIORITY = { repoMap: 1, history: 2, readAnswers: 3, files: 4, changedFiles: 4.5, failure: 5, feedback: 6 } as const;

export function buildCoderPrompt(input: CoderPromptInput, estimator: PromptTokenEstimator): BuiltPrompt {
  const sections: PromptSection[] = [
    // The stable start: identical across attempts and sibling sessions.
    { id: 'task', title: 'Task', body: describeTask(input.task, input.checkCommand), priority: 99, trim: 'keep' },
    { id: 'repo-map', title: 'Repository map', body: input.repoMap ?? '', priority: PRIORITY.repoMap, trim: 'keep-head' },
    { id: 'files', title: 'Current files', body: renderFiles(input.files), priority: PRIORITY.files, trim: 'keep-head' },
    // What changes from turn to turn.
    {
      id: 'changed-files',
      title: 'Files you changed (current content)',
      body: renderFiles(input.changedFiles ?? []),
      priority: PRIORITY.changedFiles,
      trim: 'keep-head',
    },
    { id: 'failure', title: 'Latest check output (tail)', body: input.failureTail ?? '', priority: PRIORITY.failure, trim: 'keep-tail' },
    {
      id: 'feedback',
      title: "Sheriff's feedback on the last attempt",
      body: input.sheriffFeedback ?? '',
      priority: PRIORITY.feedback,
      trim: 'keep-head',
    },
    {
      id: 'history',
      title: 'Earlier attempts',
      body: input.earlierAttempts.map((line, i) => `${i + 1}. ${line}`).join('\n'),
      priority: PRIORITY.history,
      trim: 'drop-oldest-lines',
    },
    {
      id: 'read-answers',
      title: 'Answers to your requests',
      body: renderAnswers(input.toolAnswers ?? []),
      priority: PRIORITY.readAnswers,
      trim: 'keep-head',
    },
    // Tests first (#16): its own section, apart from the others, so a later reordering of the prompt keeps it whole.
    { id: 'tests-first', title: 'Acceptance tests', body: testsFirstText(input), priority: 99, trim: 'keep' },
    { id: 'instruction', title: '', body: instruction(input), priority: 100, trim: 'keep' },
  ];
  const system: ChatMessage = { role: 'system', content: CODER_SYSTEM_PROMPT };
  const fixed = estimator.estimate([system, { role: 'user', content: '' }]);
  const fitted = fitSections(sections, input.maxPromptTokens, estimator, fixed);
  return {
    messages: [system, { role: 'user', content: fitted.text }],
    estimatedTokens: fitted.estimatedTokens,
    trimmed: fitted.trimmed,
  };
}

export function describeTask(task: TaskSpec, checkCommand: string): string {
  const parts = [task.description];
  if (task.constraints.length > 0) parts.push(`Constraints:\n${task.constraints.map((c) => `- ${c}`).join('\n')}`);
  parts.push(`Check command (must exit 0): ${checkCommand}`);
  return parts.join('\n\n');
}

/** Each file in a fence longer than any fence inside it, so a README with code blocks stays whole. */
function renderFiles(files: readonly FileSnapshot[]): string {
  return files
    .map((f) => {
      if (f.content === null) return `${f.path}: (does not exist)`;
      const body = f.content.replace(/\n$/, '');
      const fence = fenceFor(body);
      return `${f.path}\n${fence}\n${body}\n${fence}`;
    })
    .join('\n\n');
}

function renderAnswers(answers: readonly ToolAnswer[]): string {
  return answers.map((a) => `### ${a.request}\n${a.body}`).join('\n\n');
}

function testsFirstText(input: CoderPromptInput): string {
  if (input.writeTests === true)
    return [
      "Before any fix, write acceptance tests for this task, in the repository's own test framework, where the check command runs them.",
      'Do not change the code under test now: the tests must FAIL on the current code (because the task is not done yet) and pass once it is.',
      'A test that already passes before any change is refused: it does not test the task.',
    ].join('\n');
  const kept = input.keptTests ?? [];
  if (kept.length === 0) return '';
  return `These acceptance tests were written first and fail on the original code: ${kept.join(', ')}. The check runs them; make them pass by fixing the code. Do not weaken or delete them: a change to them is shown to the reviewer.`;
}

function instruction(input: CoderPromptInput): string {
  if (input.correction !== undefined) return input.correction;
  if (input.writeTests === true) return 'Write the acceptance tests now, as file edits in the format above (test files only).';
  return input.earlierAttempts.length === 0
    ? 'Write the code now, as file edits in the format above.'
    : 'Fix the problem now, as file edits in the format above.';
}
