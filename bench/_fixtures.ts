/** Shared set-up for the benches: a throwaway git repository with given files. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export interface BenchRepo {
  readonly root: string;
  readonly repo: string;
  readonly home: string;
  cleanup(): void;
}

export function makeBenchRepo(prefix: string, files: Record<string, string>): BenchRepo {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `mlxf-bench-${prefix}-`));
  const repo = path.join(root, 'repo');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  execFileSync('git', ['add', '-A'], { cwd: repo });
  execFileSync('git', ['commit', '-qm', 'init'], { cwd: repo, env: GIT_ENV });
  return { root, repo, home: path.join(root, 'home'), cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}
