import { runGit } from './run-git.js';

export async function revParse(cwd: string, rev: string): Promise<string> {
  const result = await runGit(['rev-parse', '--verify', `${rev}^{commit}`], { cwd });
  return result.stdout.trim();
}
