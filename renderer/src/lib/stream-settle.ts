import { closesFence, FENCE_OPEN } from './markdown-blocks.js';
import { FENCE_CHUNK_LINES } from './transcript-rows.js';

/**
 * Where a streaming reply's text is *settled*: the prefix whose Markdown blocks can no longer change
 * as more tokens arrive. That prefix is parsed and rendered as formatted rows (React); the rest, the
 * open tail, is appended to the page as plain text nodes, so a frame's tokens cost a text node
 * instead of a re-render and a re-parse of the whole reply.
 *
 * The prefix ends after a blank line (a paragraph, list or quote ends there), before a fence opens
 * (what came before it is closed), after a fence closes, after every FENCE_CHUNK_LINES lines of a
 * fence (the virtualised list cuts fences into chunks of that many lines, so each full chunk is
 * final), and — so the tail stays small whatever the model writes — at a line end once the tail
 * holds more than MAX_TAIL_CHARS. The scan is incremental: each call reads only lines it has not
 * seen.
 */
export const MAX_TAIL_CHARS = 2000;

export interface SettleScan {
  /** Length of the settled prefix (always at a line start). */
  readonly end: number;
  /** Length read so far (always at a line start). */
  readonly scanned: number;
  /** The marker of the fence open at `scanned` (``` or ~~~), or null. */
  readonly fence: string | null;
  /** Lines of that fence's body read so far. */
  readonly fenceLines: number;
  /** Whether `end` lies inside that fence (the tail continues its code). */
  readonly endInFence: boolean;
}

export const UNSCANNED: SettleScan = { end: 0, scanned: 0, fence: null, fenceLines: 0, endInFence: false };

export function scanSettled(text: string, from: SettleScan = UNSCANNED): SettleScan {
  let { end, scanned, fence, fenceLines, endInFence } = from;
  for (let newline = text.indexOf('\n', scanned); newline !== -1; newline = text.indexOf('\n', scanned)) {
    const line = text.slice(scanned, newline);
    const lineEnd = newline + 1;
    if (fence === null) {
      const open = FENCE_OPEN.exec(line);
      if (open !== null) {
        end = scanned;
        endInFence = false;
        fence = open[1] ?? '```';
        fenceLines = 0;
      } else if (line.trim() === '') {
        end = lineEnd;
        endInFence = false;
      }
    } else if (closesFence(line, fence)) {
      fence = null;
      end = lineEnd;
      endInFence = false;
    } else {
      fenceLines += 1;
      if (fenceLines % FENCE_CHUNK_LINES === 0) {
        end = lineEnd;
        endInFence = true;
      }
    }
    scanned = lineEnd;
    if (scanned - end > MAX_TAIL_CHARS) {
      end = scanned;
      endInFence = fence !== null;
    }
  }
  return { end, scanned, fence, fenceLines, endInFence };
}

/**
 * The settled prefix as text to parse. Inside a fence its last newline is left out: a trailing
 * newline would read as one more, empty, code line (the tail starts with the next real one).
 */
export function settledText(text: string, scan: SettleScan): string {
  return text.slice(0, scan.endInFence ? scan.end - 1 : scan.end);
}
