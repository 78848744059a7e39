import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { FactoryError, type ErrorCode } from '../errors/factory-error.js';
import { factoryConfigSchema, type FactoryConfig } from './config-schema.js';
import { formatZodIssues } from './format-zod-issues.js';

export const CONFIG_FILE_NAME = 'factory.yaml';

/**
 * Reads a YAML file into plain data, or throws a FactoryError naming the file and the line.
 * Returns undefined when the file does not exist.
 */
export function readYamlFile(file: string, errorCode: ErrorCode): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FactoryError(errorCode, `${file}: cannot be read (${(error as Error).message})`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new FactoryError(errorCode, `${file}: is not valid YAML${where}: ${first?.message.split('\n')[0] ?? ''}`);
  }
  const data: unknown = doc.toJS();
  return data ?? {};
}

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Later layers win key by key inside each section (server/agent/workspace). */
function mergeLayers(layers: readonly PlainObject[]): PlainObject {
  const merged: PlainObject = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const previous = merged[key];
      merged[key] = isPlainObject(previous) && isPlainObject(value) ? { ...previous, ...value } : value;
    }
  }
  return merged;
}

export function validateConfig(file: string, data: unknown): FactoryConfig {
  const result = factoryConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) throw new FactoryError('CONFIG_INVALID', formatZodIssues(file, result.error.issues));
  return result.data;
}

export interface LoadedConfig {
  readonly config: FactoryConfig;
  /** The files that contributed, lowest precedence first. */
  readonly sources: readonly string[];
}

/**
 * Config lookup: the app home's factory.yaml, then the repo's (which wins key by key), then an
 * explicit file if given (which must exist). Each file is validated on its own so an error names it.
 */
export function loadConfig(options: { repoDir?: string | undefined; userConfigFile?: string | undefined; explicitFile?: string | undefined }): LoadedConfig {
  const candidates: string[] = [];
  if (options.userConfigFile !== undefined) candidates.push(options.userConfigFile);
  if (options.repoDir !== undefined) candidates.push(path.join(options.repoDir, CONFIG_FILE_NAME));
  const layers: PlainObject[] = [];
  const sources: string[] = [];
  for (const file of candidates) {
    const data = readYamlFile(file, 'CONFIG_INVALID');
    if (data === undefined) continue;
    addLayer(file, data, layers, sources);
  }
  if (options.explicitFile !== undefined) {
    const data = readYamlFile(options.explicitFile, 'CONFIG_INVALID');
    if (data === undefined) throw new FactoryError('CONFIG_INVALID', `${options.explicitFile}: no such config file`);
    addLayer(options.explicitFile, data, layers, sources);
  }
  return { config: validateConfig(sources.join(' + ') || 'defaults', mergeLayers(layers)), sources };
}

function addLayer(file: string, data: unknown, layers: PlainObject[], sources: string[]): void {
  // Validate alone first, so the error names this file rather than the merge.
  validateConfig(file, data);
  if (!isPlainObject(data)) return;
  layers.push(data);
  sources.push(file);
}
