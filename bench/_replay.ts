/**
 * `npm run bench -- parser --replay [--replay-repo GITDIR …] [--replay-commits N]`: the real-commit
 * replay (issue #18). Each commit's change, one language at a time, is written as the reply a perfect
 * model would give in each shape small models use (tests/support/replay/reply-shapes.ts), parsed and
 * applied as a session does, and compared byte for byte with the commit's files. Sources: this
 * project's own history, plus any repository given with --replay-repo (e.g. a snapshot the `fetch`
 * tool brought to /work/.mirror/OWNER+NAME/repo). Prints exact / refused / unsafe per language and per
 * shape, every refusal, and every unsafe write (must be 0: the exit code is 1 otherwise).
 */
import path from 'node:path';
import { commitGroups, type CommitGroup } from '../tests/support/replay/commit-source.js';
import { generateReply, SHAPES, type Shape } from '../tests/support/replay/reply-shapes.js';
import { replayRecord, type Verdict } from '../tests/support/replay/replay-record.js';

interface Result {
  readonly id: string;
  readonly language: string;
  readonly shape: Shape;
  readonly verdict: Verdict;
}

export function runReplay(args: readonly string[]): void {
  const maxCommits = Number(valuesOf(args, '--replay-commits')[0] ?? '150');
  const sources: [string, string][] = [['mlx-factory', path.resolve('.git')]];
  for (const dir of valuesOf(args, '--replay-repo')) sources.push([repoName(dir), path.resolve(dir)]);
  const results: Result[] = [];
  let notExpressible = 0;
  const started = performance.now();
  for (const [name, gitDir] of sources) {
    const groups: CommitGroup[] = commitGroups(gitDir, name, maxCommits);
    process.stdout.write(`  ${name}: ${groups.length} commit groups from the last ${maxCommits} commits\n`);
    for (const group of groups) {
      for (const shape of SHAPES) {
        const generated = generateReply(group.changes, shape);
        if (!generated.ok) {
          notExpressible += 1;
          continue;
        }
        const record = { ...group, shape, reply: generated.reply };
        results.push({ id: group.id, language: group.language, shape, verdict: replayRecord(record) });
      }
    }
  }
  report(results, notExpressible, performance.now() - started);
}

function valuesOf(args: readonly string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option && args[i + 1] !== undefined ? [args[i + 1] ?? ''] : []));
}

/** `/work/.mirror/pallets+click/repo` → `pallets/click`. */
function repoName(dir: string): string {
  const parts = path.resolve(dir).split(path.sep);
  const owner = parts.find((p) => p.includes('+'));
  return owner === undefined ? path.basename(dir) : owner.replace('+', '/');
}

function report(results: readonly Result[], notExpressible: number, millis: number): void {
  const lines: string[] = [];
  const table = (title: string, key: (r: Result) => string): void => {
    lines.push(`  by ${title}:`);
    const keys = [...new Set(results.map(key))].sort();
    for (const k of keys) {
      const of = results.filter((r) => key(r) === k);
      const n = (kind: Verdict['kind']): number => of.filter((r) => r.verdict.kind === kind).length;
      lines.push(
        `    ${k.padEnd(24)} ${String(of.length).padStart(5)} records  exact ${n('exact')}  refused ${n('refused')}  unsafe ${n('unsafe')}`,
      );
    }
  };
  table('language', (r) => r.language);
  table('reply shape', (r) => r.shape);
  const refused = results.filter((r) => r.verdict.kind === 'refused');
  const unsafe = results.filter((r) => r.verdict.kind === 'unsafe');
  if (refused.length > 0) lines.push('  refusals:');
  for (const r of refused) {
    const reasons = r.verdict.kind === 'refused' ? r.verdict.reasons : [];
    lines.push(
      `    REFUSED ${r.id} [${r.shape}]: ${(reasons[0] ?? '').split('\n')[0]?.slice(0, 160) ?? ''}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ''}`,
    );
  }
  for (const r of unsafe) lines.push(`    UNSAFE ${r.id} [${r.shape}]: ${r.verdict.kind === 'unsafe' ? r.verdict.detail : ''}`);
  const count = (kind: Verdict['kind']): number => results.filter((r) => r.verdict.kind === kind).length;
  lines.push(
    `  ${notExpressible} change/shape pairs a reply cannot express (deleted files, a final newline added or dropped by SEARCH/REPLACE) were not records`,
    `  replay: ${results.length} records, ${count('exact')} exact, ${count('refused')} refused, ${count('unsafe')} unsafe (must be 0); ${(millis / Math.max(1, results.length)).toFixed(1)} ms per record`,
    '',
  );
  process.stdout.write(lines.join('\n'));
  if (unsafe.length > 0) process.exitCode = 1;
}
