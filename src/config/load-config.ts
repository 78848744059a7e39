import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { FactoryError, type ErrorCode } from '../errors/factory-error.js';
import { factoryConfigSchema, type FactoryConfig } from './config-schema.js';
import { formatZodIssues } from './format-zod-issues.js';
import { isTrusted, trustFileBeside } from './project-trust.js';
import { filterUntrustedLayer } from './untrusted-layer.js';

export const CONFIG_FILE_NAME = 'factory.yaml';

/** A config or task file larger than this is not a config file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * A config file's text, or undefined when it does not exist. Regular files only (a FIFO would block
 * us forever, a link to /dev/zero would never end), with a size cap.
 */
export function readConfigText(file: string, errorCode: ErrorCode): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FactoryError(errorCode, `${file}: cannot be read (${(error as Error).message})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new FactoryError(errorCode, `${file}: cannot be read (it is not a regular file).`);
    if (stat.size > MAX_CONFIG_BYTES)
      throw new FactoryError(errorCode, `${file}: is ${stat.size} bytes; a config file is at most ${MAX_CONFIG_BYTES}.`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** YAML text into plain data, or a FactoryError naming the file and the line. */
export function parseYamlText(file: string, text: string, errorCode: ErrorCode): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const where = first?.linePos?.[0] ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    throw new FactoryError(errorCode, `${file}: is not valid YAML${where}: ${first?.message.split('\n')[0] ?? ''}`);
  }
  const data: unknown = doc.toJS();
  return data ?? {};
}

/** Reads a YAML file into plain data; undefined when the file does not exist. */
export function readYamlFile(file: string, errorCode: ErrorCode): unknown {
  const text = readConfigText(file, errorCode);
  return text === undefined ? undefined : parseYamlText(file, text, errorCode);
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
  /** The project's factory.yaml when it is not trusted (its current content), else null. */
  readonly untrustedProjectFile: string | null;
  /** One line per thing the user should know (keys of an untrusted project file that were ignored). */
  readonly notices: readonly string[];
  /** The keys of the untrusted project file that were ignored. */
  readonly ignoredKeys: readonly string[];
}

export interface LoadConfigOptions {
  /** The project folder (repository root, or the plain folder a run starts in). */
  readonly repoDir?: string | undefined;
  /** The user's own factory.yaml in the app's home; the trust store lives beside it. */
  readonly userConfigFile?: string | undefined;
  /** A file the user named on purpose (trusted; must exist). */
  readonly explicitFile?: string | undefined;
}

/**
 * Config lookup: the app home's factory.yaml, then the project's (which wins key by key), then an
 * explicit file if given (which must exist). Each file is validated on its own so an error names it.
 * The project's file is the repository's content, so it is untrusted until the user trusts its current
 * content (project-trust.ts): until then it may only tighten the user's settings (untrusted-layer.ts).
 */
export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const layers: PlainObject[] = [];
  const sources: string[] = [];
  const notices: string[] = [];
  let untrustedProjectFile: string | null = null;
  let ignoredKeys: readonly string[] = [];
  if (options.userConfigFile !== undefined) {
    const data = readYamlFile(options.userConfigFile, 'CONFIG_INVALID');
    if (data !== undefined) addLayer(options.userConfigFile, data, layers, sources);
  }
  if (options.repoDir !== undefined) {
    const file = path.join(options.repoDir, CONFIG_FILE_NAME);
    const project = readProjectFile(file);
    if (project !== undefined) {
      validateConfig(file, project.data);
      const trusted = options.userConfigFile !== undefined && isTrusted(trustFileBeside(options.userConfigFile), file, project.text);
      if (trusted) addLayer(file, project.data, layers, sources);
      else if (isPlainObject(project.data)) {
        untrustedProjectFile = file;
        const filtered = filterUntrustedLayer(project.data, validateConfig('defaults', mergeLayers(layers)));
        if (Object.keys(filtered.layer).length > 0) {
          layers.push(filtered.layer);
          sources.push(`${file} (untrusted: tightening only)`);
        }
        ignoredKeys = filtered.ignored;
        if (filtered.ignored.length > 0) {
          notices.push(
            `${file} is not trusted, so ${filtered.ignored.join(', ')} ${filtered.ignored.length === 1 ? 'was' : 'were'} ignored (a project's file may only tighten your limits). Trust its current content with \`mlx-factory trust ${options.repoDir}\`.`,
          );
        }
      }
    }
  }
  if (options.explicitFile !== undefined) {
    const data = readYamlFile(options.explicitFile, 'CONFIG_INVALID');
    if (data === undefined) throw new FactoryError('CONFIG_INVALID', `${options.explicitFile}: no such config file`);
    addLayer(options.explicitFile, data, layers, sources);
  }
  return {
    config: validateConfig(sources.join(' + ') || 'defaults', mergeLayers(layers)),
    sources,
    untrustedProjectFile,
    notices,
    ignoredKeys,
  };
}

/** The project's file as text (its hash is what trust is given to) and as data; undefined when absent. */
function readProjectFile(file: string): { text: string; data: unknown } | undefined {
  const text = readConfigText(file, 'CONFIG_INVALID');
  return text === undefined ? undefined : { text, data: parseYamlText(file, text, 'CONFIG_INVALID') };
}

function addLayer(file: string, data: unknown, layers: PlainObject[], sources: string[]): void {
  // Validate alone first, so the error names this file rather than the merge.
  validateConfig(file, data);
  if (!isPlainObject(data)) return;
  layers.push(data);
  sources.push(file);
}
