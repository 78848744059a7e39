/**
 * The supervisor's last resort: if this process exits without stopping the server it launched
 * (an uncaught error in the CLI), SIGKILL the server's process group on the way out.
 */
export class ExitKill {
  private hook: (() => void) | null = null;

  /** Armed while `pid()` names a launched server; idempotent. */
  arm(pid: () => number | null): void {
    if (this.hook !== null) return;
    this.hook = () => {
      const running = pid();
      if (running !== null && running > 0) {
        try {
          process.kill(-running, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', this.hook);
  }

  disarm(): void {
    if (this.hook === null) return;
    process.off('exit', this.hook);
    this.hook = null;
  }
}
