import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The browser handoff of `mlx-factory ui --open`, as Jupyter does it: the address with the one-time
 * code goes into an HTML file only this user can read (a 0700 folder of our own, the file created
 * 0600 and exclusively, so a planted link is not written through), and the browser is handed the
 * file's path. A command line is readable by every local user (`ps`, /proc/PID/cmdline); a code
 * there was redeemed by another process before the browser could. The file is removed when the
 * server stops.
 */
export interface LaunchFile {
  readonly path: string;
  remove(): void;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function launchPage(url: string): string {
  const href = escapeHtml(url);
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${href}"><title>MLX Factory</title></head>
<body><script>location.replace(${JSON.stringify(url).replace(/</g, '\\u003c')});</script>
<p><a href="${href}">Open MLX Factory</a></p></body></html>
`;
}

export function writeLaunchFile(url: string, tmpdir: string = os.tmpdir()): LaunchFile {
  const dir = fs.mkdtempSync(path.join(tmpdir, 'mlx-factory-open-'));
  const file = path.join(dir, 'open.html');
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(fd, launchPage(url));
  } finally {
    fs.closeSync(fd);
  }
  return { path: file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
