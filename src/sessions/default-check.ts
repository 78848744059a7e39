import fs from 'node:fs';
import path from 'node:path';

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

export function defaultCheckCommand(worktree: string): string {
  for (const [file, command] of RUNNERS) {
    if (fs.existsSync(path.join(worktree, file))) return command;
  }
  return 'python3 main.py';
}
