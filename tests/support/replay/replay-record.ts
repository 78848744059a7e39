import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCoderReply } from '../../../src/agents/parse-coder-reply.js';
import { applyEdits } from '../../../src/workspace/apply-edits.js';
import type { FileChange, Shape } from './reply-shapes.js';

/**
 * One replay record: a real commit's change (one language's files), written as a reply in one
 * shape, parsed and applied the way a session does it (run-attempts.ts: parseCoderReply, then
 * applyEdits on a real directory), and the files compared byte for byte with the commit's.
 */
export interface ReplayRecord {
  readonly id: string;
  readonly language: string;
  readonly shape: Shape;
  readonly changes: readonly FileChange[];
  readonly reply: string;
  /** The tracked files before the commit (for the parser's path rules); the changed ones when absent. */
  readonly tracked?: readonly string[];
}

export type Verdict =
  | { readonly kind: 'exact' }
  /** A correction went back: acceptable only where the reply is truly ambiguous (listed by the bench). */
  | { readonly kind: 'refused'; readonly reasons: readonly string[] }
  /** Something other than the commit's result was written and nothing was refused. Must never happen. */
  | { readonly kind: 'unsafe'; readonly detail: string };

export function replayRecord(record: ReplayRecord): Verdict {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-replay-'));
  try {
    for (const change of record.changes) if (change.before !== null) writeFile(dir, change.path, change.before);
    const before = record.changes.flatMap((c) => (c.before === null ? [] : [c.path]));
    const existing = [...new Set([...(record.tracked ?? []), ...before])];
    const parsed = parseCoderReply(record.reply, { existingFiles: existing, filesInPlay: before });
    const applied = applyEdits(dir, parsed.edits);
    const reasons = [...parsed.rejected, ...applied.failed].map((r) => `${r.path}: ${r.reason}`);
    if (reasons.length > 0) return { kind: 'refused', reasons };
    if (parsed.edits.length === 0) return { kind: 'refused', reasons: ['no edit read from the reply (a correction is sent)'] };
    const produced = readTree(dir);
    const expected = Object.fromEntries(record.changes.map((c) => [c.path, c.after]));
    for (const [file, text] of Object.entries(produced)) {
      if (!(file in expected)) return { kind: 'unsafe', detail: `wrote ${file}, which the commit does not have` };
      if (text !== expected[file]) return { kind: 'unsafe', detail: `${file}: ${firstDifference(expected[file] ?? '', text)}` };
    }
    const missing = Object.keys(expected).find((f) => !(f in produced));
    return missing === undefined ? { kind: 'exact' } : { kind: 'unsafe', detail: `${missing} was not written` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeFile(root: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

/** The first line that differs, both sides quoted. */
function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i += 1) {
    if (e[i] !== a[i]) return `line ${i + 1}: expected ${JSON.stringify(e[i] ?? '(end)')}, got ${JSON.stringify(a[i] ?? '(end)')}`;
  }
  return 'same lines, different bytes';
}
