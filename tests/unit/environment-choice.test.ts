// #22: the mode a session's checks get their dependencies by, and the line the app and the CLI show,
// from what the checkout holds and what the user picked for the repository (mine, install or none).
import { describe, expect, it } from 'vitest';
import { chooseMode, environmentLine } from '../../src/sessions/session-environment.js';
import type { DetectedDependencies } from '../../src/workspace/detect-dependencies.js';

const NODE: DetectedDependencies = {
  ecosystem: 'npm',
  installCommand: 'npm ci --no-audit --no-fund',
  reinstallCommand: 'npm install --no-audit --no-fund',
  manifests: ['package-lock.json', 'package.json'],
  folder: 'node_modules',
  folderName: 'node_modules',
  lockSameOnBase: true,
};

describe('chooseMode and environmentLine', () => {
  it('defaults to the checkout’s folder; a pick for the repository wins where it can apply', () => {
    expect(chooseMode(NODE, null)).toBe('mine');
    expect(chooseMode(NODE, 'install')).toBe('install');
    expect(chooseMode(NODE, 'none')).toBe('none');
    expect(chooseMode({ ...NODE, folder: null }, 'mine')).toBe('install');
    expect(chooseMode({ ...NODE, lockSameOnBase: false }, null)).toBe('install');
    expect(chooseMode(null, 'install')).toBe('none');
  });

  it('says which, with the command in backticks; "none" says what the checks go without', () => {
    expect(environmentLine('mine', NODE)).toBe('Environment: node_modules from your checkout (read-only)');
    expect(environmentLine('install', NODE)).toBe('Environment: install with `npm ci --no-audit --no-fund`');
    expect(environmentLine('none', NODE)).toBe('Environment: none — checks get no node_modules and nothing is installed');
    expect(environmentLine('none', { ...NODE, ecosystem: 'go', installCommand: null, folder: null, folderName: null })).toBe(
      'Environment: Go modules from your module cache (read-only)',
    );
    expect(environmentLine('none', null)).toBe('Environment: nothing to install (no package manifest found).');
  });
});
