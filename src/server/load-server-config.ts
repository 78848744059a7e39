import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { appPaths } from '../home/app-home.js';
import { inspectRepo, isInsideWorkTree } from '../workspace/git/repo-info.js';

/**
 * The config `server` and `doctor` use: the app home's factory.yaml, then the one at the root of
 * the repository the command runs in (the same files a `run` there would read).
 */
export async function loadServerConfig(cwd: string, home: string): Promise<LoadedConfig> {
  const repoDir = (await isInsideWorkTree(cwd)) ? (await inspectRepo(cwd)).root : cwd;
  return loadConfig({ repoDir, userConfigFile: appPaths(home).userConfig });
}
