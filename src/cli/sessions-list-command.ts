import { appPaths, type AppPaths } from '../home/app-home.js';
import { stateLabel, type SessionRow } from '../api/session-row.js';
import { groupsOf, type GroupView } from '../api/group-projection.js';
import { reconcileSessions } from '../sessions/session-store.js';
import type { CliOutput } from './cli-output.js';
import { parseCliArgs } from './parse-cli-args.js';

/**
 * `mlx-factory sessions list [--json]`, the command scripts poll: main.ts loads this module alone,
 * without the rest of `sessions` (git, the sandbox, the model client), so a listing costs the session
 * store and little else.
 */
const LIST_USAGE = 'Usage: mlx-factory sessions list [--json]';

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `args` are the words after `sessions`, `list` among them. */
export async function sessionsListCommand(
  args: readonly string[],
  context: { readonly output: CliOutput; readonly home?: string },
): Promise<number> {
  const { values } = parseCliArgs(args, OPTIONS, LIST_USAGE);
  if (values.help === true) {
    context.output.out(`${LIST_USAGE}\n`);
    return 0;
  }
  return listSessions(appPaths(context.home), context.output, values.json === true);
}

export function listSessions(paths: AppPaths, out: CliOutput, json: boolean): number {
  const listing = reconcileSessions(paths);
  for (const problem of listing.problems) out.err(`warning: session ${problem.id} cannot be read: ${problem.message}\n`);
  const text = listing.sessions.length === 0 ? `No sessions yet in ${paths.sessions}.` : formatList(listing.sessions);
  const groups = [...groupsOf(listing.sessions).values()];
  out.out(json ? `${JSON.stringify({ sessions: listing.sessions, groups })}\n` : `${text}\n`);
  return 0;
}

/** Best of K: a group's line comes where its newest sibling would, its siblings indented under it (by index). */
function inListOrder(sessions: readonly SessionRow[]): Array<SessionRow | GroupView> {
  const groups = groupsOf(sessions);
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const ordered: Array<SessionRow | GroupView> = [];
  const shown = new Set<string>();
  for (const s of sessions) {
    if (s.group === undefined) {
      ordered.push(s);
      continue;
    }
    if (shown.has(s.group.id)) continue;
    shown.add(s.group.id);
    const group = groups.get(s.group.id);
    if (group === undefined) continue;
    ordered.push(group);
    for (const sibling of group.siblings) {
      const row = byId.get(sibling.id);
      if (row !== undefined) ordered.push(row);
    }
  }
  return ordered;
}

function formatList(sessions: readonly SessionRow[]): string {
  const rows = inListOrder(sessions).map((s) =>
    'siblings' in s
      ? [s.id, s.state, '', '', `best of ${s.size}${s.winner !== null ? `, winner ${s.winner}` : ''}`, s.title.slice(0, 48)]
      : [
          s.group !== undefined ? `  ${s.id}` : s.id,
          stateLabel(s).label.toLowerCase(),
          s.series === 1 ? String(s.attempts) : `${s.totalAttempts} (${s.series} series)`,
          String(s.steps),
          s.branch,
          s.name.slice(0, 48),
        ],
  );
  const header = ['ID', 'STATE', 'ATTEMPTS', 'STEPS', 'BRANCH', 'TASK'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
