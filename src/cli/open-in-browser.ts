import { spawn } from 'node:child_process';

/** Hands a file or address to the OS's opener (`open`, `start`, `xdg-open`); a missing opener is not an error: the caller printed it. */
export function openInBrowser(target: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [target]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', target]]
        : ['xdg-open', [target]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no opener: the printed address is enough
    child.unref();
  } catch {
    // same
  }
}
