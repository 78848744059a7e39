import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { ConfigView } from '../api/payloads.js';
import { loadConfig, readYamlFile, validateConfig } from '../config/load-config.js';
import type { AppPaths } from '../home/app-home.js';

/** The Settings screen's view of factory.yaml, and its edits to the user-level file. */
export function readConfigView(paths: AppPaths, repo?: string): ConfigView {
  const { config, sources } = loadConfig({
    repoDir: repo === undefined ? undefined : path.resolve(repo),
    userConfigFile: paths.userConfig,
  });
  return { config, sources: [...sources], userConfigFile: paths.userConfig };
}

export type ConfigPatch = Partial<
  Record<'server' | 'agent' | 'workspace' | 'sandbox', Record<string, string | number | boolean | null | string[]>>
>;

/**
 * Applies a patch to the user's factory.yaml through the YAML document model, so comments and key
 * order survive. The result is validated before anything is written: an invalid value is refused
 * whole with a message naming the key, and the file stays as it was.
 */
export function writeConfigPatch(paths: AppPaths, patch: ConfigPatch): ConfigView {
  const file = paths.userConfig;
  readYamlFile(file, 'CONFIG_INVALID'); // a broken existing file is reported, not overwritten
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text);
  for (const [section, values] of Object.entries(patch)) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (value === null) doc.deleteIn([section, key]);
      else doc.setIn([section, key], value);
    }
    removeIfEmpty(doc, section);
  }
  validateConfig(file, doc.toJS() ?? {});
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, doc.toString());
  fs.renameSync(temp, file);
  return readConfigView(paths);
}

/** Drops a section left empty, keeping a comment written above it (it may be the file's header). */
function removeIfEmpty(doc: Document, section: string): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  const index = root.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === section);
  const pair = root.items[index];
  if (pair === undefined || !isMap(pair.value) || pair.value.items.length > 0) return;
  const comment = isScalar(pair.key) ? pair.key.commentBefore : undefined;
  root.items.splice(index, 1);
  if (comment === undefined || comment === null) return;
  const next = root.items[index];
  if (index === 0 || next === undefined || !isScalar(next.key))
    doc.commentBefore = [doc.commentBefore, comment].filter((c) => c).join('\n');
  else next.key.commentBefore = [comment, next.key.commentBefore].filter((c) => c).join('\n');
}
