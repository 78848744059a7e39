import { groupsOf, type GroupView } from '../../../src/api/group-projection.js';
import type { SessionInfo } from '../../../src/api/payloads.js';
import { baseName } from './display-format.js';
import { groupOf } from './session-filter.js';
import { worktreeGone } from './session-gone.js';

/**
 * The session list by repository (newest activity first, each group newest first), a title per
 * session that tells equal tasks apart, and which sessions a repository's cleanup would take.
 * Pure, so the rules are tested.
 */
export interface RepoGroup {
  readonly repo: string;
  /** The folder's name; two repositories with the same name also show their parent folder. */
  readonly label: string;
  readonly sessions: readonly SessionInfo[];
}

export function groupByRepo(sessions: readonly SessionInfo[]): RepoGroup[] {
  const byRepo = new Map<string, SessionInfo[]>();
  for (const session of sessions) {
    const list = byRepo.get(session.repo) ?? [];
    list.push(session);
    byRepo.set(session.repo, list);
  }
  const names = new Map<string, number>();
  for (const repo of byRepo.keys()) names.set(baseName(repo), (names.get(baseName(repo)) ?? 0) + 1);
  const groups = [...byRepo.entries()].map(([repo, list]) => {
    const name = baseName(repo);
    const parent = baseName(repo.slice(0, repo.length - name.length).replace(/[\\/]+$/, ''));
    return { repo, label: (names.get(name) ?? 0) > 1 && parent !== '' ? `${parent}/${name}` : name, sessions: list };
  });
  const newest = (group: RepoGroup): string => group.sessions.reduce((max, s) => (s.createdAt > max ? s.createdAt : max), '');
  return groups.sort((a, b) => newest(b).localeCompare(newest(a)) || a.repo.localeCompare(b.repo));
}

/** The short id shown after a title that another session shares: the id's last part. */
export function shortId(id: string): string {
  const last = id.split('-').at(-1) ?? id;
  return last.length >= 4 ? last.slice(0, 6) : id.slice(-6);
}

/** Each session's title (its task's first line) and, when titles collide, a short id to tell them apart. */
export function sessionTitles(sessions: readonly SessionInfo[]): Record<string, { title: string; suffix: string | null }> {
  const count = new Map<string, number>();
  const key = (s: SessionInfo): string => s.title.trim().toLowerCase();
  for (const session of sessions) count.set(key(session), (count.get(key(session)) ?? 0) + 1);
  const titles: Record<string, { title: string; suffix: string | null }> = {};
  for (const session of sessions)
    titles[session.id] = { title: session.title, suffix: (count.get(key(session)) ?? 0) > 1 ? shortId(session.id) : null };
  return titles;
}

/** What "Discard merged and failed" takes in a repository: ended sessions whose worktree is still there. */
export function cleanupCandidates(sessions: readonly SessionInfo[]): SessionInfo[] {
  return sessions.filter((s) => !s.live && !worktreeGone(s) && (s.state === 'merged' || groupOf(s.state) === 'failed'));
}

/** A line of a repository's list: a session, or the header of a best-of-K group above its siblings. */
export type ListItem =
  | { readonly kind: 'session'; readonly session: SessionInfo; readonly sibling: boolean }
  | { readonly kind: 'group'; readonly group: GroupView };

/**
 * Best of K in the list: a group's header comes where its first-listed sibling would be, its siblings
 * (by index) right under it; sessions on their own keep their place. Siblings the filter hid stay hidden.
 */
export function listItems(sessions: readonly SessionInfo[]): ListItem[] {
  const groups = groupsOf(sessions);
  const items: ListItem[] = [];
  const done = new Set<string>();
  for (const session of sessions) {
    const ref = session.group;
    if (ref === undefined) {
      items.push({ kind: 'session', session, sibling: false });
      continue;
    }
    if (done.has(ref.id)) continue;
    done.add(ref.id);
    const group = groups.get(ref.id);
    if (group === undefined) continue;
    items.push({ kind: 'group', group });
    const siblings = sessions.filter((s) => s.group?.id === ref.id).sort((a, b) => (a.group?.index ?? 0) - (b.group?.index ?? 0));
    for (const sibling of siblings) items.push({ kind: 'session', session: sibling, sibling: true });
  }
  return items;
}
