/**
 * `npm run bench -- workspace`: the workspace layer on a large repository (20,000 files, 200 MB),
 * each against the bare git command it wraps, measured in the same run and printed as ratios:
 *   - session creation (inspect the repo, worktree + branch, include/setup hook) vs `git worktree add`  ≤ 1.5×
 *   - the full diff listing of a 200-file change vs `git diff --name-status`                          ≤ 1.5×
 *     (with line counts, from the same one spawn: ≤ 1.2×)
 *   - merge prediction vs a bare `git merge-tree --write-tree`                                          ≤ 1.5×
 *     (also from a chosen base, a re-merge: --merge-base on git 2.40+, a graft before)              ≤ 1.5×
 * and the isomorphic-git vs git CLI reads that decided which one src/workspace uses.
 *
 * The repository is generated once with `git fast-import` (no working-tree writes until the final
 * checkout) and cached under .cache/bench/.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { defaultConfig } from '../src/config/config-schema.js';
import { createSessionWorkspace } from '../src/workspace/create-session-workspace.js';
import { listChangedFiles } from '../src/workspace/git/diff-file-list.js';
import { gitCommonDir } from '../src/workspace/git/common-dir.js';
import { readBlobs } from '../src/workspace/git/read-blobs.js';
import { inspectRepo } from '../src/workspace/git/repo-info.js';
import { gitHasMergeBaseOption } from '../src/workspace/git/merge-tree.js';
import { runGit } from '../src/workspace/git/run-git.js';
import { predictMerge } from '../src/workspace/predict-merge.js';
import { prepareSessionWorktree } from '../src/workspace/prepare-worktree.js';
import { loadRequested, startCpuLoad } from './_cpu-load.js';

const FILES = 20_000;
/** Each run writes 200 MB twice; on a busy machine a median of 5 steadies the ratio. */
const CREATION_RUNS = 5;
const TOTAL_BYTES = 200 * 1024 * 1024;
const FIXTURE_VERSION = 'v2';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, '.cache', 'bench', `workspace-${FIXTURE_VERSION}`);
const REPO = path.join(CACHE, 'repo');
const IDENTITY = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export async function run(): Promise<void> {
  const started = performance.now();
  await ensureRepo();
  const stats = await repoStats();
  out(
    `repo: ${stats.files} files, ${(stats.bytes / 1024 / 1024).toFixed(0)} MB in the checkout (${REPO})${performance.now() - started > 5000 ? `, generated in ${((performance.now() - started) / 1000).toFixed(1)} s` : ', cached'}`,
  );
  const commonDir = await gitCommonDir(REPO);
  const rows: string[] = [];
  const gitVersionText = (await runGit(['--version'], { cwd: REPO })).stdout.trim().replace('git version ', '');
  const load = loadRequested() ? startCpuLoad() : null;
  out(`git ${gitVersionText}; ${load ? 'one core kept busy by another process' : 'no added load'}`);
  try {
    await measure(rows, commonDir, gitVersionText);
  } finally {
    await load?.stop();
  }
}

