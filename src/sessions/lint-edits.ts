import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ExecRequest, ExecResult } from '../sandbox/index.js';
import type { ResourceLimitsRequest } from '../sandbox/resource-limits.js';
import { shellQuote } from '../sandbox/shell-quote.js';
import { readWorktreeText } from '../workspace/worktree-files.js';

/**
 * Lint on edit (#16): a fast syntax check of the files an edit touched, before the check runs, so a
 * syntax error costs one more Coder turn instead of a whole attempt (check + Sheriff). Aider lints after
 * every edit by default; this is the same idea, bounded in time and kept in the sandbox:
 * - JSON and YAML are parsed here, in-process (parsing runs no code), through the worktree's lstat-first,
 *   byte-capped reads;
 * - every other language runs its own tool (`python3 -m py_compile`, `node --check`, `bash -n`,
 *   `gofmt -e`, `ruby -c`, Python's tomllib) on the generated file — an interpreter reading generated
 *   code — so they run in one sandboxed shell, as a check does, each file's result framed by markers
 *   carrying a random nonce (the linted text cannot forge them);
 * - a tool that is not installed skips its files; the caller says so once per session.
 */
type LintRunner = (request: ExecRequest) => Promise<ExecResult>;

export interface LintError {
  readonly file: string;
  readonly tool: string;
  /** The line the tool named (null: it named none). */
  readonly line: number | null;
  readonly message: string;
}

export interface LintOutcome {
  readonly linted: readonly string[];
  readonly errors: readonly LintError[];
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  /** Tools not installed here (their files are in `skipped`). */
  readonly missingTools: readonly string[];
  readonly durationMs: number;
}

export interface LintContext {
  readonly worktree: string;
  readonly run: LintRunner;
  readonly sandbox: 'auto' | 'required';
  readonly limits?: ResourceLimitsRequest | undefined;
  /** What is left of the attempt's lint time. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Stays read-only in the sandbox (the worktree's `.git` pointer). */
  readonly readOnlyPaths: readonly string[];
}

interface Tool {
  /** The program that must exist (`command -v`). */
  readonly program: string;
  /** How the error names the tool. */
  readonly name: string;
  /** A shell command for one file (`file` already quoted and prefixed with `./`). */
  readonly command: (file: string) => string;
}

/** py_compile writes a .pyc: into the run's private temp dir, never into the worktree. */
const TOML_CHECK = [
  'import sys',
  'try:',
  '    import tomllib',
  'except ImportError:',
  '    sys.exit(99)',
  'try:',
  '    tomllib.load(open(sys.argv[1], "rb"))',
  'except tomllib.TOMLDecodeError as e:',
  '    print(sys.argv[1] + ": " + str(e))',
  '    sys.exit(1)',
].join('\n');
/** The exit code of the TOML check when this python has no tomllib (before 3.11): the language is skipped. */
const NO_TOMLLIB = 99;

const TOOLS: Readonly<Record<string, Tool>> = {
  py: {
    name: 'python3 -m py_compile',
    program: 'python3',
    command: (f) => `PYTHONPYCACHEPREFIX="$TMPDIR/lint-pyc" python3 -m py_compile ${f}`,
  },
  js: { name: 'node --check', program: 'node', command: (f) => `node --check ${f}` },
  mjs: { name: 'node --check', program: 'node', command: (f) => `node --check ${f}` },
  cjs: { name: 'node --check', program: 'node', command: (f) => `node --check ${f}` },
  sh: { name: 'bash -n', program: 'bash', command: (f) => `bash -n ${f}` },
  bash: { name: 'bash -n', program: 'bash', command: (f) => `bash -n ${f}` },
  go: { name: 'gofmt -e', program: 'gofmt', command: (f) => `gofmt -e -l ${f} >/dev/null` },
  rb: { name: 'ruby -c', program: 'ruby', command: (f) => `ruby -c ${f} >/dev/null` },
  toml: { name: 'python3 tomllib', program: 'python3', command: (f) => `python3 -c ${shellQuote(TOML_CHECK)} ${f}` },
};

