import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Which projects' own factory.yaml the user trusts, by content (like direnv's `allow` or VS Code's
 * Workspace Trust): the file's absolute path → the sha256 of the content the user accepted. A file that
 * changed since (a pull, a commit by someone else, a check that rewrote it) is untrusted again.
 * Kept in the app's home, beside the user's own factory.yaml: nothing a repository holds can add to it.
 */
const dependencyModeSchema = z.enum(['mine', 'install', 'none']);
export type DependencyMode = z.infer<typeof dependencyModeSchema>;
/**
 * Beside the trust record (#22): per repository root, how sessions get its dependencies — the user's
 * own ignored folder read-only ("mine"), an install in the worktree, or neither ("none": checks see only
 * the worktree) — as the user confirmed it.
 */
const storeSchema = z.object({
  version: z.literal(1),
  trusted: z.record(z.string(), z.string()),
  dependencies: z.record(z.string(), dependencyModeSchema).optional(),
  /** Per repository root, the run script the user set in Settings for it (#21): over workspace.run. */
  run: z.record(z.string(), z.string().min(1)).optional(),
});
type TrustStore = z.infer<typeof storeSchema>;

const TRUST_FILE_NAME = 'trusted-projects.json';

export function trustFileBeside(userConfigFile: string): string {
  return path.join(path.dirname(userConfigFile), TRUST_FILE_NAME);
}

function contentHash(text: string | Buffer): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

export function isTrusted(trustFile: string, configFile: string, content: string | Buffer): boolean {
  return readStore(trustFile).trusted[path.resolve(configFile)] === contentHash(content);
}

/** Records the file's current content as trusted; returns its hash. */
export function trustContent(trustFile: string, configFile: string, content: string | Buffer): string {
  const store = readStore(trustFile);
  const hash = contentHash(content);
  writeStore(trustFile, { ...store, trusted: { ...store.trusted, [path.resolve(configFile)]: hash } });
  return hash;
}

/** The dependency mode the user confirmed for this repository, or null (not chosen yet: the default applies). */
export function rememberedDependencyMode(trustFile: string, repoRoot: string): DependencyMode | null {
  return readStore(trustFile).dependencies?.[path.resolve(repoRoot)] ?? null;
}

/** Remembers the user's choice for this repository (the CLI's `--deps`, the New session picker). */
export function rememberDependencyMode(trustFile: string, repoRoot: string, mode: DependencyMode): void {
  const store = readStore(trustFile);
  writeStore(trustFile, { ...store, dependencies: { ...store.dependencies, [path.resolve(repoRoot)]: mode } });
}

/** The run script the user set for this repository (Settings), or null (workspace.run applies). */
export function rememberedRunCommand(trustFile: string, repoRoot: string): string | null {
  return readStore(trustFile).run?.[path.resolve(repoRoot)] ?? null;
}

/** Sets (or, with null, removes) the run script of this repository. */
export function rememberRunCommand(trustFile: string, repoRoot: string, command: string | null): void {
  const store = readStore(trustFile);
  const run = { ...store.run };
  if (command === null) delete run[path.resolve(repoRoot)];
  else run[path.resolve(repoRoot)] = command;
  writeStore(trustFile, { ...store, run });
}

function writeStore(trustFile: string, next: TrustStore): void {
  fs.mkdirSync(path.dirname(trustFile), { recursive: true });
  const temp = `${trustFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, trustFile);
}

function readStore(trustFile: string): TrustStore {
  try {
    const parsed = storeSchema.safeParse(JSON.parse(fs.readFileSync(trustFile, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or unreadable: nothing is trusted
  }
  return { version: 1, trusted: {} };
}
