import path from 'node:path';

/**
 * Recognising and vetting the path a model writes on the line before a code block. Pure: no file I/O.
 * Symlink escapes are checked where edits are applied (the worktree's realpath), not here.
 */
export type PathCheck = { ok: true; path: string } | { ok: false; path: string; reason: string };

const EXTENSIONLESS_FILES = new Set(['Makefile', 'Dockerfile', 'LICENSE', 'README', 'Procfile', 'Gemfile', 'Rakefile', 'Justfile']);
// `File: x`, also with the label in bold (`**File:** x`).
const LABEL_PREFIX = /^(?:\*\*|__)?(?:file(?:name)?|path)\s*:\s*(?:\*\*|__)?\s*/i;

function stripDecoration(line: string): string {
  let s = line.trim();
  s = s.replace(/^#{1,6}\s+/, ''); // markdown heading
  s = s.replace(/^[-*+]\s+/, ''); // list bullet
  s = s.replace(/^(\*\*|__)(.*)\1:?$/, '$2'); // **bold**
  s = s.replace(LABEL_PREFIX, '');
  s = s.replace(/:$/, '');
  s = s.replace(/^(\*\*|__)(.*)\1$/, '$2');
  return s.trim();
}

function unquote(s: string): { text: string; quoted: boolean } {
  const m = /^([`'"])(.+)\1$/.exec(s);
  return m ? { text: m[2] ?? '', quoted: true } : { text: s, quoted: false };
}

function looksLikePath(candidate: string, allowSpaces: boolean): boolean {
  if (candidate === '' || candidate.length > 300) return false;
  if (!allowSpaces && /\s/.test(candidate)) return false;
  if (/[`*<>|"\u0000]/.test(candidate)) return false;
  const base = candidate.split('/').pop() ?? '';
  if (EXTENSIONLESS_FILES.has(base)) return true;
  // A file name with an extension (main.py, .env, src/app.test.ts); a bare word is prose.
  return /\.[\p{L}\p{N}_-]+$/u.test(base) || (candidate.includes('/') && base !== '');
}

/**
 * The path named by a line such as `main.py`, **src/a.ts**, ### app.py, File: x.py, or "Here is `x.py`:".
 * `sentences: false` accepts only a line that is the path itself: a sentence that mentions a file
 * ("Run `main.py` with:", "Running `main.py` prints:") must not turn a command or output block into it.
 */
export function pathFromLine(line: string, options: { readonly sentences?: boolean } = {}): string | undefined {
  const stripped = stripDecoration(line);
  const { text, quoted } = unquote(stripped);
  if (looksLikePath(text, quoted)) return text;
  if (options.sentences === false) return undefined;
  // "Here is the updated `main.py`:" — exactly one backticked path in a line that introduces the block.
  // Inside a sentence, backticked text with spaces is a command (`python main.py`), not a path.
  if (/:\s*$/.test(line.trim())) {
    const ticks = [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    const paths = ticks.filter((t) => looksLikePath(t, false));
    if (paths.length === 1) return paths[0];
  }
  return undefined;
}

/** Normalises a model-written path to a POSIX path relative to the worktree, or says why it is refused. */
export function checkRelativePath(raw: string): PathCheck {
  const cleaned = raw.trim().replace(/\\/g, '/');
  if (cleaned.startsWith('/') || /^[A-Za-z]:\//.test(cleaned) || cleaned.startsWith('~')) {
    return { ok: false, path: raw, reason: 'absolute paths are outside the worktree; use a path relative to the project root' };
  }
  const normalised = path.posix.normalize(cleaned).replace(/^\.\//, '');
  if (normalised === '..' || normalised.startsWith('../') || normalised === '.' || normalised === '') {
    return { ok: false, path: raw, reason: 'the path leaves the worktree' };
  }
  if (normalised.split('/').some((segment) => segment === '.git')) {
    return { ok: false, path: raw, reason: 'files inside .git cannot be edited' };
  }
  return { ok: true, path: normalised };
}
