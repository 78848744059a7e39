import fs from 'node:fs';
import path from 'node:path';
import { FactoryError } from '../errors/factory-error.js';
import { createHost, packageRoot } from '../host/create-host.js';
import { writeLaunchFile, type LaunchFile } from '../host/launch-file.js';
import { startWebHost } from '../host/web-host.js';
import type { CliOutput } from './cli-output.js';
import { openInBrowser } from './open-in-browser.js';
import { parseCliArgs, parsePositiveInt } from './parse-cli-args.js';

export const UI_USAGE = `Usage: mlx-factory ui [--port N] [--open]
  Serves the app's UI to a browser on 127.0.0.1 (same API as the desktop app) until Ctrl-C.
  --port N   listen on port N (default: any free port)
  --open     open the UI in the default browser (through a file only you can read: no credential
             on the browser's command line)`;

const UI_OPTIONS = {
  port: { type: 'string' },
  open: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface UiContext {
  readonly output: CliOutput;
  /** Ends the server (Ctrl-C). */
  readonly signal: AbortSignal;
  /** Tests: where the built renderer is (default: out/renderer in the package). */
  readonly rendererDir?: string | undefined;
  readonly home?: string | undefined;
}

export async function uiCommand(args: readonly string[], context: UiContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, UI_OPTIONS, UI_USAGE);
  if (values.help === true) {
    context.output.out(`${UI_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0)
    throw new FactoryError('BAD_USAGE', `mlx-factory ui takes no arguments, got "${positionals.join(' ')}".\n\n${UI_USAGE}`);
  const port = parsePositiveInt(values.port, '--port');
  const rendererDir = context.rendererDir ?? path.join(packageRoot(), 'out', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    context.output.err(
      `mlx-factory: the UI is not built yet (no ${path.join(rendererDir, 'index.html')}); serving the API only. Run \`npm run build\` (or \`npm run web\`, which builds first).\n`,
    );
  }
  const host = createHost({ home: context.home });
  let web: Awaited<ReturnType<typeof startWebHost>>;
  try {
    web = await startWebHost({ host, rendererDir, port });
  } catch (error) {
    // The host already watches the sessions folder and samples memory: stop it, or the process stays.
    await host.shutdown();
    throw error;
  }
  context.output.out(
    `MLX Factory is at ${web.url}\n(only this machine can reach it; the token in the address is the key — press Ctrl-C to stop)\n`,
  );
  // The opener's command line is visible to every local user (`ps`): it gets the path of a user-only
  // file that redirects to the address with a one-time code, never a credential itself.
  let launch: LaunchFile | null = null;
  if (values.open === true) {
    launch = writeLaunchFile(web.oneTimeUrl());
    openInBrowser(launch.path);
  }
  // Ctrl-C (the CLI's signal) or SIGTERM (a service manager, `kill`) both stop it cleanly.
  await new Promise<void>((resolve) => {
    const onTerm = (): void => resolve();
    process.once('SIGTERM', onTerm);
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  context.output.err('Stopping: checkpointing running sessions…\n');
  await host.shutdown();
  await web.close();
  launch?.remove();
  return 0;
}
