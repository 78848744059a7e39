import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { blobName, type PlannedFile } from './pull-plan.js';

/**
 * After a download, the snapshot is checked against the plan, with every boundary taken from the
 * repo's cache folder (never from a path the download returned): each planned file is there, as a
 * link to exactly its planned blob (or a plain copy), with the planned size and content (sha256 for
 * LFS files, the git blob id for the others; huggingface_hub checks neither); anything in the
 * snapshot the plan does not list is a problem too. Only paths we built inside the repo's folder
 * are ever removed: a bad blob with its link, a stray or misdirected link (never its target).
 */
export interface SnapshotProblem {
  readonly path: string;
  readonly problem: string;
}

async function hashOf(file: string, algorithm: 'sha256' | 'sha1', prefix: string): Promise<string> {
  const hash = createHash(algorithm).update(prefix);
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

function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch {
    return null;
  }
}

/** Relative paths of everything under `dir` that is not a real folder (links are not followed). */
function snapshotEntries(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...snapshotEntries(dir, rel));
    else out.push(rel);
  }
  return out;
}

async function contentProblem(file: PlannedFile, content: string, size: number): Promise<string | null> {
  if (size !== file.size) return `size ${size} bytes, the Hub says ${file.size}`;
  if (file.lfsSha256 !== null) {
    const actual = await hashOf(content, 'sha256', '');
    return actual === file.lfsSha256 ? null : `sha256 ${actual.slice(0, 12)}… does not match the published ${file.lfsSha256.slice(0, 12)}…`;
  }
  const actual = await hashOf(content, 'sha1', `blob ${size}\0`);
  return actual === file.blobId ? null : `git blob id ${actual.slice(0, 12)}… does not match the published ${file.blobId.slice(0, 12)}…`;
}

export async function verifySnapshot(repoDir: string, commit: string, files: readonly PlannedFile[]): Promise<SnapshotProblem[]> {
  const repoStat = lstatOrNull(repoDir);
  if (repoStat === null || !repoStat.isDirectory()) return [{ path: repoDir, problem: 'not a folder of the cache' }];
  const blobs = path.join(fs.realpathSync(repoDir), 'blobs');
  const snapshot = path.join(repoDir, 'snapshots', commit);
  const snapshotStat = lstatOrNull(snapshot);
  if (snapshotStat === null || !snapshotStat.isDirectory()) return [{ path: `snapshots/${commit}`, problem: 'missing' }];

  const problems: SnapshotProblem[] = [];
  const planned = new Set(files.map((f) => f.path));
  for (const rel of snapshotEntries(snapshot)) {
    if (planned.has(rel)) continue;
    problems.push({ path: rel, problem: 'not in the plan' });
    removeQuietly(path.join(snapshot, rel));
  }
  for (const file of files) {
    const link = path.join(snapshot, ...file.path.split('/'));
    const stat = lstatOrNull(link);
    if (stat === null) {
      problems.push({ path: file.path, problem: 'missing' });
      continue;
    }
    let content = link;
    if (stat.isSymbolicLink()) {
      const expected = path.join(blobs, blobName(file));
      let target: string | null = null;
      try {
        target = fs.realpathSync(link);
      } catch {
        target = null;
      }
      if (target !== expected) {
        problems.push({ path: file.path, problem: target === null ? 'missing' : 'does not point at its planned blob' });
        removeQuietly(link); // the link only: its target is not ours to delete
        continue;
      }
      content = expected;
    }
    const contentStat = lstatOrNull(content);
    if (contentStat === null || !contentStat.isFile()) {
      problems.push({ path: file.path, problem: 'not a regular file' });
      continue;
    }
    const problem = await contentProblem(file, content, contentStat.size);
    if (problem !== null) {
      problems.push({ path: file.path, problem });
      removeQuietly(content);
      removeQuietly(link);
    }
  }
  return problems;
}
