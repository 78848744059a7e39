/** Fence languages we know, with the file name a project of that language usually starts with. */
const ENTRY_FILE_BY_LANGUAGE: Readonly<Record<string, string>> = {
  '': 'main.py', // the seed's default: an untagged block is Python
  py: 'main.py',
  python: 'main.py',
  python3: 'main.py',
  js: 'main.js',
  javascript: 'main.js',
  node: 'main.js',
  mjs: 'main.mjs',
  ts: 'main.ts',
  typescript: 'main.ts',
  go: 'main.go',
  golang: 'main.go',
  rs: 'main.rs',
  rust: 'main.rs',
  rb: 'main.rb',
  ruby: 'main.rb',
  c: 'main.c',
  cpp: 'main.cpp',
  'c++': 'main.cpp',
  java: 'Main.java',
  swift: 'main.swift',
  php: 'main.php',
  lua: 'main.lua',
};

/** Blocks that show commands or output rather than a program: never a file unless a path names them. */
const NON_CODE_LANGUAGES: ReadonlySet<string> = new Set([
  'bash',
  'sh',
  'shell',
  'zsh',
  'console',
  'terminal',
  'text',
  'txt',
  'output',
  'plaintext',
  'log',
  'diff',
]);

export function entryFileForLanguage(language: string): string | undefined {
  return ENTRY_FILE_BY_LANGUAGE[language.toLowerCase()];
}

export function isNonCodeLanguage(language: string): boolean {
  return NON_CODE_LANGUAGES.has(language.toLowerCase());
}

export function extensionOf(file: string): string {
  const base = file.split('/').pop() ?? file;
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/** Whether a fence language plausibly matches a file (so a pathless block can target the one file in play). */
export function languageMatchesFile(language: string, file: string): boolean {
  const entry = entryFileForLanguage(language);
  return entry !== undefined && extensionOf(entry) === extensionOf(file);
}
