import { isProcessAlive, killProcessGroup } from '../sandbox/process-tree.js';
import { completionProbe } from './completion-probe.js';
import { readPidFile, removePidFile, writePidFile, type PidFileRecord } from './pid-file.js';
import { canConnect, findFreePort, identifyListener, isPortFree } from './port-probe.js';
import { describeOwner, ownedBy, portOwner } from './port-owner.js';
import { commandLineOf, looksLikeRecordedServer } from './process-info.js';

/**
 * The supervisor's adopt job: before launching, use a server that already answers for our model —
 * one an earlier run left behind or another live supervisor runs, both named by our pid file — and
 * clean up a hung orphan of ours. Only a server we can tie to ourselves is adopted: its listening
 * socket must belong to the pid the record names, and that process must still run the command we
 * recorded. Anything else on the port — even one that lists our model and answers a completion —
 * may be any local program (a session's run script shares 127.0.0.1), and adopting it would send
 * every session's prompts to it and apply its replies. An adopted process is watched by polling,
 * since we hold no handle on it.
 */
export interface AdoptedServer {
  readonly pid: number | null;
  readonly pgid: number | null;
  readonly port: number;
  readonly owned: boolean;
  readonly since: number;
  watch: NodeJS.Timeout | null;
}

/** A server found answering, and the line that says whose it is. */
export interface AdoptFinding {
  readonly server: Omit<AdoptedServer, 'since' | 'watch'>;
  readonly detail: string;
}

export interface AdoptContext {
  readonly host: string;
  readonly model: string;
  readonly pidFile: string;
  /** Whether another live supervisor's server may be used. */
  readonly adopt: boolean;
  readonly probeTimeoutMs: number;
  readonly stopGraceMs: number | undefined;
  readonly note: (line: string) => void;
}

const ORPHAN_KILL_GRACE_MS = 3000;

/** The pid file of an earlier run: adopt its server if it answers, clean it up if it is a hung orphan. */
export async function adoptFromPidFile(context: AdoptContext, signal: AbortSignal): Promise<AdoptFinding | null> {
  const record = readPidFile(context.pidFile);
  return record === null ? null : handlePidFile(context, record, signal);
}

async function handlePidFile(context: AdoptContext, record: PidFileRecord, signal: AbortSignal): Promise<AdoptFinding | null> {
  const { note } = context;
  if (!isProcessAlive(record.pid)) {
    note(`Removed a stale pid file: the server it names (pid ${record.pid}) is gone.`);
    removePidFile(context.pidFile, record.pid);
    return null;
  }
  const ownerAlive = record.supervisorPid !== process.pid && isProcessAlive(record.supervisorPid);
  const url = `http://${record.host}:${record.port}`;
  if (record.model === context.model && context.adopt) {
    const mine = await isRecordedListener(record);
    if (mine.ok) {
      const probe = await completionProbe(url, { timeoutMs: context.probeTimeoutMs, signal });
      if (probe.ok) {
        const owned = !ownerAlive;
        if (owned) writePidFile(context.pidFile, { ...record, supervisorPid: process.pid, state: 'ready' });
        const whose = owned ? 'left by an earlier run; it is ours now' : `run by process ${record.supervisorPid}; it stays theirs`;
        return {
          server: { pid: record.pid, pgid: record.pgid, port: record.port, owned },
          detail: `Adopted the server already running at ${url} (pid ${record.pid}, ${whose}).`,
        };
      }
      if (ownerAlive) {
        note(`The server of process ${record.supervisorPid} at ${url} does not answer (${probe.reason}); leaving it to its owner.`);
        return null;
      }
      note(`A server left by an earlier run (pid ${record.pid}, ${url}) does not answer (${probe.reason}).`);
    } else {
      // Whatever answers at that address is not the process we recorded: it is never sent a request.
      note(`Not using the server the pid file names (pid ${record.pid}, ${url}): ${mine.why}.`);
      if (ownerAlive) return null;
    }
  } else if (ownerAlive) {
    note(`Process ${record.supervisorPid} runs ${record.model} at ${url}; starting our own for ${context.model}.`);
    return null;
  }
  // An orphan that is hung or serves another model: ours to clean up, if it is what we recorded.
  const command = await commandLineOf(record.pid);
  if (command !== null && looksLikeRecordedServer(command, record.command, record.port)) {
    note(`Stopping the orphaned server (pid ${record.pid}, ${record.model}) so it does not hold memory.`);
    await killProcessGroup(record.pgid, { graceMs: Math.min(context.stopGraceMs ?? ORPHAN_KILL_GRACE_MS, ORPHAN_KILL_GRACE_MS) });
  } else {
    note(`pid ${record.pid} from the pid file now runs something else; not touching it.`);
  }
  removePidFile(context.pidFile, record.pid);
  return null;
}

