import { extensionOf } from './languages.js';

/**
 * A compact map of an existing repository for the Coder: one line per tracked file with its
 * top-level symbols, most relevant files first, clamped to a share of the prompt budget (Aider's
 * idea: ~1/8 of the context). Symbols come from per-language patterns, not a parser: good enough to
 * find one's way, and cheap on a 20,000-file repository. Pure.
 */
const SYMBOL_PATTERNS: Readonly<Record<string, readonly RegExp[]>> = {
  py: [/^(?:async\s+)?def\s+([A-Za-z_]\w*)/, /^class\s+([A-Za-z_]\w*)/],
  js: [
    /^export\s+(?:default\s+)?(?:async\s+)?(?:function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/,
    /^(?:async\s+)?function\*?\s+([A-Za-z_$][\w$]*)/,
    /^class\s+([A-Za-z_$][\w$]*)/,
  ],
  go: [/^func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/, /^type\s+([A-Za-z_]\w*)/],
  rs: [/^pub(?:\([^)]*\))?\s+(?:async\s+)?(?:fn|struct|enum|trait|mod)\s+([A-Za-z_]\w*)/, /^(?:fn|struct|enum|trait)\s+([A-Za-z_]\w*)/],
  rb: [/^\s*(?:def|class|module)\s+([A-Za-z_][\w.:]*)/],
  java: [/^\s*(?:public|protected|private)?\s*(?:static\s+)?(?:final\s+)?(?:class|interface|enum|record)\s+([A-Za-z_]\w*)/],
  c: [/^[A-Za-z_][\w\s*]*\s\**([A-Za-z_]\w*)\s*\([^;]*$/],
};
const PATTERN_ALIASES: Readonly<Record<string, string>> = {
  mjs: 'js',
  cjs: 'js',
  jsx: 'js',
  ts: 'js',
  tsx: 'js',
  mts: 'js',
  h: 'c',
  cc: 'c',
  cpp: 'c',
  hpp: 'c',
  kt: 'java',
};
const NOISE_FILES =
  /(?:^|\/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|poetry\.lock|go\.sum)$|\.min\.(?:js|css)$|\.(?:png|jpe?g|gif|ico|pdf|zip|gz|woff2?|ttf|so|dylib|a|o|bin)$/i;
const MAX_SYMBOLS_PER_FILE = 12;

export interface RepoFile {
  readonly path: string;
  /** null when not read (too large, binary, or beyond the files worth reading). */
  readonly content: string | null;
}

export function extractSymbols(path: string, content: string, max = MAX_SYMBOLS_PER_FILE): string[] {
  const ext = extensionOf(path);
  const patterns = SYMBOL_PATTERNS[PATTERN_ALIASES[ext] ?? ext];
  if (!patterns) return [];
  const symbols: string[] = [];
  for (const line of content.split('\n')) {
    for (const pattern of patterns) {
      const name = pattern.exec(line)?.[1];
      if (name !== undefined && !symbols.includes(name)) symbols.push(name);
    }
    if (symbols.length >= max) break;
  }
  return symbols;
}

/** Files named in the task first, then source files with symbols, shallow before deep. */
export function rankRepoFiles(paths: readonly string[], taskText: string): string[] {
  const mentioned = (p: string): boolean => taskText.includes(p) || taskText.includes(p.split('/').pop() ?? p);
  return paths
    .filter((p) => !NOISE_FILES.test(p))
    .map((p) => ({
      p,
      score:
        (mentioned(p) ? 0 : 1) * 1000 +
        (SYMBOL_PATTERNS[PATTERN_ALIASES[extensionOf(p)] ?? extensionOf(p)] ? 0 : 100) +
        p.split('/').length,
    }))
    .sort((a, b) => a.score - b.score || a.p.localeCompare(b.p))
    .map(({ p }) => p);
}

/** Renders ranked files as `path: sym, sym` lines until `maxChars`, then says how many were left out. */
export function renderRepoMap(files: readonly RepoFile[], maxChars: number): string {
  const lines: string[] = [];
  let used = 0;
  let index = 0;
  for (; index < files.length; index += 1) {
    const file = files[index];
    if (!file) break;
    const symbols = file.content === null ? [] : extractSymbols(file.path, file.content);
    const line = symbols.length > 0 ? `${file.path}: ${symbols.join(', ')}` : file.path;
    if (used + line.length + 1 > maxChars) break;
    lines.push(line);
    used += line.length + 1;
  }
  if (index < files.length) lines.push(`… and ${files.length - index} more files (LIST dir, SEARCH regex or READ path to see them)`);
  return lines.join('\n');
}

/** Tracked files whose path (or base name, when unique) the task text names: they start in play. */
export function filesNamedInTask(paths: readonly string[], taskText: string): string[] {
  const byBase = new Map<string, string[]>();
  for (const p of paths) {
    const base = p.split('/').pop() ?? p;
    byBase.set(base, [...(byBase.get(base) ?? []), p]);
  }
  const named = new Set<string>();
  for (const token of taskText.match(/[\w./-]+\.[A-Za-z0-9]+/g) ?? []) {
    const clean = token.replace(/^\.\//, '').replace(/[.,;:]+$/, '');
    if (paths.includes(clean)) named.add(clean);
    const sameBase = byBase.get(clean);
    if (sameBase?.length === 1 && sameBase[0] !== undefined) named.add(sameBase[0]);
  }
  return [...named];
}