async function measure(rows: string[], commonDir: string, gitVersionText: string): Promise<void> {
  // 1. Session creation vs a bare `git worktree add` (WORKSPACE_BENCH=git: skip it, 200 MB twice per run).
  if (process.env['WORKSPACE_BENCH'] !== 'git') await sessionCreation(rows);
  // 2. The diff listing of the 200-file change.
  // Refs by name are listed afresh every time; the same pair by object id comes from the listings the
  // process keeps (what the review view and the merge preview see the second time).
  const [mainId, changeId] = await Promise.all(
    ['main', 'bench/change'].map(async (ref) => (await runGit(['rev-parse', ref], { cwd: REPO })).stdout.trim()),
  );
  const [listStatus, listFull, listAgain, nameStatus, numstat] = await interleaved(21, [
    () => listChangedFiles(REPO, 'main', 'bench/change'),
    () => listChangedFiles(REPO, 'main', 'bench/change', { stats: true }),
    () => listChangedFiles(REPO, mainId ?? '', changeId ?? '', { stats: true }),
    () => runGit(['diff', '--name-status', 'main', 'bench/change'], { cwd: REPO }),
    () => runGit(['diff', '--numstat', 'main', 'bench/change'], { cwd: REPO }),
  ]);
  const files = await listChangedFiles(REPO, 'main', 'bench/change', { stats: true });
  const kinds = countBy(files.map((f) => (f.binary === true ? 'binary' : f.status)));
  rows.push(ratio(`diff listing, statuses + renames (${files.length} files)`, listStatus, 'git diff --name-status', nameStatus));
  rows.push(ratio('diff listing, + line counts and binary detection', listFull, 'git diff --name-status', nameStatus, 1.2));
  rows.push(ratio('  (same, like for like)', listFull, 'git diff --numstat', numstat));
  rows.push(ratio('  (same, asked again for the same two commits)', listAgain, 'git diff --name-status', nameStatus, 1.2));

  // 3. Merge prediction.
  const sides = { repoRoot: REPO, commonDir, sessionBranch: 'bench/change', target: 'bench/target', base: null };
  const base = (await runGit(['merge-base', 'main', 'bench/change'], { cwd: REPO })).stdout.trim();
  const [predict, mergeTree, rePredict] = await interleaved(21, [
    () => predictMerge(sides),
    () => runGit(['merge-tree', '--write-tree', 'bench/target', 'bench/change'], { cwd: REPO, expectedExitCodes: [0, 1] }),
    () => predictMerge({ ...sides, base }),
  ]);
  const prediction = await predictMerge(sides);
  rows.push(
    ratio(
      `merge prediction (${prediction.clean ? 'clean' : `${prediction.conflicts.length} conflicts`})`,
      predict,
      'git merge-tree --write-tree',
      mergeTree,
    ),
  );
  rows.push(
    ratio(
      `  re-merge prediction (explicit base: ${(await gitHasMergeBaseOption()) ? '--merge-base' : `a graft, git ${gitVersionText} has no --merge-base`})`,
      rePredict,
      'git merge-tree --write-tree',
      mergeTree,
    ),
  );

  out(
    `\nchange: ${Object.entries(kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}\n`,
  );
  for (const row of rows) out(row);

  // 4. isomorphic-git vs the git CLI for the same reads (what decided src/workspace/git/*).
  out('\nisomorphic-git vs git CLI (same reads, same repo):');
  const [mainOid, changeOid] = await Promise.all([
    git.resolveRef({ fs, gitdir: commonDir, ref: 'refs/heads/main' }),
    git.resolveRef({ fs, gitdir: commonDir, ref: 'refs/heads/bench/change' }),
  ]);
  const [isoRef, cliRef] = await interleaved(15, [
    () => git.resolveRef({ fs, gitdir: commonDir, ref: 'refs/heads/bench/target' }),
    () => runGit(['rev-parse', '--verify', 'refs/heads/bench/target'], { cwd: REPO }),
  ]);
  out(
    `  resolve a branch:        isomorphic-git ${ms(isoRef)} vs git rev-parse ${ms(cliRef)}  → isomorphic-git (in-process refs, read-ref.ts)`,
  );
  const isoWalkCold = await time(() => isoChangedPaths(commonDir, mainOid, changeOid, {}));
  const warm = {};
  await isoChangedPaths(commonDir, mainOid, changeOid, warm);
  const isoWalkWarm = await sample(3, () => isoChangedPaths(commonDir, mainOid, changeOid, warm));
  out(
    `  files changed (${files.length}):   isomorphic-git walk ${ms(isoWalkCold)} cold / ${ms(isoWalkWarm)} warm vs git diff --raw ${ms(listStatus)}  → git (diff-file-list.ts)`,
  );
  const oids = files.flatMap((f) => [f.oldOid, f.newOid]).filter((o) => !/^0+$/.test(o));
  const isoBlobsCold = await time(() => isoReadBlobs(commonDir, oids, {}));
  const warmBlobs = {};
  await isoReadBlobs(commonDir, oids, warmBlobs);
  const [isoBlobsWarm, cliBlobs] = await interleaved(5, [() => isoReadBlobs(commonDir, oids, warmBlobs), () => readBlobs(REPO, oids)]);
  out(
    `  read ${oids.length} blobs:          isomorphic-git ${ms(isoBlobsCold)} cold / ${ms(isoBlobsWarm)} warm vs git cat-file --batch ${ms(cliBlobs)}  → git (read-blobs.ts)`,
  );
  out(
    `\n(medians of interleaved runs: ${CREATION_RUNS} for session creation, 21 for listings and predictions; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
  );
}

async function sessionCreation(rows: string[]): Promise<void> {
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-ws-')));
  try {
    const ours: number[] = [];
    const bare: number[] = [];
    const log = { append: () => undefined };
    for (let i = 0; i < CREATION_RUNS; i += 1) {
      const id = `b${i}${crypto.randomBytes(2).toString('hex')}`;
      bare.push(
        await time(async () => {
          await runGit(['worktree', 'add', '--quiet', '-b', `bench/bare-${id}`, path.join(scratch, `bare-${id}`), 'HEAD'], { cwd: REPO });
        }),
      );
      await dropWorktree(path.join(scratch, `bare-${id}`), `bench/bare-${id}`);
      ours.push(
        await time(async () => {
          const repo = await inspectRepo(REPO);
          const workspace = await createSessionWorkspace({
            repo,
            sessionId: id,
            slug: 'bench',
            worktreesRoot: path.join(scratch, 'worktrees'),
          });
          await prepareSessionWorktree({
            repoRoot: repo.root,
            worktree: workspace.worktree,
            gitDir: workspace.gitDir,
            baseCommit: workspace.baseCommit,
            config: defaultConfig().workspace,
            log,
          });
        }),
      );
      const created = fs
        .readdirSync(path.join(scratch, 'worktrees'))
        .flatMap((d) => fs.readdirSync(path.join(scratch, 'worktrees', d)).map((w) => path.join(scratch, 'worktrees', d, w)));
      for (const wt of created) await dropWorktree(wt, `factory/bench-${id}`);
    }
    rows.push(ratio('session creation', median(ours), 'git worktree add', median(bare)));
  } finally {
    await runGit(['worktree', 'prune'], { cwd: REPO });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The fixture: 20,000 files / 200 MB on main; bench/change = a 200-file session change; bench/target
// = main with 50 other files changed (so the merge is a real three-way merge).

async function ensureRepo(): Promise<void> {
  const marker = path.join(CACHE, 'ready');
  if (fs.existsSync(marker)) return;
  fs.rmSync(CACHE, { recursive: true, force: true });
  fs.mkdirSync(REPO, { recursive: true });
  await gitIn(REPO, ['init', '-q', '-b', 'main']);
  const pool = textPool();
  await fastImport(REPO, async (write) => {
    await write(commitHeader('refs/heads/main', 'A large repository', null));
    for (let i = 0; i < FILES; i += 1) await writeFile(write, filePath(i), fileContent(pool, i));
  });
  await fastImport(REPO, async (write) => {
    // The session's change: 140 edited, 20 deleted, 20 renamed (10 of them edited), 15 added, 5 binaries.
    await write(commitHeader('refs/heads/bench/change', 'A 200-file change', 'refs/heads/main'));
    const picked = pick(200, 1);
    for (const [n, i] of picked.entries()) {
      const file = filePath(i);
      if (n < 140) await writeFile(write, file, edited(fileContent(pool, i), n));
      else if (n < 160) await write(`D ${file}\n`);
      else if (n < 180) {
        await write(`D ${file}\n`);
        await writeFile(
          write,
          `${file.replace(/\.txt$/, '')}-renamed.txt`,
          n < 170 ? edited(fileContent(pool, i), n) : fileContent(pool, i),
        );
      } else if (n < 195)
        await writeFile(
          write,
          `src/new/file-${n}.txt`,
          Buffer.from(`new file ${n}\n${crypto.createHash('sha512').update(String(n)).digest('hex').repeat(40)}\n`),
        );
      else
        await writeFile(
          write,
          `assets/image-${n}.bin`,
          Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), crypto.createHash('sha512').update(String(n)).digest()]),
        );
    }
    await write(commitHeader('refs/heads/bench/target', 'main moves on', 'refs/heads/main'));
    for (const [n, i] of pick(50, 2).entries()) await writeFile(write, filePath(i), edited(fileContent(pool, i), 1000 + n));
  });
  await gitIn(REPO, ['reset', '-q', '--hard', 'main']);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

function filePath(i: number): string {
  return `src/module-${i % 40}/part-${Math.floor(i / 40) % 25}/file-${i}.txt`;
}

/** ~4 MB of word salad; each file is a slice of it at its own offset, with its own first line. */
function textPool(): Buffer {
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const words = Array.from(
    { length: 2048 },
    (_, i) =>
      `${rnd()
        .toString(36)
        .slice(0, 2 + (i % 8))}`,
  );
  const lines: string[] = [];
  let size = 0;
  while (size < 4 * 1024 * 1024) {
    const line = `${Array.from({ length: 9 }, () => words[rnd() & 2047]).join(' ')}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

function fileContent(pool: Buffer, i: number): Buffer {
  const average = TOTAL_BYTES / FILES;
  const h = crypto.createHash('md5').update(String(i)).digest();
  const size = Math.floor(average * (0.5 + h.readUInt16BE(0) / 65535));
  const start = h.readUInt32BE(2) % (pool.length - size);
  const lineStart = pool.indexOf(0x0a, start) + 1;
  return Buffer.concat([Buffer.from(`// file ${i}\n`), pool.subarray(lineStart, lineStart + size)]);
}

/** A small edit in the middle of a file plus a line at the end, as a Coder's edit would be. */
function edited(content: Buffer, n: number): Buffer {
  const middle = content.indexOf(0x0a, Math.floor(content.length / 2)) + 1;
  return Buffer.concat([
    content.subarray(0, middle),
    Buffer.from(`edited by the session (${n})\n`),
    content.subarray(middle),
    Buffer.from(`appended ${n}\n`),
  ]);
}

function pick(count: number, salt: number): number[] {
  const chosen = new Set<number>();
  for (let k = 0; chosen.size < count; k += 1) chosen.add(crypto.createHash('md5').update(`${salt}:${k}`).digest().readUInt32BE(0) % FILES);
  return [...chosen];
}

type Write = (chunk: string | Buffer) => Promise<void>;

function commitHeader(ref: string, message: string, from: string | null): string {
  return `commit ${ref}\ncommitter bench <bench@example.com> 1700000000 +0000\ndata ${Buffer.byteLength(message)}\n${message}\n${from ? `from ${from}^0\n` : ''}`;
}

async function writeFile(write: Write, file: string, content: Buffer): Promise<void> {
  await write(`M 100644 inline ${file}\ndata ${content.length}\n`);
  await write(content);
  await write('\n');
}

async function fastImport(cwd: string, produce: (write: Write) => Promise<void>): Promise<void> {
  // --depth=0: no delta chains. fast-import deltifies each blob against the one written before it, in
  // write order; a checkout (path order) then rebuilds chains 50 deep for nearly every file — a
  // pathological pack no real repository has (gc orders deltas for reading), 15× slower to check out.
  const child = spawn('git', ['fast-import', '--quiet', '--depth=0'], {
    cwd,
    stdio: ['pipe', 'inherit', 'inherit'],
    env: { ...process.env, ...IDENTITY },
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const write: Write = (chunk) => new Promise((resolve) => (child.stdin.write(chunk) ? resolve() : child.stdin.once('drain', resolve)));
  await produce(write);
  child.stdin.end();
  const code = await closed;
  if (code !== 0) throw new Error(`git fast-import exited ${String(code)}`);
}

async function gitIn(cwd: string, args: string[]): Promise<void> {
  await runGit(args, { cwd, env: IDENTITY });
}

async function repoStats(): Promise<{ files: number; bytes: number }> {
  const listing = await runGit(['ls-tree', '-r', '-l', '-z', 'main'], { cwd: REPO });
  let files = 0;
  let bytes = 0;
  for (const entry of listing.stdout.split('\0')) {
    const size = Number(entry.split(/\s+/)[3]);
    if (Number.isFinite(size)) {
      files += 1;
      bytes += size;
    }
  }
  return { files, bytes };
}

async function dropWorktree(worktree: string, branch: string): Promise<void> {
  await runGit(['worktree', 'remove', '--force', '--force', worktree], { cwd: REPO, expectedExitCodes: [0, 128] });
  await runGit(['branch', '-D', '-q', branch], { cwd: REPO, expectedExitCodes: [0, 1] });
}

// ---------------------------------------------------------------------------------------------
// isomorphic-git versions of the same reads, for the comparison only.

async function isoChangedPaths(gitdir: string, a: string, b: string, cache: object): Promise<number> {
  let changed = 0;
  await git.walk({
    fs,
    gitdir,
    cache,
    trees: [git.TREE({ ref: a }), git.TREE({ ref: b })],
    map: async (_file, [left, right]) => {
      const [lo, ro] = await Promise.all([left?.oid(), right?.oid()]);
      if (lo === ro) return null; // identical subtree: do not descend
      const [lt, rt] = await Promise.all([left?.type(), right?.type()]);
      if (lt !== 'tree' && rt !== 'tree') changed += 1;
      return true;
    },
  });
  return changed;
}

async function isoReadBlobs(gitdir: string, oids: readonly string[], cache: object): Promise<number> {
  let bytes = 0;
  for (const oid of oids) bytes += (await git.readBlob({ fs, gitdir, oid, cache })).blob.length;
  return bytes;
}

// ---------------------------------------------------------------------------------------------

async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

async function sample(n: number, work: () => Promise<unknown>): Promise<number> {
  const [median_] = await interleaved(n, [work]);
  return median_;
}

/** Medians of n rounds, each running every job once in turn: load on a shared machine hits all alike. */
async function interleaved<T extends Array<() => Promise<unknown>>>(n: number, jobs: [...T]): Promise<{ [K in keyof T]: number }> {
  for (const job of jobs) await job(); // warm the OS cache and git's own
  const times = jobs.map(() => [] as number[]);
  for (let i = 0; i < n; i += 1) {
    for (const [j, job] of jobs.entries()) times[j]?.push(await time(job));
  }
  return times.map(median) as { [K in keyof T]: number };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function ratio(label: string, ours: number, baselineLabel: string, baseline: number, target = 1.5): string {
  const r = ours / baseline;
  return `${label.padEnd(60)} ${ms(ours).padStart(9)} vs ${baselineLabel} ${ms(baseline)}  → ${r.toFixed(2)}×  target ≤ ${target}× → ${r <= target ? 'OK' : 'OVER'}`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
