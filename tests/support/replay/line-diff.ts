/**
 * A line diff (Myers' O(ND) greedy algorithm) as hunks: where the old lines start and which old lines
 * become which new ones. Deterministic: the same texts always give the same hunks. Pure.
 */
export interface Hunk {
  /** Index of the first old line the hunk replaces (or inserts before, when `oldLines` is empty). */
  readonly oldStart: number;
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
}

export function diffLines(a: readonly string[], b: readonly string[]): Hunk[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0))
          ? (v[offset + k + 1] ?? 0)
          : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back through the trace: each step is a run of equal lines after one insertion or deletion.
  const same: boolean[] = new Array<boolean>(n).fill(false);
  const matchedB: boolean[] = new Array<boolean>(m).fill(false);
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d -= 1) {
    const vd = trace[d] ?? v;
    const k = x - y;
    const prevK = k === -d || (k !== d && (vd[offset + k - 1] ?? 0) < (vd[offset + k + 1] ?? 0)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : (vd[offset + prevK] ?? 0);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x -= 1;
      y -= 1;
      same[x] = true;
      matchedB[y] = true;
    }
    if (d > 0) {
      x = prevX;
      y = prevY;
    }
  }
  return hunksFrom(a, b, same, matchedB);
}

function hunksFrom(a: readonly string[], b: readonly string[], same: readonly boolean[], matchedB: readonly boolean[]): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && same[i] === true && matchedB[j] === true) {
      i += 1;
      j += 1;
      continue;
    }
    const start = i;
    const startB = j;
    while (i < a.length && same[i] !== true) i += 1;
    while (j < b.length && matchedB[j] !== true) j += 1;
    hunks.push({ oldStart: start, oldLines: a.slice(start, i), newLines: b.slice(startB, j) });
  }
  return hunks;
}
