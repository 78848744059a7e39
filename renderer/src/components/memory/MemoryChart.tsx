import { useEffect, useRef, useState } from 'react';
import type { MemorySample } from '../../../../src/api/payloads.js';
import { formatBytes } from '../../lib/display-format.js';
import { areaPath, linePath, memorySeries, niceCeiling, type PlotArea } from '../../lib/memory-series.js';

/** Server, system and app memory over the chosen window, redrawn as samples arrive. */
const MARGIN = { top: 12, right: 16, bottom: 24, left: 56 };
const HEIGHT = 260;

export function MemoryChart({ samples, windowMs }: { samples: readonly MemorySample[]; windowMs: number }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.max(240, Math.floor(entry.contentRect.width)));
    });
    observer.observe(host);
    return () => observer.disconnect();
  }, []);
  // The time axis slides even between samples.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => setNow(Date.now()), [samples]);

  const series = memorySeries(samples, windowMs, now);
  const maxBytes = niceCeiling(Math.max(series.maxBytes, 1));
  const area: PlotArea = {
    width: width - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
    from: series.from,
    to: series.to,
    maxBytes,
  };
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxBytes);
  const minutes = windowMs / 60_000;
  // Ticks at fifths of the window: −5, −4 … −1 min, now (or seconds for the 1-minute window).
  const xTicks = Array.from({ length: 6 }, (_, i) => i / 5);
  return (
    <div ref={hostRef} className="memory-chart" data-samples={series.system.length}>
      <svg width={width} height={HEIGHT} role="img" aria-label={`Memory over the last ${minutes} minutes`}>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          {ticks.map((tick) => {
            const y = area.height - (tick / maxBytes) * area.height;
            return (
              <g key={tick}>
                <line x1={0} x2={area.width} y1={y} y2={y} className="grid-line" />
                <text x={-8} y={y} dy="0.32em" textAnchor="end" className="axis-label">
                  {tickLabel(tick, maxBytes)}
                </text>
              </g>
            );
          })}
          {xTicks.map((f) => (
            <text
              key={f}
              x={f * area.width}
              y={area.height + 16}
              textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}
              className="axis-label"
            >
              {f === 1 ? 'now' : `−${formatMinutes((1 - f) * minutes)}`}
            </text>
          ))}
          <path d={areaPath(series.system, area)} className="series-fill system" />
          <path d={linePath(series.system, area)} className="series-line system" />
          <path d={areaPath(series.server, area)} className="series-fill server" />
          <path d={linePath(series.server, area)} className="series-line server" />
          <path d={linePath(series.app, area)} className="series-line app" />
        </g>
      </svg>
    </div>
  );
}

function formatMinutes(minutes: number): string {
  const rounded = Math.round(minutes * 10) / 10;
  if (rounded < 1 || !Number.isInteger(rounded)) return `${Math.round(minutes * 60)} s`;
  return `${rounded} min`;
}

/** Axis labels in the unit of the axis top (0.5 GB, not 512 MB, on a 2 GB axis). */
function tickLabel(bytes: number, top: number): string {
  const GiB = 1024 ** 3;
  if (bytes === 0) return '0';
  if (top < GiB) return formatBytes(bytes);
  const gb = bytes / GiB;
  return `${Number.isInteger(gb) ? gb : gb.toFixed(1)} GB`;
}
