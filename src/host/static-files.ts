import fs from 'node:fs';
import path from 'node:path';

/** Serving the built renderer: a fixed folder, no listing, no path outside it. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  readonly file: string;
  readonly contentType: string;
}

/** The file for a URL path, or null (404) for anything missing, a folder, or outside `root`. */
export function resolveStaticFile(root: string, urlPath: string): StaticFile | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(root, relative);
  const inside = path.relative(root, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return null;
  try {
    // realpath: a symlink inside the folder must not lead out of it.
    const real = fs.realpathSync(file);
    const realInside = path.relative(fs.realpathSync(root), real);
    if (realInside.startsWith('..') || path.isAbsolute(realInside) || !fs.statSync(real).isFile()) return null;
    return { file: real, contentType: TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