/** JSON and YAML over this size are not parsed (a generated 50 MB fixture is not a syntax slip). */
const MAX_PARSE_BYTES = 2 * 1024 * 1024;
const MESSAGE_CHARS = 1200;
const OUTPUT_BYTES = 256 * 1024;

function extensionOf(file: string): string {
  const base = path.posix.basename(file);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** The files lint on edit knows a syntax check for. */
export function isLintable(file: string): boolean {
  const ext = extensionOf(file);
  return ext === 'json' || ext === 'yaml' || ext === 'yml' || TOOLS[ext] !== undefined;
}

export async function lintFiles(files: readonly string[], context: LintContext): Promise<LintOutcome> {
  const started = performance.now();
  const errors: LintError[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const linted: string[] = [];
  const sandboxed: { file: string; tool: Tool }[] = [];
  for (const file of files) {
    const ext = extensionOf(file);
    if (!isLintable(file) || !isRegularFile(context.worktree, file)) continue; // a deleted file, a link: nothing to lint
    if (ext === 'json' || ext === 'yaml' || ext === 'yml') {
      const read = readWorktreeText(context.worktree, file, { maxBytes: MAX_PARSE_BYTES, overCap: 'refuse' });
      if (!read.ok) {
        skipped.push({ file, reason: read.reason });
        continue;
      }
      linted.push(file);
      const error = ext === 'json' ? jsonError(file, read.text) : yamlError(file, read.text);
      if (error !== null) errors.push(error);
      continue;
    }
    const tool = TOOLS[ext];
    if (tool !== undefined) sandboxed.push({ file, tool });
  }
  const missingTools = new Set<string>();
  if (sandboxed.length > 0) {
    if (context.timeoutMs < 500) {
      for (const { file } of sandboxed) skipped.push({ file, reason: 'the 10 s lint time of this attempt is spent' });
    } else {
      const result = await runTools(sandboxed, context);
      errors.push(...result.errors);
      skipped.push(...result.skipped);
      linted.push(...result.linted);
      for (const tool of result.missing) missingTools.add(tool);
    }
  }
  return { linted, errors, skipped, missingTools: [...missingTools], durationMs: performance.now() - started };
}

function isRegularFile(worktree: string, file: string): boolean {
  try {
    return fs.lstatSync(path.join(worktree, file)).isFile();
  } catch {
    return false;
  }
}

async function runTools(
  entries: readonly { file: string; tool: Tool }[],
  context: LintContext,
): Promise<{ errors: LintError[]; skipped: { file: string; reason: string }[]; linted: string[]; missing: string[] }> {
  const nonce = crypto.randomBytes(8).toString('hex');
  const script = entries
    .map(({ file, tool }, i) => {
      const quoted = shellQuote(`./${file}`);
      return [
        `if command -v ${tool.program} >/dev/null 2>&1; then`,
        `  printf '\\n@@${nonce} begin ${i}\\n'; { ${tool.command(quoted)}; } 2>&1; printf '\\n@@${nonce} end ${i} %s\\n' "$?"`,
        `else printf '\\n@@${nonce} missing ${i}\\n'; fi`,
      ].join('\n');
    })
    .join('\n');
  const result = await context.run({
    command: script,
    cwd: context.worktree,
    timeoutMs: context.timeoutMs,
    signal: context.signal,
    sandbox: context.sandbox,
    ...(context.limits !== undefined ? { limits: context.limits } : {}),
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    readOnlyPaths: [...context.readOnlyPaths],
    maxOutputBytes: OUTPUT_BYTES,
  });
  const results = parseFramedOutput(result.output, nonce);
  const errors: LintError[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const linted: string[] = [];
  const missing = new Set<string>();
  entries.forEach(({ file, tool }, i) => {
    const framed = results.get(i);
    if (framed === undefined) {
      skipped.push({ file, reason: result.timedOut ? 'the 10 s lint time of this attempt ran out' : 'the lint run gave no result for it' });
    } else if (framed.kind === 'missing') {
      missing.add(tool.program);
      skipped.push({ file, reason: `${tool.program} is not installed here` });
    } else if (tool === TOOLS['toml'] && framed.exitCode === NO_TOMLLIB) {
      missing.add('tomllib (python3 ≥ 3.11)');
      skipped.push({ file, reason: 'this python3 has no tomllib' });
    } else {
      linted.push(file);
      if (framed.exitCode !== 0) {
        const message = framed.output.trim().slice(0, MESSAGE_CHARS) || `${tool.program} exited ${framed.exitCode}`;
        errors.push({ file, tool: tool.name, line: lineOf(message, file), message });
      }
    }
  });
  return { errors, skipped, linted, missing: [...missing] };
}

type Framed = { kind: 'missing' } | { kind: 'ran'; exitCode: number; output: string };

/** Each file's output between its markers; a file whose end marker is missing (timeout, cut output) has no entry. */
function parseFramedOutput(output: string, nonce: string): Map<number, Framed> {
  const results = new Map<number, Framed>();
  const marker = new RegExp(`^@@${nonce} (begin|end|missing) (\\d+)(?: (\\d+))?$`);
  let open: { index: number; lines: string[] } | null = null;
  for (const line of output.split('\n')) {
    const m = marker.exec(line);
    if (m === null) {
      open?.lines.push(line);
      continue;
    }
    const index = Number(m[2]);
    if (m[1] === 'missing') results.set(index, { kind: 'missing' });
    else if (m[1] === 'begin') open = { index, lines: [] };
    else if (open !== null && open.index === index) {
      results.set(index, { kind: 'ran', exitCode: Number(m[3] ?? '1'), output: open.lines.join('\n') });
      open = null;
    }
  }
  return results;
}

/** The line a tool's message names: `line N` (Python, bash, TOML), else `file:N` (node, gofmt, ruby). */
function lineOf(message: string, file: string): number | null {
  const named = /\bline (\d+)/i.exec(message);
  if (named !== null) return Number(named[1]);
  const base = path.posix.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const located = new RegExp(`${base}:(\\d+)`).exec(message);
  return located === null ? null : Number(located[1]);
}

function jsonError(file: string, text: string): LintError | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node 20 says "at position N"; newer ones add "(line L column C)".
    const lineNamed = /line (\d+)/.exec(message);
    const position = /position (\d+)/.exec(message);
    const line = lineNamed !== null ? Number(lineNamed[1]) : lineAt(text, position !== null ? Number(position[1]) : jsonErrorOffset(text));
    return { file, tool: 'JSON.parse', line, message: `${file}:${line}: ${message}` };
  }
}

function yamlError(file: string, text: string): LintError | null {
  for (const doc of parseAllDocuments(text)) {
    const first = doc.errors[0];
    if (first === undefined) continue;
    const line = first.linePos?.[0].line ?? null;
    return { file, tool: 'yaml', line, message: `${file}${line !== null ? `:${line}` : ''}: ${first.message}`.slice(0, MESSAGE_CHARS) };
  }
  return null;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/**
 * Where a JSON text stops being JSON, for the messages that name no position (Node 20's "Unexpected
 * token '}', …"). A plain recursive-descent scan of the grammar; only ever called on text JSON.parse refused.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  const literal = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = (): void => {
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail();
    i += 1;
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m === null) fail();
    else i += m[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    space();
    const c = text[i];
    if (c === '{') {
      i += 1;
      space();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i += 1;
        value(depth + 1);
        space();
        if (text[i] === ',') i += 1;
        else if (text[i] === '}') {
          i += 1;
          return;
        } else fail();
      }
    }
    if (c === '[') {
      i += 1;
      space();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text[i] === ',') i += 1;
        else if (text[i] === ']') {
          i += 1;
          return;
        } else fail();
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else number();
  };
  try {
    value(0);
    space();
    return i;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    throw error;
  }
}

class JsonStop extends Error {
  constructor(readonly offset: number) {
    super('JSON stops here');
  }
}
