import fs from 'node:fs';

/**
 * A named point in a multi-step write (stash-and-merge) where the fault suite stops the process to
 * SIGKILL it there: with `MLX_FACTORY_FAULT_POINT=<name>` and `MLX_FACTORY_FAULT_MARK=<file>` set, the
 * process writes the mark file at that point and then waits forever. Nothing is mocked: the process is
 * really killed between two real steps, which timing alone cannot hit reliably on a loaded machine.
 * Unset (always, outside the fault suite), it costs one environment lookup.
 */
export async function faultPoint(name: string): Promise<void> {
  if (process.env['MLX_FACTORY_FAULT_POINT'] !== name) return;
  const mark = process.env['MLX_FACTORY_FAULT_MARK'];
  if (mark !== undefined) fs.writeFileSync(mark, `${name} ${process.pid}\n`);
  await new Promise<never>(() => {
    setInterval(() => undefined, 60_000);
  });
}
