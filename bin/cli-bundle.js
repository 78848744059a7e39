// Where the compiled CLI lives and whether it may be used: shared by bin/mlx-factory.js (at every
// start, so it stays cheap: one small JSON read and one stat per source) and scripts/build-cli.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI_OUT_DIR = path.join(PROJECT_ROOT, 'out', 'cli');
export const CLI_ENTRY = path.join(CLI_OUT_DIR, 'cli-process.js');
export const MANIFEST_NAME = 'manifest.json';

/**
 * 'fresh': the bundle exists and no source it was built from changed since (a source without its
 * file, as in a package shipped without src/, counts as unchanged only when src/ is absent).
 * 'stale': a source was edited, added to the graph by an edit, or deleted after the build.
 * 'missing': no bundle (a development checkout that was never built).
 * `dir`: the bundle's folder under `root` (the CLI's by default; the tests' scripted server has one too).
 */
export function bundleState(root = PROJECT_ROOT, dir = path.join('out', 'cli')) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(root, dir, MANIFEST_NAME), 'utf8'));
  } catch {
    return 'missing';
  }
  if (typeof manifest?.builtAt !== 'number' || typeof manifest.sources !== 'object' || manifest.sources === null) return 'missing';
  if (!fs.existsSync(path.join(root, 'src'))) return 'fresh';
  for (const [source, recorded] of Object.entries(manifest.sources)) {
    const stat = fs.statSync(path.join(root, source), { throwIfNoEntry: false });
    // Edited since the build started (newer), or replaced by an older copy (`cp -p`, a checkout
    // that keeps times): either way not what was bundled. An import added by an edit changes the
    // importing file, which is listed.
    if (stat === undefined || stat.mtimeMs > manifest.builtAt) return 'stale';
    if (!Array.isArray(recorded) || recorded[0] !== stat.mtimeMs || recorded[1] !== stat.size) return 'stale';
  }
  return 'fresh';
}
