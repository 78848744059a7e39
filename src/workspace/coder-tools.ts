import fs from 'node:fs';
import path from 'node:path';
import { fenceFor } from '../agents/fence-for.js';
import { checkToolRequest, describeToolRequest, MAX_TOOL_REQUESTS, type ToolAnswer, type ToolRequest } from '../agents/tool-requests.js';
import { runGit } from './git/run-git.js';
import { gitPlace, type GitAt } from './git/worktree-git.js';
import { readWorktreeText } from './worktree-files.js';

/** The worktree's folder (file reads) and how git reaches it (the recorded gitdir). */
interface Root {
  readonly dir: string;
  readonly git: GitAt;
}

/**
 * Answers the Coder's READ / SEARCH / LIST requests (src/agents/tool-requests.ts) from its worktree,
 * within a character budget the caller derives from max_prompt_tokens. Host-side rules (DESIGN.md,
 * "The host side is the boundary"): file reads are lstat-first, follow no link out of the worktree,
 * refuse FIFOs, sockets and devices, and are capped; SEARCH and LIST see tracked files only, through
 * git (the only git calls are in `git()` below).
 */
export type { ToolAnswer } from '../agents/tool-requests.js';

const MAX_READ_BYTES = 1024 * 1024;
const MAX_READ_LINES = 400;
const MAX_SEARCH_HITS = 40;
const MAX_HITS_PER_FILE = 20;
const MAX_HIT_CHARS = 200;
const MAX_LIST_ENTRIES = 150;
/** Below this a share is too small to be useful; requests past the budget are named as skipped. */
const MIN_SHARE_CHARS = 400;

export async function answerToolRequests(worktree: GitAt, requests: readonly ToolRequest[], maxChars: number): Promise<ToolAnswer[]> {
  const root: Root = { dir: typeof worktree === 'string' ? fs.realpathSync(worktree) : worktree.workTree, git: worktree };
  const taken = requests.slice(0, MAX_TOOL_REQUESTS);
  const share = Math.max(MIN_SHARE_CHARS, Math.floor(maxChars / Math.max(1, taken.length)));
  const answers: ToolAnswer[] = [];
  let used = 0;
  for (const request of taken) {
    const heading = describeToolRequest(request);
    if (used + MIN_SHARE_CHARS > maxChars) {
      answers.push({ request: heading, body: 'Not answered: the context budget for this turn is used up. Ask again next turn.' });
      continue;
    }
    const limit = Math.min(share, maxChars - used);
    const body = fitTo(await answerOne(root, request, limit), limit);
    used += body.length + heading.length;
    answers.push({ request: heading, body });
  }
  if (requests.length > taken.length) {
    answers.push({
      request: 'Skipped',
      body: `Only ${MAX_TOOL_REQUESTS} requests are answered per turn; ${requests.length - taken.length} were skipped.`,
    });
  }
  return answers;
}

async function answerOne(root: Root, raw: ToolRequest, limit: number): Promise<string> {
  const checked = checkToolRequest(raw);
  if (!checked.ok) return `Refused: ${checked.reason}.`;
  const request = checked.request;
  switch (request.kind) {
    case 'read':
      return answerRead(root.dir, request.path, request.range, limit);
    case 'search':
      return answerSearch(root, request.pattern, request.glob, limit);
    case 'list':
      return answerList(root, request.dir, limit);
  }
}

function answerRead(root: string, file: string, range: { start: number; end: number } | undefined, limit: number): string {
  const read = readWorktreeText(root, file, { maxBytes: MAX_READ_BYTES });
  if (!read.ok) return `Refused: ${read.reason}${read.code === 'directory' ? ` (use LIST ${file})` : ''}.`;
  const lines = read.text.replace(/\n$/, '').split('\n');
  const total = lines.length;
  const first = range ? Math.min(range.start, total) : 1;
  let last = range ? Math.min(range.end, total) : total;
  last = Math.min(last, first + MAX_READ_LINES - 1);
  // Whole lines only, as many as fit (the fence and the heading take ~120 characters).
  const shown: string[] = [];
  let chars = 0;
  for (let n = first; n <= last; n += 1) {
    const line = lines[n - 1] ?? '';
    if (chars + line.length + 1 > limit - 160 && shown.length > 0) break;
    shown.push(line);
    chars += line.length + 1;
  }
  const end = first + shown.length - 1;
  const body = shown.join('\n');
  const fence = fenceFor(body);
  const whole = first === 1 && end === total && !read.truncated;
  const heading = whole
    ? `${file} (${total} lines):`
    : `${file}, lines ${first}-${end} of ${total}${read.truncated ? '+ (the file is larger than can be read)' : ''}:`;
  const more = end < total ? `\n(more: READ ${file} ${end + 1}-${Math.min(total, end + 200)})` : '';
  return `${heading}\n${fence}\n${body}\n${fence}${more}`;
}

