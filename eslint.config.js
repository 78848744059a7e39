import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.cache/', 'test-results/', '.scratch*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/ and preload/ may import electron.' }] }],
    },
  },
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
