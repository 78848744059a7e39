import fs from 'node:fs';
import path from 'node:path';
import { runGit } from './run-git.js';

/**
 * The shared .git directory of a checkout (where branches and refs live). The common case — a normal
 * clone, whose .git is a directory — is answered without spawning git.
 */
export async function gitCommonDir(repoRoot: string): Promise<string> {
  const dotGit = path.join(repoRoot, '.git');
  try {
    if (fs.statSync(dotGit).isDirectory()) return fs.realpathSync(dotGit);
  } catch {
    // fall through: let git explain
  }
  const result = await runGit(['rev-parse', '--git-common-dir'], { cwd: repoRoot });
  return fs.realpathSync(path.resolve(repoRoot, result.stdout.trim()));
}
