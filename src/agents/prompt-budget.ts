import type { PromptTokenEstimator } from './token-estimate.js';

/**
 * Keeps a prompt under its token budget by trimming sections in a fixed priority order: the lowest
 * priority section is shortened (or dropped) first, and sections marked `keep` are never touched.
 * Pure apart from the estimator's ratio.
 */
export type TrimStyle = 'keep' | 'drop' | 'keep-head' | 'keep-tail' | 'drop-oldest-lines';

export interface PromptSection {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  /** Lower is trimmed first. */
  readonly priority: number;
  readonly trim: TrimStyle;
}

export interface TrimRecord {
  readonly id: string;
  readonly fromChars: number;
  readonly toChars: number;
}

export interface FittedPrompt {
  readonly text: string;
  readonly estimatedTokens: number;
  readonly trimmed: readonly TrimRecord[];
}

const MIN_USEFUL_CHARS = 200;
/** Our estimate can be off by a few percent in either direction; aim a little under the budget. */
const ESTIMATE_SAFETY = 0.95;

export function renderSections(sections: readonly PromptSection[]): string {
  return sections
    .filter((s) => s.body.trim() !== '')
    .map((s) => (s.title === '' ? s.body : `## ${s.title}\n${s.body}`))
    .join('\n\n');
}

export function fitSections(
  sections: readonly PromptSection[],
  budgetTokens: number,
  estimator: PromptTokenEstimator,
  fixedTokens = 0,
): FittedPrompt {
  const current = sections.map((s) => ({ ...s }));
  const originalLength = new Map(sections.map((s) => [s.id, s.body.length]));
  const estimate = (): number => fixedTokens + estimator.estimateText(renderSections(current));
  const target = Math.floor(budgetTokens * ESTIMATE_SAFETY);
  let tokens = estimate();
  while (tokens > target) {
    const victim = current.filter((s) => s.trim !== 'keep' && s.body !== '').sort((a, b) => a.priority - b.priority)[0];
    if (!victim) break; // only `keep` sections left: the caller reports the overrun
    const excessChars = Math.ceil((tokens - target) * estimator.ratio) + 64;
    victim.body = shorten(victim.body, victim.trim, excessChars);
    tokens = estimate();
  }
  // In the order they were trimmed (priority), which is not their order in the prompt.
  const trimmed = [...current]
    .sort((a, b) => a.priority - b.priority)
    .filter((s) => s.body.length !== (originalLength.get(s.id) ?? 0))
    .map((s) => ({ id: s.id, fromChars: originalLength.get(s.id) ?? 0, toChars: s.body.length }));
  return { text: renderSections(current), estimatedTokens: tokens, trimmed };
}

function shorten(body: string, style: TrimStyle, excessChars: number): string {
  const target = body.length - excessChars;
  if (style === 'drop') return '';
  // A fragment of a file or an output is worth keeping only if it is long enough to mean something;
  // a history line is useful on its own.
  if (target < MIN_USEFUL_CHARS && style !== 'drop-oldest-lines') return '';
  switch (style) {
    case 'keep-head':
      return `${body.slice(0, target)}\n… [${body.length - target} characters cut to fit the context budget]`;
    case 'keep-tail':
      return `[… ${body.length - target} characters cut to fit the context budget]\n${body.slice(body.length - target)}`;
    case 'drop-oldest-lines': {
      const lines = body.split('\n');
      while (lines.length > 0 && lines.join('\n').length > target) lines.shift();
      return lines.join('\n');
    }
    default:
      return body;
  }
}
