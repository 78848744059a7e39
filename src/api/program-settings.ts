/**
 * Settings that make the host run a program as the user, outside any sandbox: the editor "Open
 * in…" starts, the Python the model server runs with, the setup command of every new worktree, the
 * run script (sandboxed, but with the network).
 * Setting one through `config.write` needs the user's confirmation (`config.confirm`; see
 * src/host/program-setting-confirmations.ts).
 */
export const PROGRAM_SETTINGS = ['server.python', 'workspace.editor', 'workspace.setup', 'workspace.run'] as const;
export type ProgramSetting = (typeof PROGRAM_SETTINGS)[number];
