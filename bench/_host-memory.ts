/**
 * Child of `bench/host.ts` (run with --expose-gc): a host on the home given, its heap after a full GC
 * before and after it lists every session and shows each one once, as an open UI would over time.
 * Prints one JSON line: {before, after, listed} (bytes, sessions).
 */
import { FactoryHost } from '../src/host/factory-host.js';
import { sessionDetail } from '../src/host/session-views.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const home = process.argv[2];
if (home === undefined) throw new Error('usage: _host-memory.ts HOME');
const host = new FactoryHost({ home, version: 'bench' });
const before = heap();
const rows = host.sessionList.list();
for (const row of rows) sessionDetail(host.paths, row.id, () => false);
host.sessionList.invalidate();
host.sessionList.list();
const after = heap();
process.stdout.write(`${JSON.stringify({ before, after, listed: rows.length })}\n`);
await host.shutdown();
