import fs from 'node:fs';
import path from 'node:path';
import type { RepoStatus } from '../api/payloads.js';
import { isFactoryError } from '../errors/factory-error.js';
import { inspectRepo } from '../workspace/git/repo-info.js';
import { uncommittedPaths } from '../workspace/git/status.js';
import { CONFIG_FILE_NAME, loadConfig, readConfigText } from '../config/load-config.js';
import { trustContent, trustFileBeside } from '../config/project-trust.js';

/**
 * What a dropped, picked or typed path is, for the New session dialog: a usable repository (with
 * its uncommitted changes, which a session does not include), or what to offer instead.
 */
export async function repoStatus(input: string, userConfigFile?: string): Promise<RepoStatus> {
  const target = path.resolve(input);
  const base = { path: target, root: null, branch: null, headCommit: null, uncommitted: [] };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return { ...base, kind: 'missing', message: `${target} does not exist. Pick another folder.` };
  }
  if (!stat.isDirectory()) {
    return {
      ...base,
      kind: 'file',
      message: `${path.basename(target)} is a file, not a folder. Use its folder (${path.dirname(target)}), or pick another.`,
    };
  }
  try {
    const info = await inspectRepo(target);
    const uncommitted = await uncommittedPaths(info.root);
    const message =
      uncommitted.length === 0
        ? `Ready: a session starts from ${info.branch ?? 'the detached HEAD'} at ${info.headCommit.slice(0, 7)}.`
        : `${uncommitted.length} uncommitted change(s) will not be in the session (it starts from the last commit); they stay untouched.`;
    return {
      path: target,
      kind: 'repo',
      root: info.root,
      branch: info.branch,
      headCommit: info.headCommit,
      uncommitted,
      message,
      untrustedConfig: untrustedConfigOf(info.root, userConfigFile),
    };
  } catch (error) {
    if (!isFactoryError(error)) throw error;
    switch (error.code) {
      case 'REPO_NOT_GIT':
        return {
          ...base,
          kind: 'not-repo',
          message: `${target} is not a git repository. Start a new repository there, or pick another folder.`,
        };
      case 'REPO_BARE':
        return { ...base, kind: 'bare', message: error.message };
      case 'REPO_NO_COMMITS':
        return {
          ...base,
          kind: 'no-commits',
          message: `${target} is a git repository with no commits yet. Make a first commit there (or let us: "Start a new repository" commits what the folder holds), or pick another folder.`,
        };
      default:
        throw error;
    }
  }
}

/** An untrusted project factory.yaml and what it has that is ignored until trusted (null: nothing to ask). */
function untrustedConfigOf(projectDir: string, userConfigFile: string | undefined): { file: string; ignored: string[] } | null {
  try {
    const loaded = loadConfig({ repoDir: projectDir, userConfigFile });
    return loaded.untrustedProjectFile !== null && loaded.ignoredKeys.length > 0
      ? { file: loaded.untrustedProjectFile, ignored: [...loaded.ignoredKeys] }
      : null;
  } catch {
    return null; // an invalid file is reported when a session starts, with the key and the line
  }
}

/** `project.trust`: the project's factory.yaml, as it is now, becomes the user's (`mlx-factory trust`). */
export async function trustProject(input: string, userConfigFile: string): Promise<RepoStatus> {
  const status = await repoStatus(input, userConfigFile);
  const dir = status.root ?? status.path;
  const file = path.join(dir, CONFIG_FILE_NAME);
  const text = readConfigText(file, 'CONFIG_INVALID');
  if (text !== undefined) trustContent(trustFileBeside(userConfigFile), file, text);
  return repoStatus(input, userConfigFile);
}
