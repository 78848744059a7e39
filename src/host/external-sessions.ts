import fs from 'node:fs';
import type { SessionEvent } from '../api/events.js';
import { ROW_EVENTS } from '../api/session-row.js';
import type { AppPaths } from '../home/app-home.js';
import { readAppendedEvents } from '../sessions/session-log.js';
import { sessionFiles } from '../sessions/session-meta.js';

/**
 * Live follow of sessions another process runs (a `mlx-factory run` in a terminal, another host):
 * the sessions folder is watched, and whatever is appended to a log is read — only the new bytes,
 * whole lines only — and passed on: to the clients following that session, and as a list update.
 * fs.watch wakes it at once where the platform reports changes; a slow poll is the fallback (watch
 * events can be dropped or coalesced, and network volumes send none).
 */
export interface ExternalSessionsDeps {
  readonly paths: AppPaths;
  /** Sessions this host runs itself: their events already reach clients from the live log. */
  readonly runsHere: (id: string) => boolean;
  /** A session appeared, or its list row may have changed. */
  readonly onChanged: (id: string) => void;
  readonly pollMs?: number;
}

interface Followed {
  offset: number;
  identity: string | null;
}

export class ExternalSessions {
  private readonly followed = new Map<string, Followed>();
  private readonly listeners = new Map<string, Set<(event: SessionEvent) => void>>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: fs.FSWatcher | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly deps: ExternalSessionsDeps) {}

  start(): void {
    // What is there now is known already (the list reads it): only later appends are news.
    this.scan(false);
    this.timer = setInterval(() => this.scan(true), this.deps.pollMs ?? 1000);
    this.timer.unref();
    try {
      fs.mkdirSync(this.deps.paths.sessions, { recursive: true });
      this.watcher = fs.watch(this.deps.paths.sessions, { recursive: true }, () => this.soon());
      this.watcher.on('error', () => this.watcher?.close());
      this.watcher.unref();
    } catch {
      // No recursive watch here: the poll alone.
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.watcher?.close();
    this.listeners.clear();
  }

  /** Events appended to a session's log from now on (by whichever process writes it). */
  subscribe(id: string, listener: (event: SessionEvent) => void): () => void {
    let set = this.listeners.get(id);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Several changes arrive together (a line, meta.json): one scan for them. */
  private soon(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (!this.stopped) this.scan(true);
    }, 30).unref();
  }

  private scan(announce: boolean): void {
    let ids: string[];
    try {
      ids = fs
        .readdirSync(this.deps.paths.sessions, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return;
    }
    for (const id of ids) {
      try {
        this.check(id, announce);
      } catch {
        // A log being replaced or half-written: the next scan reads it again.
      }
    }
  }

  private check(id: string, announce: boolean): void {
    const file = sessionFiles(this.deps.paths.sessions, id).log;
    let state = this.followed.get(id);
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
    if (size === undefined) return;
    if (state === undefined) {
      state = { offset: 0, identity: null };
      this.followed.set(id, state);
      if (!announce) {
        // Known already (the list reads it): start after what the log holds now.
        const end = wholeLinesEnd(file);
        if (end !== null) {
          state.offset = end.offset;
          state.identity = end.identity;
        } else {
          const now = readAppendedEvents(file, 0, null);
          state.offset = now.offset;
          state.identity = now.identity;
        }
        return;
      }
    } else if (size === state.offset) return;
    const appended = readAppendedEvents(file, state.offset, state.identity);
    state.offset = appended.offset;
    state.identity = appended.identity;
    if (appended.events.length === 0 || this.deps.runsHere(id)) return;
    const listeners = this.listeners.get(id);
    for (const event of appended.events) for (const listener of listeners ?? []) listener(event);
    if (appended.events.some((e) => ROW_EVENTS.has(e.type))) this.deps.onChanged(id);
  }
}

/** The end of a log that ends in a whole line (its last byte a newline), without reading it; null otherwise. */
function wholeLinesEnd(file: string): { offset: number; identity: string } | null {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return null;
    const identity = `${stat.dev}:${stat.ino}`;
    if (stat.size === 0) return { offset: 0, identity };
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, stat.size - 1);
    return last[0] === 0x0a ? { offset: stat.size, identity } : null;
  } finally {
    fs.closeSync(fd);
  }
}
