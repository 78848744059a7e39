import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load-config.js';
import { appPaths, resolveAppHome } from '../home/app-home.js';
import { createModelServer } from '../server/create-model-server.js';
import { reconcileSessions } from '../sessions/session-store.js';
import { FactoryHost, type FactoryHostOptions } from './factory-host.js';

/**
 * The one place both front doors build their host (`mlx-factory ui` and the Electron main process),
 * so they run the same services: the model server as Settings choose it (its doctor knows which
 * server runs), model downloads and the session operations come with FactoryHost itself.
 */
export function createHost(
  options: { home?: string | undefined; version?: string | undefined } & Partial<FactoryHostOptions> = {},
): FactoryHost {
  const paths = appPaths(options.home ?? resolveAppHome());
  // The app owns its model server: sessions started from the UI start (or adopt) it when needed.
  const readConfig = () => loadConfig({ userConfigFile: paths.userConfig }).config;
  // Settings choose between the app's own MLX server and an OpenAI-compatible one at a URL.
  const control = options.server === undefined ? createModelServer({ kind: 'app', home: paths.home, config: readConfig }) : undefined;
  const host = new FactoryHost({
    ...options,
    version: options.version ?? packageVersion(),
    server: options.server ?? control,
    doctor: options.doctor ?? control?.doctor,
    chatModelFor: options.chatModelFor ?? (control ? (context) => control.chatModel(context.llmTimeoutMs) : undefined),
  });
  // Sessions whose process died (a crash, a forced quit) are marked interrupted in their logs now,
  // so the list and `sessions.resume` agree from the first request.
  try {
    reconcileSessions(host.paths);
  } catch {
    // An unreadable session folder must not keep the app from starting; the list leaves it out.
  }
  return host;
}

/** The package root (where package.json and out/ live), from this file's place in src/host. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function packageVersion(root: string = packageRoot()): string {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
