/** Is `mlx-factory sessions …` a listing? Flags may come before the subcommand (`sessions --json list`). */
export function isSessionsList(sessionsArgs: readonly string[]): boolean {
  return sessionsArgs.find((a) => !a.startsWith('-')) === 'list';
}
