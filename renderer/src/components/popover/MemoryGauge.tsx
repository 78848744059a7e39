import type { MemorySample, ServerStatus } from '../../../../src/api/payloads.js';
import { formatBytes } from '../../lib/display-format.js';
import { serverMemory } from '../../lib/server-summary.js';

/**
 * One bar for the machine's memory: the model server, this app, everything else in use, and
 * what is free — so "will another model fit?" is answered at a glance.
 */
export function MemoryGauge({ sample, server: status = null }: { sample: MemorySample | null; server?: ServerStatus | null }) {
  if (sample === null) {
    return (
      <section className="pop-card" aria-label="Memory">
        <div className="pop-card-row">
          <span className="pop-card-title">Memory</span>
        </div>
        <div className="pop-detail">Waiting for the first sample…</div>
      </section>
    );
  }
  const total = Math.max(1, sample.system.totalBytes);
  const serverLine = serverMemory(status, sample);
  const server = serverLine.bytes;
  const app = sample.app.rssBytes;
  const used = Math.max(0, sample.system.totalBytes - sample.system.availableBytes);
  const other = Math.max(0, used - server - app);
  const pct = (bytes: number): string => `${((bytes / total) * 100).toFixed(2)}%`;
  return (
    <section className="pop-card" aria-label="Memory">
      <div className="pop-card-row">
        <span className="pop-card-title">Memory</span>
        <div className="spacer" />
        <span className="pop-meta">
          {formatBytes(sample.system.availableBytes)} free of {formatBytes(total)}
        </span>
      </div>
      <div
        className="gauge"
        role="img"
        aria-label={`Server ${formatBytes(server)}, app ${formatBytes(app)}, other ${formatBytes(other)}, free ${formatBytes(sample.system.availableBytes)}`}
      >
        <span className="gauge-seg server" style={{ width: pct(server) }} />
        <span className="gauge-seg app" style={{ width: pct(app) }} />
        <span className="gauge-seg other" style={{ width: pct(other) }} />
      </div>
      <div className="gauge-legend">
        <span>
          <i className="server" /> Server {serverLine.text}
        </span>
        <span>
          <i className="app" /> App {formatBytes(app)}
        </span>
        <span>
          <i className="other" /> Other {formatBytes(other)}
        </span>
      </div>
    </section>
  );
}
