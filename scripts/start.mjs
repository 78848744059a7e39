#!/usr/bin/env node
// `npm start`: build, then run the app in Electron — but first check that Electron can start here,
// without requiring the `electron` package (since Electron 42 its first require downloads the
// binary, and npm install no longer does). On a Mac a missing binary is fetched by Electron's own
// installer first; elsewhere (Linux, CI: no download is tried) or when that fails, and where no
// window can open, it says so in one sentence and offers `npm run web`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const electronDir = path.join(root, 'node_modules', 'electron');

/** The binary `require('electron')` would return, or why there is none — without requiring it. */
export function electronBinary(env = process.env) {
  if (env.ELECTRON_EXEC_PATH)
    return fs.existsSync(env.ELECTRON_EXEC_PATH)
      ? { path: env.ELECTRON_EXEC_PATH }
      : { missing: `ELECTRON_EXEC_PATH points at nothing (${env.ELECTRON_EXEC_PATH})` };
  if (!fs.existsSync(path.join(electronDir, 'package.json'))) return { missing: 'the electron package is not installed (run npm install)' };
  let relative = null;
  try {
    relative = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    // no path.txt: the binary was never downloaded
  }
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || path.join(electronDir, 'dist');
  const binary = relative === null ? null : path.join(dist, relative);
  if (binary === null || !fs.existsSync(binary))
    return { missing: "Electron's binary is not downloaded (run `npx install-electron` where the network allows it)" };
  return { path: binary };
}

/** Why no window can open here, or null. */
export function displayProblem(platform = process.platform, env = process.env) {
  if (platform !== 'linux') return null;
  return env.DISPLAY || env.WAYLAND_DISPLAY ? null : 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)';
}

/** On a Mac the binary is fetched now, by Electron's own installer (what its first require would do). */
function fetchElectron() {
  const installer = path.join(electronDir, 'install.js');
  if (process.platform !== 'darwin' || !fs.existsSync(installer)) return;
  spawnSync(process.execPath, [installer], { cwd: electronDir, stdio: 'inherit' });
}

function main() {
  let binary = electronBinary();
  if (binary.missing !== undefined) {
    fetchElectron();
    binary = electronBinary();
  }
  const problem = binary.missing ?? displayProblem();
  if (problem !== undefined && problem !== null) {
    process.stderr.write(`MLX Factory cannot start in Electron here: ${problem}; run \`npm run web\` to use it in your browser instead.\n`);
    return 1;
  }
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) return build.status ?? 1;
  const child = spawn(binary.path, ['.'], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
  return null;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const code = main();
  if (code !== null) process.exitCode = code;
}
