// Issue #22: what a failing check on the base says about the environment (stop before any attempt)
// versus the task (go on), the sentence that names the fix, and the default dependency mode.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExecResult } from '../../src/sandbox/index.js';
import { classifyPreflight, environmentCause, environmentMessage } from '../../src/sessions/preflight.js';
import { chooseMode, environmentLine, installerOnPath } from '../../src/sessions/session-environment.js';
import type { DetectedDependencies } from '../../src/workspace/detect-dependencies.js';

const none = { taskFiles: [], manifestText: '' };

describe('environmentCause', () => {
  it('a missing package (Node, ESM, Ruby, Go) is the environment; a missing local module is the task', () => {
    expect(environmentCause("Error: Cannot find module 'left-pad'\nRequire stack:", 1, none)).toEqual({
      kind: 'package',
      what: "the package 'left-pad'",
    });
    expect(environmentCause("Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'zod' imported from /w/a.js", 1, none)?.kind).toBe(
      'package',
    );
    expect(environmentCause("Error: Cannot find module './pad'", 1, none)).toBeNull();
    expect(environmentCause("Error: Cannot find module '/abs/pad.js'", 1, none)).toBeNull();
    expect(environmentCause("test.rb:1:in `require': cannot load such file -- rack (LoadError)", 1, none)?.what).toBe("the gem 'rack'");
    expect(environmentCause('main.go:3:8: no required module provides package github.com/x/y; to add it:', 1, none)?.kind).toBe('package');
  });

  it('Python: "No module named X" is the environment only when the manifests declare X and no task file is X', () => {
    const out = "ModuleNotFoundError: No module named 'requests'";
    expect(environmentCause(out, 1, none)).toBeNull();
    expect(environmentCause(out, 1, { taskFiles: [], manifestText: 'Requests>=2\n' })?.what).toBe("the Python module 'requests'");
    expect(environmentCause("ModuleNotFoundError: No module named 'my_lib'", 1, { taskFiles: [], manifestText: 'my-lib==1\n' })?.kind).toBe(
      'package',
    );
    expect(
      environmentCause("ModuleNotFoundError: No module named 'calc'", 1, { taskFiles: ['calc.py'], manifestText: 'calc\n' }),
    ).toBeNull();
  });

  it('a command that is not installed (exit 127), a missing interpreter, the network', () => {
    expect(environmentCause('/bin/sh: 1: pytest: not found\n', 127, none)).toEqual({ kind: 'command', what: "the command 'pytest'" });
    expect(environmentCause('sh: cargo: command not found\n', 127, none)?.what).toBe("the command 'cargo'");
    expect(environmentCause("/usr/bin/env: 'python': No such file or directory\n", 127, none)?.what).toBe("the command 'python'");
    expect(environmentCause('Error: getaddrinfo ENOTFOUND registry.npmjs.org', 1, none)?.kind).toBe('network');
    // A test named "not found" that fails normally (exit 1) is the task's.
    expect(environmentCause('expected: user not found\n', 1, none)).toBeNull();
  });
});

const result = (exitCode: number | null, output: string, timedOut = false): ExecResult =>
  ({ exitCode, output, timedOut, signal: null, cancelled: false }) as ExecResult;

describe('classifyPreflight', () => {
  it('passes, fails, environment; a timeout is a normal failure', () => {
    expect(classifyPreflight(result(0, 'ok'), none).outcome).toBe('passes');
    expect(classifyPreflight(result(1, 'AssertionError'), none).outcome).toBe('fails');
    expect(classifyPreflight(result(1, "Cannot find module 'x'"), none).outcome).toBe('environment');
    expect(classifyPreflight(result(null, "Cannot find module 'x'", true), none).outcome).toBe('fails');
  });

  it('the message names the cause, the fix and the command or button', () => {
    const env = {
      ecosystem: 'npm',
      mode: 'mine' as const,
      folder: 'node_modules',
      command: 'npm install --no-audit --no-fund',
      manifests: [],
      line: '',
    };
    const message = environmentMessage({ kind: 'package', what: "the package 'left-pad'" }, env, '/r');
    expect(message).toContain("the package 'left-pad'");
    expect(message).toContain('run `npm install --no-audit --no-fund` in /r');
    expect(message).toContain('--deps install');
    expect(message).toContain('Environment → Install');
    const installed = environmentMessage(
      { kind: 'package', what: "the package 'zod'" },
      { ...env, mode: 'install', manifests: ['package.json'] },
      '/r',
    );
    expect(installed).toContain('even after `npm install --no-audit --no-fund` in the worktree');
    expect(installed).toContain('declare it in the project');
    expect(environmentMessage({ kind: 'package', what: "the package 'zod'" }, null, '/r')).toContain('no package manifest');
  });
});

const npm = (over: Partial<DetectedDependencies> = {}): DetectedDependencies => ({
  ecosystem: 'npm',
  installCommand: 'npm ci --no-audit --no-fund',
  reinstallCommand: 'npm install --no-audit --no-fund',
  manifests: ['package-lock.json', 'package.json'],
  folder: 'node_modules',
  folderName: 'node_modules',
  lockSameOnBase: true,
  ...over,
});

describe('chooseMode and the line shown', () => {
  it("mine when the folder exists and the lockfile is the base's; install otherwise; the user's pick wins where it applies", () => {
    expect(chooseMode(npm(), null)).toBe('mine');
    expect(chooseMode(npm({ lockSameOnBase: false }), null)).toBe('install');
    expect(chooseMode(npm({ folder: null }), null)).toBe('install');
    expect(chooseMode(npm(), 'install')).toBe('install');
    expect(chooseMode(npm({ folder: null }), 'mine')).toBe('install');
    expect(chooseMode(null, null)).toBe('none');
    expect(environmentLine('mine', npm())).toBe('Environment: node_modules from your checkout (read-only)');
    expect(environmentLine('install', npm())).toBe('Environment: install with `npm ci --no-audit --no-fund`');
  });

  it('installs by default only when the installer is on this machine; a pick of install still stands', () => {
    expect(chooseMode(npm({ folder: null }), null, false)).toBe('none');
    expect(chooseMode(npm({ folder: null }), 'install', false)).toBe('install');
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mlxf-bin-'));
    try {
      expect(installerOnPath(npm(), bin)).toBe(false);
      fs.writeFileSync(path.join(bin, 'npm'), '#!/bin/sh\n', { mode: 0o755 });
      expect(installerOnPath(npm(), `relative/dir${path.delimiter}${bin}`)).toBe(true);
      expect(installerOnPath(npm({ installCommand: null }), bin)).toBe(false);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