/** Does the recorded pid hold the listening socket(s) on the recorded port, running the command we recorded? */
async function isRecordedListener(record: PidFileRecord): Promise<{ ok: true } | { ok: false; why: string }> {
  const owner = await portOwner(record.port);
  if (!ownedBy(owner, record.pid)) return { ok: false, why: `port ${record.port} is held by ${describeOwner(owner)}, not by it` };
  const command = await commandLineOf(record.pid);
  if (command === null || !looksLikeRecordedServer(command, record.command, record.port))
    return { ok: false, why: `pid ${record.pid} no longer runs the command we started` };
  return { ok: true };
}

export type PortChoice =
  { readonly kind: 'adopt'; readonly found: AdoptFinding } | { readonly kind: 'port'; readonly port: number } | { readonly kind: 'none' };

/**
 * The preferred port, unless something holds it. The holder is adopted only when it is the server
 * our pid file records (its socket's owner is that pid); anything else is another program's, and we
 * move to the next free port and say so.
 */
export async function choosePort(context: AdoptContext, preferred: number, signal: AbortSignal): Promise<PortChoice> {
  const { host, model, note } = context;
  if (await isPortFree(host, preferred)) return { kind: 'port', port: preferred };
  const owner = await portOwner(preferred);
  const record = readPidFile(context.pidFile);
  if (record !== null && record.port === preferred && ownedBy(owner, record.pid)) {
    // Ours (a supervisor of this home started it after our first look at the pid file).
    const found = await handlePidFile(context, record, signal);
    if (found !== null) return { kind: 'adopt', found };
    if (await isPortFree(host, preferred)) return { kind: 'port', port: preferred };
  } else {
    note(`Port ${preferred} is taken by another program (${describeOwner(owner)})${await whatListens(host, preferred, model)}.`);
  }
  const port = await findFreePort(host, preferred + 1);
  if (port === null) return { kind: 'none' };
  note(`Using port ${port} instead of ${preferred}.`);
  return { kind: 'port', port };
}

/** The rest of the "port is taken" line: what the other program answers (it is never sent a prompt). */
async function whatListens(host: string, port: number, model: string): Promise<string> {
  const listener = await identifyListener(host, port);
  if (listener.kind === 'openai') {
    if (listener.models.includes(model))
      return ` that answers as an OpenAI-compatible server for ${model}; MLX Factory did not start it, so it is not used`;
    return `: an OpenAI-compatible server for other models (${listener.models.slice(0, 3).join(', ') || 'none listed'})`;
  }
  if (listener.kind === 'other') return ` that is not an OpenAI-compatible server (${listener.detail})`;
  return ' that does not accept connections from us';
}

/**
 * Polls whether an adopted server lives (by pid) or listens (port only: two misses in a row) and
 * calls `onGone` once when it does not, unless `stillWatched` says it was let go meanwhile.
 */
export function watchAdopted(server: AdoptedServer, host: string, stillWatched: () => boolean, onGone: () => void): void {
  let misses = 0;
  server.watch = setInterval(() => {
    void (async () => {
      const alive = server.pid !== null ? isProcessAlive(server.pid) : await canConnect(host, server.port, 1000);
      misses = alive ? 0 : misses + 1;
      if (misses < (server.pid !== null ? 1 : 2) || !stillWatched()) return;
      if (server.watch !== null) clearInterval(server.watch);
      server.watch = null;
      onGone();
    })();
  }, 500);
  server.watch.unref();
}
