import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerStateEvent } from '../api/server-events.js';
import { FactoryError } from '../errors/factory-error.js';
import { resolveAppHome } from '../home/app-home.js';
import { isProcessAlive } from '../sandbox/process-tree.js';
import { RunServer } from '../server/ensure-server-for-run.js';
import { loadServerConfig } from '../server/load-server-config.js';
import { formatBytes } from '../api/format-bytes.js';
import { resolveModel } from '../server/models/resolve-model.js';
import { readPidFile } from '../server/pid-file.js';
import { recordedServerStatus, stopRecordedServer } from '../server/recorded-server.js';
import { serverPaths } from '../server/server-paths.js';
import type { CliOutput } from './cli-output.js';
import { parseCliArgs, parsePositiveInt } from './parse-cli-args.js';

export const SERVER_USAGE = `Usage: mlx-factory server start [-m MODEL] [--port N] [--foreground] [--force]
       mlx-factory server stop
       mlx-factory server status [--json]

  start         start mlx_lm.server in the background (supervised: restarted if it crashes) and
                return once it answers; --foreground keeps it in this terminal until Ctrl-C;
                --force starts a model even when the memory check says it cannot fit
  stop          stop it (and its supervisor)
  status        is it running, on which port, with which model, using how much memory`;

const SERVER_OPTIONS = {
  model: { type: 'string', short: 'm' },
  port: { type: 'string' },
  foreground: { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  // Internal: the background supervisor that `server start` launches.
  'daemon-child': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ServerContext {
  readonly cwd: string;
  readonly output: CliOutput;
  readonly signal: AbortSignal;
  /** The app's home (default: resolveAppHome()). */
  readonly home?: string;
}

const BIN = fileURLToPath(new URL('../../bin/mlx-factory.js', import.meta.url));

export async function serverCommand(args: readonly string[], context: ServerContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, SERVER_OPTIONS, SERVER_USAGE);
  if (values.help === true) {
    context.output.out(`${SERVER_USAGE}\n`);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new FactoryError('BAD_USAGE', `Unexpected argument "${extra[0] ?? ''}".\n\n${SERVER_USAGE}`);
  const home = context.home ?? resolveAppHome();
  const port = parsePositiveInt(values.port, '--port');
  if (port !== undefined && port > 65535) throw new FactoryError('BAD_USAGE', `--port must be at most 65535, got ${port}.`);
  switch (action) {
    case 'start':
      if (values.foreground === true || values['daemon-child'] === true) {
        return runForeground(context, home, {
          model: values.model,
          port,
          force: values.force === true,
          daemon: values['daemon-child'] === true,
        });
      }
      return startInBackground(context, home, { model: values.model, port, force: values.force === true });
    case 'stop':
      return stop(context, home);
    case 'status':
      return status(context, home, values.json === true);
    case undefined:
      throw new FactoryError('BAD_USAGE', `Say what to do: start, stop or status.\n\n${SERVER_USAGE}`);
    default:
      throw new FactoryError('BAD_USAGE', `Unknown server action "${action}".\n\n${SERVER_USAGE}`);
  }
}

interface StartFlags {
  readonly model: string | undefined;
  readonly port: number | undefined;
  readonly force: boolean;
}

function describeState(event: ServerStateEvent): string {
  const tail = event.logTail.length > 0 ? `\n${event.logTail.map((l) => `    ${l}`).join('\n')}` : '';
  return `server ${event.state}: ${event.detail}${event.state === 'failed' || event.state === 'crashed' ? tail : ''}\n`;
}

/** The supervisor in this process: prints state changes, stays until Ctrl-C / SIGTERM, then stops the server. */
async function runForeground(context: ServerContext, home: string, flags: StartFlags & { daemon: boolean }): Promise<number> {
  const { config } = await loadServerConfig(context.cwd, home);
  const { supervisor } = new RunServer({
    config,
    home,
    model: flags.model,
    port: flags.port,
    cwd: context.cwd,
    allowTooLarge: flags.force,
    onWarning: (message) => context.output.err(`warning: ${message}\n`),
  });
  supervisor.on('server.state', (event) => context.output.err(describeState(event)));
  const quit = new AbortController();
  const onSignal = (): void => quit.abort();
  process.on('SIGTERM', onSignal);
  if (flags.daemon) process.on('SIGHUP', onSignal);
  context.signal.addEventListener('abort', onSignal, { once: true });
  try {
    await supervisor.start();
    context.output.out(`${supervisor.url ?? ''}\n`);
    if (!flags.daemon)
      context.output.err(`Serving ${supervisor.model} at ${supervisor.url ?? ''} — log: ${supervisor.logPath}. Press Ctrl-C to stop.\n`);
    await new Promise<void>((resolve) => {
      if (quit.signal.aborted) resolve();
      quit.signal.addEventListener('abort', () => resolve(), { once: true });
      // Gave up after repeated crashes: nothing left to supervise.
      supervisor.on('server.state', (event) => {
        if (event.state === 'failed') resolve();
      });
    });
    const failed = supervisor.status.state === 'failed';
    await supervisor.stop(failed ? 'The supervisor gave up.' : 'Stopped on request.');
    return failed ? 1 : 0;
  } catch (error) {
    await supervisor.stop('Stopped after a failed start.');
    throw error;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

/**
 * Launches a background supervisor (this CLI with `server start --daemon-child`, detached, output
 * to <home>/logs/server-daemon.log) and waits until the pid file says its server is ready.
 */
async function startInBackground(context: ServerContext, home: string, flags: StartFlags): Promise<number> {
  const { config } = await loadServerConfig(context.cwd, home);
  // Validate now so a bad model fails here with exit 2, not in a background log.
  const model = resolveModel(flags.model ?? config.server.model, { cwd: context.cwd });
  const paths = serverPaths(home);
  const existing = await recordedServerStatus(home);
  if (existing !== null && existing.alive && existing.answering) {
    if (existing.record.model === model.arg) {
      context.output.out(`${existing.url}\n`);
      context.output.err(`Already running: ${existing.record.model} at ${existing.url} (pid ${existing.record.pid}).\n`);
      return 0;
    }
    throw new FactoryError(
      'BAD_USAGE',
      `A server for ${existing.record.model} already runs at ${existing.url}. Stop it first with \`mlx-factory server stop\`.`,
    );
  }
  fs.mkdirSync(path.dirname(paths.daemonLogFile), { recursive: true });
  const log = fs.openSync(paths.daemonLogFile, 'a');
  const args = [BIN, 'server', 'start', '--daemon-child', '-m', model.arg];
  if (flags.port !== undefined) args.push('--port', String(flags.port));
  if (flags.force) args.push('--force');
  const daemon = spawn(process.execPath, args, {
    cwd: context.cwd,
    env: { ...process.env, MLX_FACTORY_HOME: home },
    detached: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  daemon.unref();
  const daemonPid = daemon.pid ?? -1;
  context.output.err(`Starting ${model.arg} in the background (supervisor pid ${daemonPid}; log: ${paths.logFile})…\n`);
  for (;;) {
    if (context.signal.aborted) {
      if (isProcessAlive(daemonPid)) process.kill(daemonPid, 'SIGTERM');
      throw new FactoryError('SERVER_START_FAILED', 'Cancelled; the background server was stopped.');
    }
    const record = readPidFile(paths.pidFile);
    if (record !== null && record.supervisorPid === daemonPid && record.state === 'ready') {
      context.output.out(`http://${record.host}:${record.port}\n`);
      context.output.err(`Ready at http://${record.host}:${record.port} (pid ${record.pid}). Stop it with \`mlx-factory server stop\`.\n`);
      return 0;
    }
    if (!isProcessAlive(daemonPid)) {
      const said = tailOf(paths.daemonLogFile, 30);
      throw new FactoryError('SERVER_START_FAILED', `The server did not start. What it said:\n${said}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tailOf(file: string, lines: number): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `  ${l}`)
      .join('\n');
  } catch {
    return '  (no output)';
  }
}

async function stop(context: ServerContext, home: string): Promise<number> {
  const outcome = await stopRecordedServer(home);
  switch (outcome.stopped) {
    case 'none':
      context.output.err('No server started by mlx-factory is running.\n');
      return 0;
    case 'stale':
      context.output.err(`No server was running (removed the stale record of pid ${outcome.record.pid}).\n`);
      return 0;
    case 'server':
      context.output.err(`Stopped the server for ${outcome.record.model} (pid ${outcome.record.pid}, port ${outcome.record.port}).\n`);
      return 0;
  }
}

async function status(context: ServerContext, home: string, json: boolean): Promise<number> {
  const found = await recordedServerStatus(home);
  const running = found !== null && found.alive && found.answering;
  if (json) {
    context.output.out(
      `${JSON.stringify({
        running,
        url: found?.url ?? null,
        pid: found?.record.pid ?? null,
        port: found?.record.port ?? null,
        model: found?.record.model ?? null,
        startedAt: found?.record.startedAt ?? null,
        supervisorPid: found?.supervisorAlive === true ? found.record.supervisorPid : null,
        alive: found?.alive ?? false,
        answering: found?.answering ?? false,
        detail: found?.probeDetail ?? 'no server recorded',
        memory: found?.memory ?? null,
        log: serverPaths(home).logFile,
      })}\n`,
    );
    return running ? 0 : 1;
  }
  if (found === null) {
    context.output.out('stopped: no server started by mlx-factory is running.\n');
    return 1;
  }
  const { record } = found;
  const state = running ? 'running' : found.alive ? 'not answering' : 'stopped (stale record)';
  const memory = found.memory?.server ? `${formatBytes(found.memory.server.bytes)} (${found.memory.server.source})` : 'n/a';
  const system = found.memory
    ? `${formatBytes(found.memory.system.availableBytes)} available of ${formatBytes(found.memory.system.totalBytes)}`
    : 'n/a';
  context.output.out(
    [
      `${state}: ${record.model}`,
      `  url:        ${found.url} (${found.probeDetail})`,
      `  pid:        ${record.pid}${found.supervisorAlive ? `, supervised by ${record.supervisorPid}` : ', unsupervised'}`,
      `  since:      ${record.startedAt}`,
      `  memory:     ${memory}; system ${system}`,
      `  log:        ${serverPaths(home).logFile}`,
      '',
    ].join('\n'),
  );
  return running ? 0 : 1;
}
