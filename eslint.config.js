import tseslint from 'typescript-eslint';

/**
 * The layers inside src/ (DESIGN.md, decisions): a folder may import its own tier and lower ones,
 * never a higher one. One entry per tier, lowest first.
 */
const LAYERS = [
  ['errors', 'home'],
  ['config', 'task'],
  ['api'],
  ['agents'],
  ['llm'],
  ['sandbox'],
  ['workspace'],
  ['server'],
  ['sessions'],
  ['host'],
  ['cli'],
];
const ELECTRON_ONLY_IN_SHELL = { name: 'electron', message: 'Only main/ and preload/ may import electron.' };
/** The Electron shell and the UI sit above all of src/: src imports none of them. */
const ABOVE_SRC = {
  regex: '^(\\.\\./)+(main|preload|renderer)/',
  message: 'src/ is the core: it imports neither the Electron shell (main/, preload/) nor the renderer (DESIGN.md layers).',
};

/**
 * The same restrictions for every kind of import. `no-restricted-imports` sees `import … from` and
 * `export … from` only; a dynamic `import('…')` and a type-level `import('…').T` with a literal
 * source go through `no-restricted-syntax` with the same patterns (a computed source cannot be
 * checked, and we write none).
 */
function restrictImports({ paths = [], patterns = [], groups = [] }) {
  const forEveryImport = (regex, message) => {
    const source = `/${regex.replaceAll('/', '\\/')}/`;
    return [
      { selector: `ImportExpression[source.value=${source}]`, message },
      { selector: `TSImportType[argument.literal.value=${source}]`, message },
    ];
  };
  return {
    'no-restricted-imports': ['error', { paths, patterns: [...groups.map(({ group, message }) => ({ group, message })), ...patterns] }],
    'no-restricted-syntax': [
      'error',
      ...paths.flatMap(({ name, message }) => forEveryImport(`^${name}$`, message)),
      ...groups.flatMap(({ regex, message }) => forEveryImport(regex, message)),
      ...patterns.flatMap(({ regex, message }) => forEveryImport(regex, message)),
    ],
  };
}

/** What a file in src/<folder> may not import: the tiers above its own, and anything outside src/ above it. */
function layerPatterns(folder) {
  const tier = LAYERS.findIndex((folders) => folders.includes(folder));
  const higher = LAYERS.slice(tier + 1).flat();
  if (higher.length === 0) return [ABOVE_SRC];
  return [
    {
      regex: `^(\\.\\./)+(${higher.join('|')})/`,
      message: `src/${folder} sits below ${higher.join(', ')} (DESIGN.md layers): move the shared piece down instead.`,
    },
    ABOVE_SRC,
  ];
}

function layerRules() {
  return LAYERS.flat().map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: restrictImports({ paths: [ELECTRON_ONLY_IN_SHELL], patterns: layerPatterns(folder) }),
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.cache/', 'test-results/', '.scratch*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [ELECTRON_ONLY_IN_SHELL] }],
    },
  },
  ...layerRules(),
  {
    // src/api/ is the contract and pure functions over it; the browser/IPC client code in
    // src/api/client/ builds on it, never the other way round.
    files: ['src/api/*.ts'],
    rules: restrictImports({
      paths: [ELECTRON_ONLY_IN_SHELL],
      patterns: [
        ...layerPatterns('api'),
        { regex: '^\\./client/', message: 'The pure contract in src/api/ does not import the client code in src/api/client/.' },
      ],
    }),
  },
  {
    // The Electron shell sits above src/host: it may import src/ and electron, never the renderer
    // (which it loads as a page, not as code).
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    rules: restrictImports({
      patterns: [
        { regex: '^(\\.\\./)+renderer/', message: 'main/ and preload/ load the renderer as a page; they do not import its code.' },
      ],
    }),
  },
  {
    files: ['electron.vite.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer talks only to the typed API: no Node, no core internals.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: restrictImports({
      groups: [
        {
          group: ['node:*', 'fs', 'path', 'child_process', 'os'],
          regex: '^(node:.*|fs|path|child_process|os)(/.*)?$',
          message: 'The renderer must not use Node.',
        },
      ],
      patterns: [
        { regex: '^(\\.\\./)+src/(?!api/)', message: 'The renderer may import only src/api (the typed contract and its client).' },
        { regex: '^(\\.\\./)+(main|preload)/', message: 'The renderer talks to the Electron shell only through the typed API.' },
      ],
      paths: [{ name: 'electron', message: 'The renderer talks only to the typed API.' }],
    }),
  },
);
