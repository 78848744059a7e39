/**
 * The environment a check command sees: a short allow-list from the app's own environment,
 * plus the caller's explicit extras, minus anything that looks like a credential.
 *
 * The seed factory handed the child its whole environment (tokens included). Here the
 * credential filter runs last and applies to the extras too, so no caller can leak a key by
 * accident.
 */

/** Names copied from the parent environment as they are. */
const ALLOWED_NAMES: ReadonlySet<string> = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'TZ',
  'TMPDIR',
  // Python: behaviour switches only. PYTHONPATH/PYTHONSTARTUP are left out on purpose: they
  // make the interpreter load code the check did not ask for.
  'PYTHONUNBUFFERED',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONIOENCODING',
  'PYTHONUTF8',
  'PYTHONHASHSEED',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'CONDA_DEFAULT_ENV',
  'PYENV_ROOT',
  'PYENV_VERSION',
  // Toolchain locations (rustup, cargo, go, java, nvm) so the user's compilers resolve.
  'CARGO_HOME',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  'GOPATH',
  'GOROOT',
  'JAVA_HOME',
  'NVM_DIR',
  'NVM_BIN',
  // NODE_OPTIONS is deliberately absent: it can inject `--require`/`--import` into every
  // node process the check starts.
]);

/** Name prefixes copied from the parent environment (locale categories). */
const ALLOWED_PREFIXES: readonly string[] = ['LC_'];

/** A name matching any of these is dropped, whatever its origin. Tested on the upper-cased name. */
const CREDENTIAL_NAME_PATTERNS: readonly RegExp[] = [
  /TOKEN/,
  /KEY/,
  /SECRET/,
  /PASSWORD/,
  /PASSWD/,
  /PASSPHRASE/,
  /CREDENTIAL/,
  /AUTH(?!OR(?:_|S?$))/, // *_AUTH, AUTHORIZATION, NPM_CONFIG__AUTH; not GIT_AUTHOR_NAME
  /COOKIE/,
  /^AWS_/,
  /^AZURE_/,
  /^GOOGLE_/,
  /^GCP_/,
  /^GCLOUD_/,
  /^CLOUDSDK_/,
  /^SSH_AUTH_SOCK$/,
  /^SSH_AGENT_PID$/,
  /^GPG_AGENT_INFO$/,
  /^GH_/,
  /^GITHUB_/,
  /^GITLAB_/,
  /^NPM_TOKEN$/,
  /^OPENAI_/,
  /^ANTHROPIC_/,
  /^HF_TOKEN$/,
  /^HUGGING_FACE_HUB_TOKEN$/,
  /^DOCKER_/, // DOCKER_HOST/DOCKER_CONFIG give control of a daemon or its auth file
];

/** `scheme://user:password@host` anywhere in a value (DATABASE_URL, PIP_INDEX_URL, …). */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i;

export function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return CREDENTIAL_NAME_PATTERNS.some((pattern) => pattern.test(upper));
}

function isAllowedName(name: string): boolean {
  return ALLOWED_NAMES.has(name) || ALLOWED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

function isSafe(name: string, value: string): boolean {
  return name !== '' && !name.includes('=') && !isCredentialName(name) && !URL_WITH_PASSWORD.test(value);
}

/**
 * Builds the child's environment. `env` is filtered through the allow-list; `extra` is taken
 * as given (it is what the caller asked for) and overrides `env`; both lose credentials.
 */
export function scrubEnvironment(env: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isAllowedName(name) && isSafe(name, value)) result[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (isSafe(name, value)) result[name] = value;
    else delete result[name];
  }
  return result;
}
