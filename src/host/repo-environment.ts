import path from 'node:path';
import type { DependencyModeChoice, RepoEnvironment } from '../api/payloads.js';
import { rememberDependencyMode, rememberedDependencyMode, trustFileBeside } from '../config/project-trust.js';
import { chooseMode, environmentLine, installerOnPath } from '../sessions/session-environment.js';
import { detectDependencies, type DetectedDependencies } from '../workspace/detect-dependencies.js';
import { inspectRepo } from '../workspace/git/repo-info.js';

/**
 * New session's "Environment:" line (#22): how a session started now from the repository's HEAD
 * would give its checks the dependencies — the same decision launchSession makes (chooseMode over
 * detectDependencies, with the mode remembered beside the trust record) — and the other modes the
 * user can pick. Reading is side-effect free; `setRepoEnvironment` records the pick for the
 * repository, as `run --deps` does.
 */
export async function repoEnvironment(input: string, userConfigFile: string): Promise<RepoEnvironment> {
  const info = await inspectRepo(path.resolve(input));
  const found = await detectDependencies(info.root, info.headCommit);
  const remembered = rememberedDependencyMode(trustFileBeside(userConfigFile), info.root);
  const mode = chooseMode(found, remembered, installerOnPath(found));
  return {
    root: info.root,
    ecosystem: found?.ecosystem ?? null,
    mode,
    line: environmentLine(mode, found),
    remembered,
    choices: choicesFor(found),
  };
}

export async function setRepoEnvironment(input: string, mode: DependencyModeChoice, userConfigFile: string): Promise<RepoEnvironment> {
  const info = await inspectRepo(path.resolve(input));
  rememberDependencyMode(trustFileBeside(userConfigFile), info.root, mode);
  return repoEnvironment(info.root, userConfigFile);
}

/** Each mode with its line; "mine" needs the folder in the checkout, "install" a command. */
function choicesFor(found: DetectedDependencies | null): RepoEnvironment['choices'] {
  const none = { mode: 'none' as const, line: environmentLine('none', found), available: true };
  if (found === null) return [none];
  return [
    {
      mode: 'mine',
      line:
        found.folder !== null
          ? environmentLine('mine', found)
          : `No ${found.folderName ?? 'dependency folder'} in your checkout to use read-only`,
      available: found.folder !== null,
    },
    {
      mode: 'install',
      line: found.installCommand !== null ? environmentLine('install', found) : `Nothing to install for ${found.ecosystem}`,
      available: found.installCommand !== null,
    },
    none,
  ];
}
