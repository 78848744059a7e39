import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FactoryError } from '../../src/errors/factory-error.js';
import { loadTaskFile, taskName, toTaskSpec } from '../../src/task/load-task.js';

let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-task-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): FactoryError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FactoryError);
    return error as FactoryError;
  }
  throw new Error('expected an error, got none');
}

describe('loadTaskFile', () => {
  it('loads a task file with every field', () => {
    const file = write(
      'task.yaml',
      `name: primes
description: |
  Print the first 10 primes.
  One per line.
constraints:
  - Use only the standard library
  - Finish in under a second
max_attempts: 3
timeout: 15
check: python main.py
files:
  - main.py
  - lib/primes.py
`,
    );
    expect(loadTaskFile(file)).toEqual({
      name: 'primes',
      description: 'Print the first 10 primes.\nOne per line.',
      constraints: ['Use only the standard library', 'Finish in under a second'],
      max_attempts: 3,
      timeout: 15,
      check: 'python main.py',
      files: ['main.py', 'lib/primes.py'],
    });
  });

  it('loads a seed task file (no check, no files)', () => {
    const file = write(
      'mnist.yaml',
      `name: mnist-mlx
description: |
  Write a complete Python script that trains a 2-layer MLP on MNIST using MLX.
constraints:
  - Use mlx and mlx.nn for the model
  - Must complete training in under 120 seconds
max_attempts: 5
timeout: 180
`,
    );
    const task = loadTaskFile(file);
    expect(task).toMatchObject({ name: 'mnist-mlx', max_attempts: 5, timeout: 180 });
    expect(task.check).toBeUndefined();
    expect(task.files).toBeUndefined();
  });

  it('loads a minimal task file and a single-string constraint', () => {
    expect(loadTaskFile(write('t.yaml', 'description: Say hello\nconstraints: Be brief\n'))).toEqual({
      description: 'Say hello',
      constraints: 'Be brief',
    });
  });

  it('accepts a fractional timeout', () => {
    expect(loadTaskFile(write('t.yaml', 'description: x\ntimeout: 0.5\n')).timeout).toBe(0.5);
  });

  it.each([
    ['max_attempts: three', 'max_attempts: expected a number, got the text "three"'],
    ['max_attempts: 2.5', 'max_attempts: expected an integer'],
    ['max_attempts: 0', 'max_attempts: must be greater than 0'],
    ['timeout: -1', 'timeout: must be greater than 0, got number -1'],
    ['timeout: "60"', 'timeout: expected a number, got the text "60"'],
    ['constraints: 3', 'constraints'],
    ['files: main.py', 'files: expected an array'],
    ['check: ""', 'check'],
    ['name: ""', 'name: must be at least 1'],
    ['max_attempt: 3', 'max_attempt: unknown key'],
  ])('names the file and the key for %j', (line, message) => {
    const file = write('bad.yaml', `description: Print primes\n${line}\n`);
    const error = errorOf(() => loadTaskFile(file));
    expect(error.code).toBe('TASK_INVALID');
    expect(error.isInputError).toBe(true);
    expect(error.message).toContain(`${file}: `);
    expect(error.message).toContain(message);
  });

  it('needs a description that is not blank', () => {
    expect(errorOf(() => loadTaskFile(write('t.yaml', 'name: x\n'))).message).toContain('description: required string is missing');
    expect(errorOf(() => loadTaskFile(write('t.yaml', 'description: "   "\n'))).message).toContain('description');
    expect(errorOf(() => loadTaskFile(write('t.yaml', ''))).message).toContain('description: required string is missing');
  });

  it('refuses a top-level list and malformed YAML', () => {
    expect(errorOf(() => loadTaskFile(write('t.yaml', '- a\n- b\n'))).message).toContain('(top level): expected an object, got a list');
    const error = errorOf(() => loadTaskFile(write('t.yaml', 'description: x\n  constraints: [a\n')));
    expect(error.code).toBe('TASK_INVALID');
    expect(error.message).toMatch(/is not valid YAML \(line \d+/);
  });

  it('refuses a missing file', () => {
    const missing = path.join(dir, 'nope.yaml');
    const error = errorOf(() => loadTaskFile(missing));
    expect(error.code).toBe('TASK_INVALID');
    expect(error.message).toBe(`${missing}: no such task file`);
  });
});

describe('taskName', () => {
  it('prefers the explicit name, trimmed', () => {
    expect(taskName('Print primes', '  primes  ')).toBe('primes');
  });

  it('falls back to the first line of the description', () => {
    expect(taskName('  Print primes\nmore detail')).toBe('Print primes');
    expect(taskName('Print primes', '   ')).toBe('Print primes');
  });

  it('shortens a long first line to 60 characters', () => {
    const name = taskName('x'.repeat(100));
    expect(name).toHaveLength(60);
    expect(name.endsWith('...')).toBe(true);
    expect(taskName('y'.repeat(60))).toBe('y'.repeat(60));
  });
});

describe('toTaskSpec', () => {
  it('normalises constraints, check and files', () => {
    expect(toTaskSpec({ description: '  Print primes \n', constraints: 'No imports' })).toEqual({
      name: 'Print primes',
      description: 'Print primes',
      constraints: ['No imports'],
      check: null,
      files: [],
    });
    expect(
      toTaskSpec({ description: 'x', name: 'n', constraints: [' a ', '', '  ', 'b'], check: 'make test', files: ['main.py'] }),
    ).toEqual({
      name: 'n',
      description: 'x',
      constraints: ['a', 'b'],
      check: 'make test',
      files: ['main.py'],
    });
  });

  it('copies the files list rather than sharing it', () => {
    const files = ['a.py'];
    const spec = toTaskSpec({ description: 'x', files });
    files.push('b.py');
    expect(spec.files).toEqual(['a.py']);
  });
});
