/**
 * The environment of every git command we run: an allow-list from our own environment (so the user's
 * global config, LFS and editors resolve), nothing that looks like a credential, and none of the
 * caller's GIT_* variables (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_*, GIT_EXTERNAL_DIFF …
 * would each redirect or extend what git does). Only the variables we set ourselves pass.
 */
const INHERITED: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TZ',
  'LANG',
  'XDG_CONFIG_HOME',
  'SYSTEMROOT',
  // The user's own identity and global config file: theirs to set, and they steer nothing we run.
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'EMAIL',
  'GIT_CONFIG_GLOBAL',
]);

/** Never prompt, never page, English messages we can match on, no system-wide config. */
const FIXED: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  PAGER: 'cat',
  LC_ALL: 'C',
  GCM_INTERACTIVE: 'never',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_ATTR_NOSYSTEM: '1',
};

export function gitEnvironment(
  extra: Readonly<Record<string, string>> = {},
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...FIXED, ...extra };
}

/**
 * What a push (the user's own action, DESIGN "Push and PR") adds to the environment: the user's ways of
 * proving who they are — the SSH agent, an askpass program, their ssh command — and nothing else.
 * Credential helpers come from the user's git config, which every call already reads.
 */
const CREDENTIALS: readonly string[] = [
  'SSH_AUTH_SOCK',
  'SSH_AGENT_PID',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'DISPLAY',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
];

export function credentialEnvironment(parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of CREDENTIALS) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