async function answerSearch(root: Root, pattern: string, glob: string | undefined, limit: number): Promise<string> {
  const pathspec = glob === undefined ? [] : ['--', glob];
  const base = ['grep', '-n', '-z', '-I', '--no-color', '--no-textconv', '-m', String(MAX_HITS_PER_FILE)];
  // Perl regexes first (what models write: \d, \s, \w, non-greedy); git without PCRE falls back to -E.
  let result = await git([...base, '-P', '-e', pattern, ...pathspec], root.git, [0, 1, 128]);
  if (result.exitCode === 128) {
    const extended = await git([...base, '-E', '-e', pattern, ...pathspec], root.git, [0, 1, 128]);
    if (extended.exitCode !== 128 || /PCRE|Perl/i.test(result.stderr)) result = extended;
  }
  if (result.exitCode === 128) return `git grep could not use this pattern: ${firstLine(result.stderr)}`;
  const hits = result.stdout.split('\n').filter((line) => line !== '');
  if (hits.length === 0) return `No matches in tracked files${glob === undefined ? '' : ` matching ${glob}`}.`;
  const files = new Map<string, number>();
  const shown: string[] = [];
  let chars = 0;
  for (const hit of hits) {
    const [file = '', lineNo = '', ...rest] = hit.split('\0');
    files.set(file, (files.get(file) ?? 0) + 1);
    const text = rest.join('\0').trim();
    const line = `${file}:${lineNo}: ${text.length > MAX_HIT_CHARS ? `${text.slice(0, MAX_HIT_CHARS)}…` : text}`;
    if (shown.length >= MAX_SEARCH_HITS || chars + line.length + 1 > limit - 160) continue;
    shown.push(line);
    chars += line.length + 1;
  }
  const capped = [...files.values()].some((n) => n >= MAX_HITS_PER_FILE) ? ` (at most ${MAX_HITS_PER_FILE} per file)` : '';
  const summary = `${hits.length} matching lines${capped} in ${files.size} files`;
  const tail = shown.length < hits.length ? `\n(${hits.length - shown.length} more not shown: narrow the pattern or add a path glob)` : '';
  return `${summary}:\n${shown.join('\n')}${tail}`;
}

async function answerList(root: Root, dir: string, limit: number): Promise<string> {
  const result = await git(['ls-files', '-z', ...(dir === '' ? [] : ['--', dir])], root.git, [0], { GIT_LITERAL_PATHSPECS: '1' });
  const files = result.stdout.split('\0').filter((f) => f !== '');
  const where = dir === '' ? 'the repository' : dir;
  if (files.length === 0) return `No tracked files under ${where}.`;
  const entries =
    files.length <= MAX_LIST_ENTRIES ? files.map((f) => `${f} (${sizeOf(root.dir, f)})`) : summariseByChild(root.dir, dir, files);
  const shown: string[] = [];
  let chars = 0;
  for (const entry of entries) {
    if (chars + entry.length + 1 > limit - 120) break;
    shown.push(entry);
    chars += entry.length + 1;
  }
  const tail = shown.length < entries.length ? `\n(${entries.length - shown.length} more entries not shown: LIST a subdirectory)` : '';
  return `${files.length} tracked files under ${where}:\n${shown.join('\n')}${tail}`;
}

/** Too many files to list one by one: the directory's own files, then each subdirectory with counts. */
function summariseByChild(root: string, dir: string, files: readonly string[]): string[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  const direct: string[] = [];
  const subdirs = new Map<string, { count: number; bytes: number }>();
  for (const file of files) {
    const rest = file.startsWith(prefix) ? file.slice(prefix.length) : file;
    const slash = rest.indexOf('/');
    if (slash === -1) {
      direct.push(`${file} (${sizeOf(root, file)})`);
      continue;
    }
    const sub = `${prefix}${rest.slice(0, slash)}/`;
    const entry = subdirs.get(sub) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytesOf(root, file);
    subdirs.set(sub, entry);
  }
  return [...direct, ...[...subdirs].map(([sub, s]) => `${sub} (${s.count} files, ${humanSize(s.bytes)})`)];
}

function bytesOf(root: string, file: string): number {
  try {
    return fs.lstatSync(path.join(root, file)).size;
  } catch {
    return 0;
  }
}

function sizeOf(root: string, file: string): string {
  try {
    const stat = fs.lstatSync(path.join(root, file));
    return stat.isSymbolicLink() ? 'symbolic link' : humanSize(stat.size);
  } catch {
    return 'deleted';
  }
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Every git call of the tools goes through here, always naming the recorded gitdir of a session worktree. */
function git(
  args: readonly string[],
  at: GitAt,
  expectedExitCodes: readonly number[],
  env?: Record<string, string>,
): ReturnType<typeof runGit> {
  return runGit(args, { ...gitPlace(at), expectedExitCodes, ...(env === undefined ? {} : { env }) });
}

function fitTo(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 40))}\n… [cut to fit the context budget]`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
