import fs from 'node:fs';
import path from 'node:path';
import { shellQuote } from '../sandbox/shell-quote.js';

/**
 * With no `check` given, the seed ran the generated program. We do the same for the usual entry files,
 * so "exit 0" still means something.
 */
const RUNNERS: ReadonlyArray<readonly [file: string, command: string]> = [
  ['main.py', 'python3 main.py'],
  ['main.js', 'node main.js'],
  ['main.mjs', 'node main.mjs'],
  ['main.sh', 'sh main.sh'],
  ['main.rb', 'ruby main.rb'],
  ['main.go', 'go run main.go'],
];

const INTERPRETERS: Readonly<Record<string, string>> = { py: 'python3', js: 'node', mjs: 'node', sh: 'sh', rb: 'ruby' };

/** The usual entry file if there is one; else the one runnable file the Coder edited; else main.py. */
export function defaultCheckCommand(worktree: string, editedFiles: readonly string[] = []): string {
  for (const [file, command] of RUNNERS) {
    if (fs.existsSync(path.join(worktree, file))) return command;
  }
  const runnable = editedFiles.filter((f) => INTERPRETERS[f.split('.').pop() ?? ''] !== undefined);
  const only = runnable.length === 1 ? runnable[0] : undefined;
  if (only !== undefined) return `${INTERPRETERS[only.split('.').pop() ?? ''] ?? 'python3'} ${shellQuote(only)}`;
  return 'python3 main.py';
}
