import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FactoryError } from '../errors/factory-error.js';

/** node:util parseArgs with our error type: an unknown flag or a missing value is BAD_USAGE (exit 2). */
export function parseCliArgs<T extends ParseArgsConfig['options']>(args: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new FactoryError('BAD_USAGE', `${(error as Error).message.split('\n')[0] ?? ''}\n\n${usage}`);
  }
}

export function parsePositiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FactoryError('BAD_USAGE', `${flag} takes a whole number above 0, got "${value}".`);
  return n;
}

export function parsePositiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new FactoryError('BAD_USAGE', `${flag} takes a number of seconds above 0, got "${value}".`);
  return n;
}
