import path from 'node:path';

/**
 * Recognising and vetting the path a model writes on the line before a code block. Pure: no file I/O.
 * Symlink escapes are checked where edits are applied (the worktree's realpath), not here.
 */
export type PathCheck = { ok: true; path: string } | { ok: false; path: string; reason: string };

/**
 * Extension-less names that are files whatever their case (`license` and `LICENSE` alike: a new
 * project's licence is often lower-case). Other bare words are prose unless known.
 */
const EXTENSIONLESS_FILES = new Set([
  'makefile',
  'dockerfile',
  'containerfile',
  'license',
  'licence',
  'copying',
  'notice',
  'authors',
  'contributors',
  'readme',
  'changelog',
  'changes',
  'procfile',
  'gemfile',
  'rakefile',
  'justfile',
  'vagrantfile',
  'jenkinsfile',
  'brewfile',
  'codeowners',
]);
// `File: x`, also with the label in bold (`**File:** x`).
const LABEL_PREFIX = /^(?:\*\*|__)?(?:file(?:name)?|path)\s*:\s*(?:\*\*|__)?\s*/i;

function stripDecoration(line: string): string {
  let s = line.trim();
  s = s.replace(/^\[([^\]]+)\]$/, '$1'); // [file.py], [FILE: file.py] (gpt-engineer's shapes)
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

export interface PathLineOptions {
  /**
   * `false` accepts only a line that is the path itself: a sentence that mentions a file ("Run
   * `main.py` with:") must not turn a command or output block into it.
   */
  readonly sentences?: boolean;
  /** Names that are paths even without an extension or a slash: files that exist, names the task gives. */
  readonly knownPaths?: ReadonlySet<string>;
  /**
   * A lone word (`license`, `hello`) is a file name. Only where nothing else can be meant: the line
   * right before a SEARCH/REPLACE block that creates a file (its SEARCH is empty).
   */
  readonly bareNames?: boolean;
}

/** One word of file-name characters, with no colon after it (`Changes:` is a label, not a file). */
const BARE_NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

function looksLikePath(candidate: string, allowSpaces: boolean, knownPaths?: ReadonlySet<string>, bareNames?: boolean): boolean {
  if (candidate === '' || candidate.length > 300) return false;
  if (!allowSpaces && /\s/.test(candidate)) return false;
  if (/[`*<>|"\u0000]/.test(candidate)) return false;
  if (knownPaths?.has(candidate.replace(/^\.\//, '')) === true) return true;
  const base = candidate.split('/').pop() ?? '';
  if (EXTENSIONLESS_FILES.has(base.toLowerCase())) return true;
  if (bareNames === true && BARE_NAME.test(candidate)) return true;
  // A file name with an extension (main.py, .env, src/app.test.ts); a bare word is prose.
  return /\.[\p{L}\p{N}_-]+$/u.test(base) || (candidate.includes('/') && base !== '');
}

/**
 * The path named by a line such as `main.py`, **src/a.ts**, ### app.py, File: x.py, [file.py], or a
 * sentence before a block that names exactly one file ("Here is `x.py`:", "Creating new file `x.ts`").
 */
export function pathFromLine(line: string, options: PathLineOptions = {}): string | undefined {
  const stripped = stripDecoration(line);
  const { text, quoted } = unquote(stripped);
  const bare = options.bareNames === true && !line.trim().endsWith(':');
  if (looksLikePath(text, quoted, options.knownPaths, bare)) return text;
  if (options.sentences === false) return undefined;
  const named = pathsInSentence(line, options.knownPaths);
  return named.length === 1 ? named[0] : undefined;
}

/**
 * The files a sentence names: backticked paths ("Here is the updated `main.py`", "Creating new file
 * `src/x.ts`") and a bare path right after the word "file" ("the file app.py:"). Backticked text with
 * spaces is a command (`python main.py`), not a path. Distinct names, in order.
 */
export function pathsInSentence(line: string, knownPaths?: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const add = (candidate: string): void => {
    const clean = candidate.replace(/[.,;:!?)]+$/, '');
    if (looksLikePath(clean, false, knownPaths) && !found.includes(clean)) found.push(clean);
  };
  for (const m of line.matchAll(/`([^`]+)`/g)) add(m[1] ?? '');
  for (const m of line.matchAll(/\bfile(?:name)?(?:\s+(?:called|named))?:?\s+(?![`'"])([^\s`'"]+)/gi)) add(m[1] ?? '');
  return found;
}

/** Normalises a model-written path to a POSIX path relative to the worktree, or says why it is refused. */
export function checkRelativePath(raw: string): PathCheck {
  const unsafe = unsafeCharacter(raw.trim());
  if (unsafe !== undefined) return { ok: false, path: raw, reason: unsafe };
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

// C0/C1 controls (incl. newlines and tabs) and DEL.
const CONTROL = /\p{Cc}/u;
// Bidi embedding, override, isolate and mark characters: they make a path display as another one.
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/**
 * Characters a path may not hold (DESIGN.md, "Edit paths"): controls, bidi controls, and look-alikes
 * that NFKC-normalise to `.`, `/` or a backslash (`․․/x` would become `../x` on a normalising file
 * system or in a later tool). Other non-ASCII names are fine.
 */
function unsafeCharacter(text: string): string | undefined {
  if (CONTROL.test(text)) return 'the path holds a control character';
  if (BIDI.test(text)) return 'the path holds a bidirectional text control character';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) continue;
    if (/[./\\]/.test(ch.normalize('NFKC'))) {
      const code = `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      return `the path holds ${code}, a look-alike of ".", "/" or "\\"; use plain ASCII for those`;
    }
  }
  return undefined;
}
