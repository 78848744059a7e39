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

function layerRules() {
  return LAYERS.flatMap((tier, index) => {
    const higher = LAYERS.slice(index + 1).flat();
    if (higher.length === 0) return [];
    return tier.map((folder) => ({
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [ELECTRON_ONLY_IN_SHELL],
            patterns: [
              {
                regex: `^(\\.\\./)+(${higher.join('|')})/`,
                message: `src/${folder} sits below ${higher.join(', ')} (DESIGN.md layers): move the shared piece down instead.`,
              },
            ],
          },
        ],
      },
    }));
  });
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
    // The Electron shell is the only place that may import electron.
    files: ['main/**/*.ts', 'preload/**/*.ts', 'electron.vite.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The renderer talks only to the typed API: no Node, no core internals.
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'child_process', 'os'], message: 'The renderer must not use Node.' },
            { regex: '^(\\.\\./)+src/(?!api/)', message: 'The renderer may import only src/api (the typed contract).' },
          ],
          paths: [{ name: 'electron', message: 'The renderer talks only to the typed API.' }],
        },
      ],
    },
  },
);
