import { fileURLToPath } from 'node:url';
import { toFactoryError } from '../errors/factory-error.js';
import { setMacosProfilePath } from '../sandbox/sandbox-exec-args.js';
import { processOutput, type CliOutput } from './cli-output.js';
import { exitCodeForError, EXIT_BAD_INPUT } from './exit-codes.js';
import { isSessionsList } from './is-sessions-list.js';
import { sanitizingOutput } from './terminal-text.js';

const USAGE = `mlx-factory — local coding agents on a model served by MLX

Usage:
  mlx-factory run [DESCRIPTION] [-t TASK.yaml] [--repo DIR] [--check "CMD"] [-m MODEL]
                  [-n MAX_ATTEMPTS] [--timeout SEC] [--server-url URL | --no-server] [--json]
  mlx-factory server start|stop|status [-m MODEL] [--port N] [--foreground]
  mlx-factory sessions list | show ID | diff ID | merge ID [--squash|--no-squash] [--into BRANCH] | discard ID
                      | rollback ID STEP | resume ID
  mlx-factory models list | pull MODEL_ID | rm MODEL_ID
  mlx-factory eval [TASK.yaml|DIR ...] [--json]
  mlx-factory trust [DIR]
  mlx-factory ui [--port N] [--open]
  mlx-factory doctor [--install] [-m MODEL] [--json]
`;

export async function main(argv: readonly string[], rawOutput: CliOutput = processOutput, cwd: string = process.cwd()): Promise<number> {
  // Model text, check output and file names reach the terminal through here (see terminal-text.ts).
  const output = sanitizingOutput(rawOutput);
  // The CLI runs from the package folder (never from an archive): resources/ is beside src/.
  setMacosProfilePath(fileURLToPath(new URL('../../resources/sandbox/macos.sb', import.meta.url)));
  const [command, ...rest] = argv;
  const cancel = new AbortController();
  const onSigint = (): void => {
    if (cancel.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    output.err('\nCancelling… (press Ctrl-C again to quit at once)\n');
    cancel.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    switch (command) {
      // Each command is loaded only when it runs: the UI host alone costs most of a second to import.
      case 'run':
        return await (await import('./run-command.js')).runCommand(rest, { cwd, output, signal: cancel.signal });
      case 'sessions':
        // `sessions list`, the command scripts poll, loads the session store alone.
        if (isSessionsList(rest)) return await (await import('./sessions-list-command.js')).sessionsListCommand(rest, { output });
        return await (await import('./sessions-command.js')).sessionsCommand(rest, { output, signal: cancel.signal });
      case 'ui':
        return await (await import('./ui-command.js')).uiCommand(rest, { output, signal: cancel.signal });
      case 'server':
        return await (await import('./server-command.js')).serverCommand(rest, { cwd, output, signal: cancel.signal });
      case 'eval':
        return await (await import('./eval-command.js')).evalCommand(rest, { cwd, output, signal: cancel.signal });
      case 'models':
        return await (await import('./models-command.js')).modelsCommand(rest, { cwd, output, signal: cancel.signal });
      case 'trust':
        return await (await import('./trust-command.js')).trustCommand(rest, { cwd, output });
      case 'doctor':
        return await (await import('./doctor-command.js')).doctorCommand(rest, { cwd, output, signal: cancel.signal });
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        output.out(USAGE);
        return command === undefined ? EXIT_BAD_INPUT : 0;
      default:
        output.err(`mlx-factory: unknown command "${command}".\n\n${USAGE}`);
        return EXIT_BAD_INPUT;
    }
  } catch (error) {
    output.err(`mlx-factory: ${toFactoryError(error).message}\n`);
    return exitCodeForError(error);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
