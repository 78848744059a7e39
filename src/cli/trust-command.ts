import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, parseYamlText, readConfigText, validateConfig } from '../config/load-config.js';
import { trustContent, trustFileBeside } from '../config/project-trust.js';
import { FactoryError } from '../errors/factory-error.js';
import { appPaths, resolveAppHome } from '../home/app-home.js';
import { loadTaskFile } from '../task/load-task.js';
import { inspectRepo, isInsideWorkTree } from '../workspace/git/repo-info.js';
import type { CliOutput } from './cli-output.js';
import { parseCliArgs } from './parse-cli-args.js';

export const TRUST_USAGE = `Usage: mlx-factory trust [DIR | TASK.yaml]

  Trusts the factory.yaml of a project (DIR, default: the current folder; in a repository, its root)
  as it is now. Until then a project's own factory.yaml may only tighten your limits: its
  workspace.setup, workspace.include, server.* and any raised limit are ignored. When the file
  changes, it must be trusted again. Given a task file of a repository, trusts that file the same
  way (until then its max_attempts and timeout may only be at or below yours).`;

const TRUST_OPTIONS = { help: { type: 'boolean', short: 'h' } } as const;

export interface TrustContext {
  readonly cwd: string;
  readonly output: CliOutput;
  readonly home?: string;
}

export async function trustCommand(argv: readonly string[], context: TrustContext): Promise<number> {
  const { values, positionals } = parseCliArgs(argv, TRUST_OPTIONS, TRUST_USAGE);
  if (values.help === true) {
    context.output.out(`${TRUST_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new FactoryError('BAD_USAGE', `Give one folder at most.\n\n${TRUST_USAGE}`);
  const dir = path.resolve(context.cwd, positionals[0] ?? '.');
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isFile() === true && /\.ya?ml$/.test(dir) && path.basename(dir) !== CONFIG_FILE_NAME)
    return trustTaskFile(dir, context);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new FactoryError('BAD_USAGE', `${dir} is not a folder. Give the project's folder (where its factory.yaml is).`);
  const projectDir = (await isInsideWorkTree(dir)) ? (await inspectRepo(dir)).root : dir;
  const file = path.join(projectDir, CONFIG_FILE_NAME);
  const text = readConfigText(file, 'CONFIG_INVALID');
  if (text === undefined) throw new FactoryError('BAD_USAGE', `${file} does not exist; there is nothing to trust.`);
  // Only a valid file can be trusted: the user should see exactly what they accept.
  validateConfig(file, parseYamlText(file, text, 'CONFIG_INVALID'));
  const hash = trustContent(trustFileBeside(appPaths(context.home ?? resolveAppHome()).userConfig), file, text);
  context.output.out(
    `${text.trimEnd()}\n\nTrusted ${file} as shown above (sha256 ${hash.slice(0, 12)}…). If it changes, trust it again.\n`,
  );
  return 0;
}

/** A task file: validated first (the user should see exactly what they accept), then its content trusted. */
function trustTaskFile(file: string, context: TrustContext): number {
  loadTaskFile(file);
  const text = fs.readFileSync(file);
  const hash = trustContent(trustFileBeside(appPaths(context.home ?? resolveAppHome()).userConfig), file, text);
  context.output.out(
    `${text.toString('utf8').trimEnd()}\n\nTrusted ${file} as shown above (sha256 ${hash.slice(0, 12)}…). If it changes, trust it again.\n`,
  );
  return 0;
}
