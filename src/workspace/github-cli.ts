import { spawn } from 'node:child_process';
import { z } from 'zod';
import { FactoryError } from '../errors/factory-error.js';

/**
 * The GitHub CLI (`gh`), when the user has it and is signed in: it opens the pull request with the
 * user's own GitHub login (we never see a token). Every call names the repository (`--repo
 * HOST/OWNER/NAME`) and the head branch, so gh never pushes, never asks, and reads nothing from a
 * session worktree. Its output is parsed with zod: it is another program's answer.
 */
interface GhRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** null: gh is not installed (not on PATH). */
function runGh(args: readonly string[], cwd: string, stdin = ''): Promise<GhRun | null> {
  return new Promise((resolve) => {
    // gh is the user's tool with the user's login: their environment, minus anything that would point
    // its git calls at another repository.
    const env: NodeJS.ProcessEnv = { ...process.env, GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' };
    for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_CONFIG_PARAMETERS']) delete env[name];
    const child = spawn('gh', args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}

/** gh is installed and signed in to `host`. */
export async function ghSignedIn(host: string, cwd: string): Promise<boolean> {
  const run = await runGh(['auth', 'status', '--hostname', host], cwd);
  return run !== null && run.exitCode === 0;
}

export interface PrCreateOptions {
  readonly repo: string;
  readonly base: string;
  readonly head: string;
  readonly title: string;
  readonly body: string;
  readonly draft: boolean;
  readonly cwd: string;
}

/** `gh pr create`; the body goes through stdin (`--body-file -`), never the command line. Returns the PR's URL. */
export async function ghPrCreate(options: PrCreateOptions): Promise<string> {
  const args = [
    'pr',
    'create',
    '--repo',
    options.repo,
    '--base',
    options.base,
    '--head',
    options.head,
    '--title',
    options.title,
    '--body-file',
    '-',
  ];
  if (options.draft) args.push('--draft');
  const run = await runGh(args, options.cwd, options.body);
  if (run === null) throw new FactoryError('PR_FAILED', 'The GitHub CLI (gh) is not installed.');
  const url = run.stdout
    .split('\n')
    .map((l) => l.trim())
    .findLast((l) => /^https?:\/\//.test(l));
  if (run.exitCode !== 0 || url === undefined) {
    throw new FactoryError('PR_FAILED', `gh pr create failed (exit ${run.exitCode}): ${(run.stderr || run.stdout).trim().slice(0, 2000)}`);
  }
  return url;
}

const checkSchema = z.object({
  conclusion: z.string().nullish(),
  status: z.string().nullish(),
  state: z.string().nullish(),
});
const prViewSchema = z.object({
  number: z.int().positive(),
  state: z.string(),
  url: z.string(),
  isDraft: z.boolean().optional(),
  statusCheckRollup: z.array(checkSchema).nullish(),
});

export interface PrStatus {
  readonly number: number;
  readonly state: string;
  readonly url: string;
  readonly draft: boolean;
  readonly checks: { readonly passing: number; readonly failing: number; readonly pending: number } | null;
}

/** `gh pr view URL --json …`: number, state and checks; null when gh cannot say (absent, signed out, unparsable). */
export async function ghPrView(url: string, repo: string, cwd: string): Promise<PrStatus | null> {
  const run = await runGh(['pr', 'view', url, '--repo', repo, '--json', 'number,state,url,isDraft,statusCheckRollup'], cwd);
  if (run === null || run.exitCode !== 0) return null;
  let parsed;
  try {
    parsed = prViewSchema.safeParse(JSON.parse(run.stdout));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const pr = parsed.data;
  return { number: pr.number, state: pr.state, url: pr.url, draft: pr.isDraft ?? false, checks: countChecks(pr.statusCheckRollup ?? null) };
}

/** Check runs carry status/conclusion, commit statuses a state; anything not finished is pending. */
function countChecks(rollup: readonly z.infer<typeof checkSchema>[] | null): PrStatus['checks'] {
  if (rollup === null || rollup.length === 0) return null;
  let passing = 0;
  let failing = 0;
  let pending = 0;
  for (const check of rollup) {
    const result = (check.conclusion || check.state || '').toUpperCase();
    if (['SUCCESS', 'NEUTRAL', 'SKIPPED'].includes(result)) passing += 1;
    else if (['FAILURE', 'ERROR', 'CANCELLED', 'TIMED_OUT', 'ACTION_REQUIRED', 'STARTUP_FAILURE'].includes(result)) failing += 1;
    else pending += 1;
  }
  return { passing, failing, pending };
}
