import type { MemorySample } from '../../../src/api/payloads.js';

/**
 * The memory chart's geometry: samples inside a time window turned into SVG paths for the
 * server's, the system's (used = total − available) and the app's memory, on a shared scale.
 */
export interface ChartPoint {
  readonly t: number;
  readonly bytes: number;
}

export interface MemorySeries {
  readonly server: ChartPoint[];
  readonly system: ChartPoint[];
  readonly app: ChartPoint[];
  readonly totalBytes: number;
  readonly maxBytes: number;
  readonly from: number;
  readonly to: number;
}

export function memorySeries(samples: readonly MemorySample[], windowMs: number, now: number): MemorySeries {
  const from = now - windowMs;
  const server: ChartPoint[] = [];
  const system: ChartPoint[] = [];
  const app: ChartPoint[] = [];
  let totalBytes = 0;
  let maxBytes = 0;
  for (const sample of samples) {
    const t = Date.parse(sample.time);
    if (Number.isNaN(t) || t < from || t > now + 5000) continue;
    const used = Math.max(0, sample.system.totalBytes - sample.system.availableBytes);
    system.push({ t, bytes: used });
    app.push({ t, bytes: sample.app.rssBytes });
    if (sample.server !== null) server.push({ t, bytes: sample.server.bytes });
    totalBytes = Math.max(totalBytes, sample.system.totalBytes);
    maxBytes = Math.max(maxBytes, used, sample.app.rssBytes, sample.server?.bytes ?? 0);
  }
  return { server, system, app, totalBytes, maxBytes, from, to: now };
}

/** A round top for the y axis above the highest value, in GB (or MB below 1 GB), with quarter ticks that read well. */
export function niceCeiling(bytes: number): number {
  const GiB = 1024 ** 3;
  const unit = bytes >= 0.9 * GiB ? GiB : 1024 ** 2;
  const value = Math.max(1, (bytes * 1.05) / unit);
  const base = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 8, 10]) if (step * base >= value) return step * base * unit;
  return 10 * base * unit;
}

export interface PlotArea {
  readonly width: number;
  readonly height: number;
  readonly from: number;
  readonly to: number;
  readonly maxBytes: number;
}

function xOf(t: number, area: PlotArea): number {
  const span = Math.max(1, area.to - area.from);
  return ((t - area.from) / span) * area.width;
}

function yOf(bytes: number, area: PlotArea): number {
  return area.height - (Math.min(bytes, area.maxBytes) / Math.max(1, area.maxBytes)) * area.height;
}

/**
 * An SVG path through the points. A gap longer than `gapMs` (the server was stopped, the app
 * slept) starts a new segment instead of drawing a misleading straight line across it.
 */
export function linePath(points: readonly ChartPoint[], area: PlotArea, gapMs = 30_000): string {
  let d = '';
  let previous: ChartPoint | null = null;
  for (const point of points) {
    const x = xOf(point.t, area).toFixed(1);
    const y = yOf(point.bytes, area).toFixed(1);
    d += previous === null || point.t - previous.t > gapMs ? `M${x},${y}` : `L${x},${y}`;
    previous = point;
  }
  return d;
}

/** The same line closed down to the x axis, for a soft fill under it. */
export function areaPath(points: readonly ChartPoint[], area: PlotArea, gapMs = 30_000): string {
  const segments: ChartPoint[][] = [];
  let current: ChartPoint[] = [];
  for (const point of points) {
    const previous = current.at(-1);
    if (previous !== undefined && point.t - previous.t > gapMs) {
      segments.push(current);
      current = [];
    }
    current.push(point);
  }
  if (current.length > 0) segments.push(current);
  return segments
    .map((segment) => {
      const first = segment[0];
      const last = segment.at(-1);
      if (first === undefined || last === undefined) return '';
      const line = linePath(segment, area, Number.POSITIVE_INFINITY);
      return `${line}L${xOf(last.t, area).toFixed(1)},${area.height}L${xOf(first.t, area).toFixed(1)},${area.height}Z`;
    })
    .join('');
}
