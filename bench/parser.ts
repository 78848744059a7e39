/**
 * `npm run bench -- parser --corpus DIR`: the Coder reply parser on a corpus of real reply shapes
 * (DESIGN.md, "Corpus"; the record format of ../shared/parser-corpus: `{id, contract, existing_files,
 * files_in_play?, reply, expected: {files} | {error: true}, expected_read_requests?}` in DIR/*.json).
 * Each case goes through the session's own path: parseCoderReply, then applyEdits on a real
 * directory. Prints pass counts per source, the outside-contract cases that wrote conflict markers
 * or another file's content (must be 0), and parse+apply time per case against a plain write of the
 * same files (the baseline, measured in the same run). Without --corpus it says so and skips.
 * `npm run bench -- parser --replay` runs the real-commit replay instead (bench/_replay.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseCoderReply } from '../src/agents/parse-coder-reply.js';
import { applyEdits } from '../src/workspace/apply-edits.js';
import { runReplay } from './_replay.js';

const CaseSchema = z.looseObject({
  id: z.string(),
  contract: z.enum(['in', 'outside']),
  existing_files: z.record(z.string(), z.string()),
  files_in_play: z.array(z.string()).optional(),
  reply: z.string(),
  expected: z.union([z.strictObject({ error: z.literal(true) }), z.looseObject({ files: z.record(z.string(), z.string()) })]),
  expected_read_requests: z.array(z.string()).optional(),
});
type CorpusCase = z.infer<typeof CaseSchema>;

const MARKER_LINE = /^\s*(?:<{5,9}|>{5,9})(?![<>])/m;

interface Outcome {
  readonly id: string;
  readonly contract: 'in' | 'outside';
  readonly pass: boolean;
  /** An outside-contract case (or any case) wrote marker lines or another file's content. */
  readonly unsafe: string | undefined;
  readonly micros: number;
  readonly baselineMicros: number;
}

export async function run(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--replay')) {
    runReplay(args);
    return;
  }
  const corpus = corpusArg();
  if (corpus === undefined) {
    process.stdout.write(
      'no corpus given: run `npm run bench -- parser --corpus DIR` (e.g. ../shared/parser-corpus/corpus), or `--replay` for the real-commit replay; skipped\n',
    );
    return;
  }
  const cases = loadCases(corpus);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bench-parser-'));
  const outcomes: Outcome[] = [];
  try {
    for (const [n, c] of cases.entries()) outcomes.push(await runCase(c, path.join(scratch, String(n))));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  report(outcomes);
}

function corpusArg(): string | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf('--corpus');
  const value = at === -1 ? undefined : args[at + 1];
  return value === undefined ? undefined : path.resolve(value);
}

function loadCases(dir: string): CorpusCase[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`no *.json case files in ${dir}`);
  return files.flatMap((f) => z.array(CaseSchema).parse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
}

async function runCase(c: CorpusCase, dir: string): Promise<Outcome> {
  const baselineDir = `${dir}-baseline`;
  const baselineStart = performance.now();
  writeTree(baselineDir, c.existing_files);
  readTree(baselineDir);
  const baselineMicros = (performance.now() - baselineStart) * 1000;

  const start = performance.now();
  writeTree(dir, c.existing_files);
  const existing = Object.keys(c.existing_files);
  const parsed = parseCoderReply(c.reply, { existingFiles: existing, filesInPlay: c.files_in_play ?? existing });
  applyEdits(dir, parsed.edits);
  const produced = readTree(dir);
  const micros = (performance.now() - start) * 1000;

  const expectedTree: Record<string, string> = { ...c.existing_files, ...('files' in c.expected ? c.expected.files : {}) };
  const sameTree = JSON.stringify(sorted(produced)) === JSON.stringify(sorted(expectedTree));
  const readsOk = JSON.stringify(parsed.readRequests) === JSON.stringify(c.expected_read_requests ?? []);
  return { id: c.id, contract: c.contract, pass: sameTree && readsOk, unsafe: unsafeWrite(c, produced), micros, baselineMicros };
}

/** A written file that gained conflict-marker lines, or holds another file's (expected or existing) content. */
function unsafeWrite(c: CorpusCase, produced: Readonly<Record<string, string>>): string | undefined {
  const others = { ...c.existing_files, ...('files' in c.expected ? c.expected.files : {}) };
  for (const [file, text] of Object.entries(produced)) {
    if (c.existing_files[file] === text) continue;
    if (MARKER_LINE.test(text) && !MARKER_LINE.test(c.existing_files[file] ?? '')) return `${file} got conflict-marker lines`;
    for (const [other, content] of Object.entries(others)) {
      if (other !== file && content === text && content.trim() !== '') return `${file} got the content of ${other}`;
    }
  }
  return undefined;
}

function report(outcomes: readonly Outcome[]): void {
  const groups = [...new Set(outcomes.map((o) => o.id.split('/')[0] ?? o.id))];
  const lines: string[] = [];
  for (const g of groups) {
    const inG = outcomes.filter((o) => o.id.startsWith(`${g}/`) && o.contract === 'in');
    const outG = outcomes.filter((o) => o.id.startsWith(`${g}/`) && o.contract === 'outside');
    const outside = outG.length > 0 ? `; outside contract ${outG.filter((o) => o.pass).length}/${outG.length} match the other tool` : '';
    lines.push(`  ${g}: ${inG.filter((o) => o.pass).length}/${inG.length} in-contract pass${outside}`);
  }
  for (const o of outcomes.filter((x) => x.contract === 'in' && !x.pass)) lines.push(`  FAIL ${o.id}`);
  const unsafe = outcomes.filter((o) => o.unsafe !== undefined);
  for (const o of unsafe) lines.push(`  UNSAFE ${o.id}: ${o.unsafe ?? ''}`);
  const inContract = outcomes.filter((o) => o.contract === 'in');
  const micros = outcomes.reduce((n, o) => n + o.micros, 0) / outcomes.length;
  const baseline = outcomes.reduce((n, o) => n + o.baselineMicros, 0) / outcomes.length;
  lines.push(
    `unsafe writes (conflict markers or another file's content): ${unsafe.length}`,
    `parse + apply per case ${micros.toFixed(0)} µs vs writing and reading the same files ${baseline.toFixed(0)} µs (${(micros / baseline).toFixed(2)}×)`,
    `${inContract.filter((o) => o.pass).length}/${inContract.length} cases pass (${outcomes.length - inContract.length} outside contract)`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

function writeTree(root: string, files: Readonly<Record<string, string>>): void {
  fs.mkdirSync(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
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

function sorted(tree: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(tree).sort(([a], [b]) => a.localeCompare(b));
}
