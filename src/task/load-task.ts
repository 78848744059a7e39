import { readYamlFile } from '../config/load-config.js';
import { formatZodIssues } from '../config/format-zod-issues.js';
import { FactoryError } from '../errors/factory-error.js';
import { taskFileSchema, type TaskFile, type TaskSpec } from './task-schema.js';

export function loadTaskFile(file: string): TaskFile {
  const data = readYamlFile(file, 'TASK_INVALID');
  if (data === undefined) throw new FactoryError('TASK_INVALID', `${file}: no such task file`);
  const result = taskFileSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new FactoryError('TASK_INVALID', formatZodIssues(file, result.error.issues));
  return result.data;
}

/** A short name for branches and folders, from the task's name or its first words. */
export function taskName(description: string, explicit?: string): string {
  if (explicit !== undefined && explicit.trim() !== '') return explicit.trim();
  const firstLine = description.trim().split('\n')[0] ?? '';
  return firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
}

export function toTaskSpec(input: {
  description: string;
  name?: string | undefined;
  constraints?: string | readonly string[] | undefined;
  check?: string | null | undefined;
  files?: readonly string[] | undefined;
}): TaskSpec {
  const constraints =
    input.constraints === undefined ? [] : typeof input.constraints === 'string' ? [input.constraints] : [...input.constraints];
  return {
    name: taskName(input.description, input.name),
    description: input.description.trim(),
    constraints: constraints.map((c) => c.trim()).filter((c) => c !== ''),
    check: input.check ?? null,
    files: [...(input.files ?? [])],
  };
}
