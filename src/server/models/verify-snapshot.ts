import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlannedFile } from './pull-plan.js';

/**
 * After a download: every file of the snapshot is there with the size the Hub declared, and every
 * LFS file's content has the sha256 the Hub published (huggingface_hub checks neither). A bad blob
 * is removed with its snapshot link, so the next pull fetches it again instead of trusting it.
 */
export interface SnapshotProblem {
  readonly path: string;
  readonly problem: string;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

export async function verifySnapshot(snapshot: string, files: readonly PlannedFile[]): Promise<SnapshotProblem[]> {
  const problems: SnapshotProblem[] = [];
  const root = fs.realpathSync(path.dirname(path.dirname(snapshot)));
  for (const file of files) {
    const link = path.join(snapshot, file.path);
    let target: string;
    try {
      target = fs.realpathSync(link);
    } catch {
      problems.push({ path: file.path, problem: 'missing' });
      continue;
    }
    // A snapshot entry must point into this repo's own cache folder, nowhere else.
    if (!target.startsWith(`${root}${path.sep}`)) {
      problems.push({ path: file.path, problem: `points outside the cache (${target})` });
      continue;
    }
    const stat = fs.statSync(target);
    if (!stat.isFile() || stat.size !== file.size) {
      problems.push({ path: file.path, problem: `size ${stat.size} bytes, the Hub says ${file.size}` });
      removeQuietly(target);
      removeQuietly(link);
      continue;
    }
    if (file.lfsSha256 !== null) {
      const actual = await sha256Of(target);
      if (actual !== file.lfsSha256) {
        problems.push({
          path: file.path,
          problem: `sha256 ${actual.slice(0, 12)}… does not match the published ${file.lfsSha256.slice(0, 12)}…`,
        });
        removeQuietly(target);
        removeQuietly(link);
      }
    }
  }
  return problems;
}
