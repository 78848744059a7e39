import type { z } from 'zod';

/**
 * Turns zod issues into lines a user can act on: the file, the key, what was expected, what was found.
 * Shared by factory.yaml and task files.
 */
export function formatZodIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${file}: ${describeIssue(issue)}`).join('\n');
}

function keyPath(segments: readonly PropertyKey[]): string {
  return segments.length === 0 ? '(top level)' : segments.map(String).join('.');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = keyPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys
        .map((k) => `${keyPath([...issue.path, k])}: unknown key (check its spelling; see the README for the keys)`)
        .join('\n');
    case 'invalid_type':
      return issue.input === undefined
        ? `${key}: required ${issue.expected} is missing`
        : `${key}: expected ${article(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
      return `${key}: must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}, got ${describeValue(issue.input)}`;
    case 'too_big':
      return `${key}: must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}, got ${describeValue(issue.input)}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}
