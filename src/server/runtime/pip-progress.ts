import type { PipDownload } from '../../api/runtime-install.js';

/**
 * Reads pip's progress out of the lines it prints. With FORCE_COLOR set, pip's progress bar (rich)
 * redraws through a pipe as it does on a terminal — each redraw ends in \r, so it is one line here —
 * instead of printing only the finished bar, so the app can move a bar while a large wheel arrives.
 */

// CSI sequences (colours, cursor show/hide, erase line) and other two-byte escapes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;

export function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}

const UNITS: Readonly<Record<string, number>> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** `  Downloading mlx-0.32.4-cp311-…whl (33.5 MB)` or `  Downloading https://…/name.whl (21.0 MB)`: the file pip starts on. */
const STARTS = /^\s*Downloading\s+(\S+?)\s+\(([\d.]+)\s*(B|kB|KB|MB|GB|KiB|MiB|GiB)\)\s*$/;
/** The bar: `━━━━╸━━━ 9.3/21.0 MB 279.9 MB/s eta 0:00:01` (the bar characters may be gone). */
const BAR = /(?:^|\s)([\d.]+)\/([\d.]+)\s*(B|kB|KB|MB|GB|KiB|MiB|GiB)\s+(?:([\d.]+)\s*(B|kB|KB|MB|GB|KiB|MiB|GiB)\/s|\?)/;

export interface PipLine {
  /** A file pip starts downloading (`Downloading …`), with its size. */
  readonly starts: { readonly file: string; readonly totalBytes: number } | null;
  /** A redraw of the bar: bytes so far of this file, and the rate. */
  readonly bar: { readonly doneBytes: number; readonly totalBytes: number; readonly bytesPerSecond: number | null } | null;
  /** A package found already downloaded (pip's cache), or a download that started. */
  readonly countsAsPackage: boolean;
}

export function readPipLine(raw: string): PipLine {
  const line = stripAnsi(raw);
  const start = STARTS.exec(line);
  const bar = start === null ? BAR.exec(line) : null;
  return {
    starts: start === null ? null : { file: fileName(start[1] ?? ''), totalBytes: Number(start[2]) * (UNITS[start[3] ?? 'B'] ?? 1) },
    bar:
      bar === null
        ? null
        : {
            doneBytes: Number(bar[1]) * (UNITS[bar[3] ?? 'B'] ?? 1),
            totalBytes: Number(bar[2]) * (UNITS[bar[3] ?? 'B'] ?? 1),
            bytesPerSecond: bar[4] === undefined ? null : Number(bar[4]) * (UNITS[bar[5] ?? 'B'] ?? 1),
          },
    countsAsPackage: start !== null || /^\s*Using cached\s/.test(line),
  };
}

function fileName(urlOrName: string): string {
  const last = urlOrName.split('/').at(-1) ?? urlOrName;
  return last.split('#')[0] ?? last;
}

/** The download now, after this line (a bar belongs to the file the last `Downloading` named). */
export function nextDownload(current: PipDownload | null, line: PipLine): PipDownload | null {
  if (line.starts !== null) return { file: line.starts.file, doneBytes: 0, totalBytes: line.starts.totalBytes, bytesPerSecond: null };
  if (line.bar !== null && current !== null)
    return { ...current, doneBytes: line.bar.doneBytes, totalBytes: line.bar.totalBytes, bytesPerSecond: line.bar.bytesPerSecond };
  return current;
}
