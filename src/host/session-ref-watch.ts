import fs from 'node:fs';
import path from 'node:path';
import { readRef } from '../workspace/git/read-ref.js';
import { readBranchFromFiles } from '../workspace/git/read-branch-file.js';

/**
 * Keeps merge previews true when the world moves: for the sessions whose merge preview a client
 * asked for, the two refs the preview depends on — the base branch it would merge into and the
 * session branch — are watched in the repository's common git dir, and a move of either is reported
 * (the host emits `session.refsMoved`; the renderer marks its preview out of date and asks again).
 *
 * fs.watch on the folders holding the loose ref files and on the git dir itself (packed-refs, and git
 * replaces ref files by rename) wakes it at once; a slow poll is the fallback (watch events can be
 * dropped, and some file systems send none). Reading is read-only and follows no link out of the git
 * dir (read-branch-file.ts); only a repository those files cannot answer for (reftable) asks git.
 */
export interface RefHeads {
  readonly baseHead: string | null;
  readonly sessionHead: string | null;
}

export interface RefWatchTarget {
  readonly commonDir: string;
  /** The branch the preview merges into (null: none, a session started on a detached HEAD). */
  readonly baseBranch: string | null;
  readonly sessionBranch: string;
}

interface RefsMoved extends RefHeads {
  readonly id: string;
  readonly baseBranch: string | null;
}

export interface SessionRefWatchOptions {
  readonly onMoved: (moved: RefsMoved) => void;
  readonly pollMs?: number;
  /** Sessions watched at once; the one whose preview was asked for longest ago goes first. */
  readonly max?: number;
}

interface Watched {
  readonly target: RefWatchTarget;
  known: RefHeads;
  watchers: fs.FSWatcher[];
  checking: boolean;
  again: boolean;
}

export class SessionRefWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flush: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SessionRefWatchOptions) {}

  /** Is `id` watched with this target (so a new preview needs no new watch)? */
  has(id: string, target: RefWatchTarget): boolean {
    const current = this.watched.get(id)?.target;
    return current !== undefined && sameTarget(current, target);
  }

  /**
   * Watches `id`'s refs, starting from the heads a preview was computed from: if the refs have moved
   * since (or move later), `onMoved` says so.
   */
  watch(id: string, target: RefWatchTarget, seen: RefHeads): void {
    if (this.stopped) return;
    const existing = this.watched.get(id);
    if (existing !== undefined && sameTarget(existing.target, target)) {
      existing.known = seen;
      // Most recently used last, so eviction takes the oldest.
      this.watched.delete(id);
      this.watched.set(id, existing);
    } else {
      if (existing !== undefined) this.unwatch(id);
      this.watched.set(id, { target, known: seen, watchers: this.startWatchers(id, target), checking: false, again: false });
      this.evict();
    }
    this.timer ??= setInterval(() => {
      for (const watchedId of this.watched.keys()) this.soon(watchedId);
    }, this.options.pollMs ?? 1500);
    this.timer.unref();
    this.soon(id);
  }

  unwatch(id: string): void {
    const entry = this.watched.get(id);
    if (entry === undefined) return;
    for (const watcher of entry.watchers) watcher.close();
    this.watched.delete(id);
    if (this.watched.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const id of [...this.watched.keys()]) this.unwatch(id);
    if (this.flush !== undefined) clearTimeout(this.flush);
    this.pending.clear();
  }

  private evict(): void {
    const max = this.options.max ?? 8;
    for (const id of this.watched.keys()) {
      if (this.watched.size <= max) return;
      this.unwatch(id);
    }
  }

  /** The folders whose entries change when the refs move: each loose ref's folder, and the git dir. */
  private startWatchers(id: string, target: RefWatchTarget): fs.FSWatcher[] {
    const dirs = new Set<string>([target.commonDir]);
    for (const branch of [target.baseBranch, target.sessionBranch]) {
      if (branch === null) continue;
      const dir = realFolderInside(target.commonDir, ['refs', 'heads', ...branch.split('/').slice(0, -1)]);
      if (dir !== null) dirs.add(dir);
    }
    const watchers: fs.FSWatcher[] = [];
    for (const dir of dirs) {
      try {
        const watcher = fs.watch(dir, { persistent: false }, () => this.soon(id));
        watcher.on('error', () => watcher.close()); // the poll carries on
        watchers.push(watcher);
      } catch {
        // Not watchable here: the poll alone.
      }
    }
    return watchers;
  }

  /** git writes a ref as several file events (lock, rename): one check for them. */
  private soon(id: string): void {
    if (this.stopped) return;
    this.pending.add(id);
    this.flush ??= setTimeout(() => {
      this.flush = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      for (const pendingId of ids) void this.check(pendingId);
    }, 30);
  }

  private async check(id: string): Promise<void> {
    const entry = this.watched.get(id);
    if (entry === undefined) return;
    if (entry.checking) {
      entry.again = true;
      return;
    }
    entry.checking = true;
    try {
      do {
        entry.again = false;
        const { target } = entry;
        const [baseHead, sessionHead] = await Promise.all([
          target.baseBranch === null ? null : readBranch(target.commonDir, target.baseBranch),
          readBranch(target.commonDir, target.sessionBranch),
        ]);
        if (this.watched.get(id) !== entry) return;
        if (baseHead === entry.known.baseHead && sessionHead === entry.known.sessionHead) continue;
        entry.known = { baseHead, sessionHead };
        this.options.onMoved({ id, baseBranch: target.baseBranch, baseHead, sessionHead });
      } while (entry.again);
    } catch {
      // Unreadable for now (a ref being rewritten): the next event or poll reads it again.
    } finally {
      entry.checking = false;
    }
  }
}

async function readBranch(commonDir: string, branch: string): Promise<string | null> {
  const fromFiles = readBranchFromFiles(commonDir, branch);
  if (fromFiles === 'reftable') return readRef(commonDir, `refs/heads/${branch}`);
  if (fromFiles === undefined) throw new Error(`refs/heads/${branch} in ${commonDir} is not a plain ref file; not followed`);
  return fromFiles;
}

function sameTarget(a: RefWatchTarget, b: RefWatchTarget): boolean {
  return a.commonDir === b.commonDir && a.baseBranch === b.baseBranch && a.sessionBranch === b.sessionBranch;
}

/** `commonDir/parts…` when every step is a real folder (no link), else null. */
function realFolderInside(commonDir: string, parts: readonly string[]): string | null {
  let at = commonDir;
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') return null;
    at = path.join(at, part);
    try {
      const stat = fs.lstatSync(at);
      if (stat.isSymbolicLink() || !stat.isDirectory()) return null;
    } catch {
      return null;
    }
  }
  return at;
}
