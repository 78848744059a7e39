import { describe, expect, it } from 'vitest';
import { entryFileForLanguage, extensionOf, isNonCodeLanguage, languageMatchesFile } from '../../src/agents/languages.js';

describe('entryFileForLanguage', () => {
  it.each([
    ['', 'main.py'],
    ['py', 'main.py'],
    ['python', 'main.py'],
    ['python3', 'main.py'],
    ['PY', 'main.py'],
    ['Python3', 'main.py'],
    ['js', 'main.js'],
    ['javascript', 'main.js'],
    ['ts', 'main.ts'],
    ['go', 'main.go'],
    ['rust', 'main.rs'],
    ['java', 'Main.java'],
    ['c++', 'main.cpp'],
  ])('%j → %s', (language, file) => {
    expect(entryFileForLanguage(language)).toBe(file);
  });

  it('knows no entry file for other languages', () => {
    for (const language of ['bash', 'json', 'yaml', 'markdown', 'text', 'cobolx']) expect(entryFileForLanguage(language)).toBeUndefined();
  });
});

describe('isNonCodeLanguage', () => {
  it('marks commands and output, in any case', () => {
    for (const language of [
      'bash',
      'BASH',
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
    ]) {
      expect(isNonCodeLanguage(language)).toBe(true);
    }
  });

  it('does not mark programs or the untagged block', () => {
    for (const language of ['', 'python', 'py', 'js', 'json', 'markdown']) expect(isNonCodeLanguage(language)).toBe(false);
  });
});

describe('extensionOf', () => {
  it.each([
    ['main.py', 'py'],
    ['src/App.TSX', 'tsx'],
    ['a.test.ts', 'ts'],
    ['Makefile', ''],
    ['.env', ''],
    ['dir.d/file', ''],
  ])('%s → %j', (file, ext) => {
    expect(extensionOf(file)).toBe(ext);
  });
});

describe('languageMatchesFile', () => {
  it('matches a fence language to files with its extension', () => {
    expect(languageMatchesFile('py', 'src/app.py')).toBe(true);
    expect(languageMatchesFile('', 'app.py')).toBe(true);
    expect(languageMatchesFile('javascript', 'index.js')).toBe(true);
    expect(languageMatchesFile('python', 'index.js')).toBe(false);
    expect(languageMatchesFile('bash', 'run.sh')).toBe(false);
    expect(languageMatchesFile('json', 'x.json')).toBe(false);
  });
});
