import { main } from './main.js';

/**
 * The CLI as a process (the compiled bundle's entry, run by bin/mlx-factory.js): main() plus what
 * only a whole process has — its exit status, and its standard streams closing under it.
 *
 * A reader that goes away (`mlx-factory sessions list --json | head -c 100`) closes our stdout; the
 * next write fails with EPIPE. Unix tools end quietly there, so do we: status 0, no stack trace. Any
 * child a command started ends with us (checks watch a pipe to this process; see run-sandboxed.ts).
 */
export async function runCliProcess(argv: readonly string[]): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', endOnClosedPipe);
  process.exitCode = await main(argv);
}

function endOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') process.exit(0);
  throw error;
}
