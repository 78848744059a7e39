import { monaco } from './setup.js';

/**
 * Monaco's light and dark themes with contrast AA (4.5:1) for code on the diff's added and
 * removed lines: softer line tints, and darker (light) or lighter (dark) token colours where the
 * stock vs / vs-dark ones fall short on those tints (comments, numbers, types, control keywords).
 */
export const REVIEW_THEME = { light: 'factory-review-light', dark: 'factory-review-dark' } as const;

let defined = false;

export function defineReviewThemes(): void {
  if (defined) return;
  defined = true;
  monaco.editor.defineTheme(REVIEW_THEME.light, {
    base: 'vs',
    inherit: true,
    rules: [
      { token: 'comment', foreground: '2e6b2e' },
      { token: 'number', foreground: '05683f' },
      { token: 'type', foreground: '1b5f73' },
      { token: 'type.identifier', foreground: '1b5f73' },
      { token: 'keyword.flow', foreground: '8a00b0' },
      { token: 'attribute.name', foreground: 'c00000' },
      { token: 'metatag', foreground: '6b4f1d' },
    ],
    colors: {
      'diffEditor.insertedLineBackground': '#9bb95529',
      'diffEditor.insertedTextBackground': '#9ccc2c24',
      'diffEditor.removedLineBackground': '#ff000014',
      'diffEditor.removedTextBackground': '#ff00001a',
    },
  });
  monaco.editor.defineTheme(REVIEW_THEME.dark, {
    base: 'vs-dark',
    inherit: true,
    rules: [
      { token: 'comment', foreground: '9fd38a' },
      { token: 'string', foreground: 'e0a889' },
      { token: 'keyword', foreground: '7ab4ec' },
      { token: 'keyword.flow', foreground: 'd9a3d5' },
      { token: 'regexp', foreground: 'f59c8c' },
    ],
    colors: {
      'diffEditor.insertedLineBackground': '#9bb9551f',
      'diffEditor.insertedTextBackground': '#9ccc2c1a',
      'diffEditor.removedLineBackground': '#ff00001a',
      'diffEditor.removedTextBackground': '#ff00001a',
    },
  });
}
