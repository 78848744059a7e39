/**
 * mlx_lm.server logs `Prompt Cache: N sequences, X GB` on every request (MLX-SERVER-NOTES §5): the
 * only measure of its KV cache from outside. Returns null for any other line.
 */
export interface PromptCacheReading {
  readonly sequences: number;
  readonly bytes: number;
}

const LINE = /Prompt Cache: (\d+) sequences?, ([\d.]+) ([KMGT]?B)/;
const UNIT: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

export function parsePromptCacheLine(line: string): PromptCacheReading | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const scale = UNIT[m[3] ?? ''];
  if (scale === undefined) return null;
  return { sequences: Number(m[1]), bytes: Math.round(Number(m[2]) * scale) };
}
