import { checkRelativePath } from './edit-path.js';

/**
 * The Coder's requests to look around, written as lines outside code blocks (DESIGN.md, "What the
 * model writes"): `READ path [START-END]`, `SEARCH regex [path-glob]`, `LIST [dir]`. The
 * orchestrator answers them (src/workspace/coder-tools.ts) within the prompt budget. Pure.
 */
export type ToolRequest =
  | { readonly kind: 'read'; readonly path: string; readonly range?: { readonly start: number; readonly end: number } }
  | { readonly kind: 'search'; readonly pattern: string; readonly glob?: string }
  | { readonly kind: 'list'; readonly dir: string };

/** The orchestrator's answer to one request, shown to the Coder under the request as it wrote it. */
export interface ToolAnswer {
  readonly request: string;
  readonly body: string;
}

/** At most this many requests are answered per turn (the rest are named as skipped). */
export const MAX_TOOL_REQUESTS = 8;

// `READ x`, `**READ** x`, `READ: x`; the keyword in capitals only, so prose ("Read the file") is not one.
const keywordLine = (word: string): RegExp => new RegExp(`^\\s*(?:[-*]\\s+)?(?:\\*\\*|\`)?${word}(?:\\*\\*|\`)?:?(?:\\s+(.*?))?\\s*$`);
const READ_LINE = keywordLine('READ');
const SEARCH_LINE = keywordLine('SEARCH');
const LIST_LINE = keywordLine('LIST');
const RANGE = /^L?(\d+)\s*[-–:]\s*L?(\d+)$/;
const PATH_WITH_RANGE = /^(.*?):(\d+)-(\d+)$/;
const ROOT_DIRS = new Set(['', '.', './', '/']);

export function parseToolLine(line: string): ToolRequest | undefined {
  const read = READ_LINE.exec(line);
  if (read) return readRequest(read[1] ?? '');
  const search = SEARCH_LINE.exec(line);
  if (search) return searchRequest(search[1] ?? '');
  const list = LIST_LINE.exec(line);
  if (list) return listRequest(list[1] ?? '');
  return undefined;
}

/** The request as the Coder would write it (headings of the answers, log lines). */
export function describeToolRequest(request: ToolRequest): string {
  switch (request.kind) {
    case 'read':
      return request.range ? `READ ${request.path} ${request.range.start}-${request.range.end}` : `READ ${request.path}`;
    case 'search':
      return request.glob !== undefined ? `SEARCH ${request.pattern} ${request.glob}` : `SEARCH ${request.pattern}`;
    case 'list':
      return `LIST ${request.dir === '' ? '.' : request.dir}`;
  }
}

function readRequest(args: string): ToolRequest | undefined {
  let rest = args.trim();
  if (rest === '') return undefined;
  let range: { start: number; end: number } | undefined;
  const quoted = /^`([^`]+)`\s*(.*)$/.exec(rest);
  let file: string;
  if (quoted) {
    file = quoted[1] ?? '';
    range = parseRange(quoted[2] ?? '');
  } else {
    const tokens = rest.split(/\s+/);
    const last = tokens[tokens.length - 1] ?? '';
    const lastRange = tokens.length > 1 ? parseRange(last) : undefined;
    if (lastRange) {
      range = lastRange;
      rest = tokens.slice(0, -1).join(' ');
      // `READ a.py lines 10-20`
      rest = rest.replace(/\s+lines?$/i, '');
    }
    const inline = range === undefined ? PATH_WITH_RANGE.exec(rest) : null;
    if (inline) {
      rest = inline[1] ?? '';
      range = orderedRange(Number(inline[2]), Number(inline[3]));
    }
    file = rest.replace(/^`|`$/g, '');
  }
  if (file === '') return undefined;
  return range ? { kind: 'read', path: file, range } : { kind: 'read', path: file };
}

function parseRange(text: string): { start: number; end: number } | undefined {
  const m = RANGE.exec(text.trim().replace(/^lines?\s+/i, ''));
  return m ? orderedRange(Number(m[1]), Number(m[2])) : undefined;
}

function orderedRange(a: number, b: number): { start: number; end: number } {
  const start = Math.max(1, Math.min(a, b));
  return { start, end: Math.max(start, Math.max(a, b)) };
}

/**
 * `SEARCH regex [glob]`: the regex may be quoted (`…`, "…", /…/) to hold spaces before a glob;
 * unquoted, a last word that looks like a path or glob (has `*`, `/` or a file extension and no
 * regex syntax) is the glob.
 */
function searchRequest(args: string): ToolRequest | undefined {
  const text = args.trim();
  if (text === '') return undefined;
  const quoted = /^(`|"|'|\/)(.+?)\1(?:\s+(.+))?$/.exec(text);
  if (quoted) return withGlob(quoted[2] ?? '', quoted[3]);
  const tokens = text.split(/\s+/);
  const last = tokens[tokens.length - 1] ?? '';
  if (tokens.length > 1 && looksLikeGlob(last)) return withGlob(text.slice(0, text.length - last.length).trim(), last);
  return withGlob(text, undefined);
}

function withGlob(pattern: string, glob: string | undefined): ToolRequest | undefined {
  if (pattern === '') return undefined;
  const cleanGlob = glob?.trim().replace(/^[`'"]|[`'"]$/g, '');
  return cleanGlob === undefined || cleanGlob === '' ? { kind: 'search', pattern } : { kind: 'search', pattern, glob: cleanGlob };
}

function looksLikeGlob(word: string): boolean {
  if (/[\\()[\]|^$+{}]/.test(word)) return false;
  return word.includes('*') || word.includes('/') || /^[\w.-]*\.[A-Za-z0-9]+$/.test(word);
}

function listRequest(args: string): ToolRequest {
  const dir = args.trim().replace(/^`|`$/g, '');
  return { kind: 'list', dir: ROOT_DIRS.has(dir) ? '' : dir.replace(/\/+$/, '') };
}

/**
 * Vets the paths a request names as edit paths are vetted (inside the worktree, no `.git`, no
 * look-alike characters). A glob is vetted like a path, with its wildcards allowed; a leading `:`
 * (git's pathspec magic) is refused.
 */
export function checkToolRequest(request: ToolRequest): { ok: true; request: ToolRequest } | { ok: false; reason: string } {
  switch (request.kind) {
    case 'read': {
      const check = checkRelativePath(request.path);
      return check.ok ? { ok: true, request: { ...request, path: check.path } } : { ok: false, reason: check.reason };
    }
    case 'list': {
      if (request.dir === '') return { ok: true, request };
      const check = checkRelativePath(request.dir);
      return check.ok ? { ok: true, request: { kind: 'list', dir: check.path } } : { ok: false, reason: check.reason };
    }
    case 'search': {
      if (/[\p{Cc}]/u.test(request.pattern)) return { ok: false, reason: 'the pattern holds a control character' };
      if (request.glob === undefined) return { ok: true, request };
      if (request.glob.startsWith(':')) return { ok: false, reason: 'a path glob may not start with ":"' };
      const check = checkRelativePath(request.glob);
      return check.ok ? { ok: true, request: { ...request, glob: check.path } } : { ok: false, reason: check.reason };
    }
  }
}
