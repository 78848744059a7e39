import type { App } from 'electron';

/**
 * Every way out of the app (⌘Q, the tray menu's Quit, the popover's Quit, a log-out) goes through
 * `before-quit`. The first one starts the one shutdown (checkpoint sessions, stop the detached
 * `mlx_lm.server`); every later one while it runs is held back too and waits for that same
 * shutdown — a second ⌘Q must not let the process go with the model server still running. Once
 * the shutdown is over, the quit is let through.
 */
export function quitAfterShutdown(app: Pick<App, 'on' | 'quit'>, shutdown: () => Promise<void>): void {
  let running: Promise<void> | undefined;
  let done = false;
  app.on('before-quit', (event) => {
    if (done) return;
    event.preventDefault();
    running ??= shutdown()
      .catch((error: unknown) => console.error('Shutting down:', error))
      .finally(() => {
        done = true;
        app.quit();
      });
  });
}
