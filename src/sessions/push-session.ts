import { pullRequestBody, pullRequestTitle } from '../api/pr-body.js';
import { compareUrl, parseRemote, redactRemoteUrl } from '../api/remote-host.js';
import { FactoryError } from '../errors/factory-error.js';
import type { AppPaths } from '../home/app-home.js';
import { configGet } from '../workspace/git/config-get.js';
import { pushBranch, type PushOutcome } from '../workspace/git/push-branch.js';
import { ghPrCreate, ghPrView, ghSignedIn } from '../workspace/github-cli.js';
import { assertNotDiscarded, assertNotRunning, openSession, type SessionContext } from './session-context.js';
import { appendEvent } from './session-store.js';

/**
 * Finishing a session the way peers do (DESIGN, Push and PR): push its branch to a remote of the
 * user's repository, then open a pull request — with the GitHub CLI when it is installed and signed
 * in, else by handing over the host's compare page. The push is the one host-side git call that gets
 * the user's credentials; hooks stay off, because a pre-push hook would run the session's code outside
 * the sandbox. Nothing is ever forced, and no local branch of the user's changes.
 */
export const HOOKS_NOTICE =
  "Hooks are off for this push: a pre-push hook would run the session's code outside the sandbox. Run them yourself if your project needs them.";

export interface PushOptions {
  /** The remote to push to (default: the base branch's upstream remote, else origin). */
  readonly remote?: string | undefined;
}

export interface PushResult {
  readonly remote: string;
  /** The remote's URL without credentials. */
  readonly url: string;
  readonly branch: string;
  readonly commit: string;
  readonly outcome: PushOutcome;
  readonly message: string;
}

export async function pushSession(paths: AppPaths, id: string, options: PushOptions = {}): Promise<PushResult> {
  const context = await openSession(paths, id);
  return pushOpened(context, options);
}

async function pushOpened(context: SessionContext, options: PushOptions): Promise<PushResult> {
  const { record, commonDir } = context;
  assertNotRunning(record, 'push');
  const commit = assertNotDiscarded(context, 'push');
  const remote = await chooseRemote(commonDir, record.baseBranch, options.remote);
  const url = redactRemoteUrl(remote.url);
  const outcome = await pushBranch({ commonDir, remote: remote.name, commit, branch: record.branch });
  appendEvent(context.paths, record.id, { type: 'push', remote: remote.name, url, branch: record.branch, commit, outcome });
  const message =
    outcome === 'pushed'
      ? `Pushed ${record.branch} (${commit.slice(0, 8)}) to ${remote.name} (${url}).`
      : `${remote.name} already has ${record.branch} at ${commit.slice(0, 8)}; nothing to push.`;
  return { remote: remote.name, url, branch: record.branch, commit, outcome, message };
}

async function chooseRemote(
  commonDir: string,
  baseBranch: string | null,
  asked: string | undefined,
): Promise<{ readonly name: string; readonly url: string }> {
  // "." as a branch's remote means the repository itself: not a place to push a pull request from.
  const upstream = baseBranch === null || asked !== undefined ? null : await configGet(commonDir, `branch.${baseBranch}.remote`);
  const name = asked ?? (upstream !== null && upstream !== '.' ? upstream : 'origin');
  const url = await configGet(commonDir, `remote.${name}.url`);
  if (url === null) {
    throw new FactoryError(
      'REMOTE_NOT_FOUND',
      `The repository has no remote named "${name}"${asked === undefined ? ' (the base branch has no upstream, so origin was tried)' : ''}. \`git remote -v\` lists its remotes; pass --remote NAME.`,
    );
  }
  return { name, url };
}

export interface PullRequestOptions extends PushOptions {
  readonly draft?: boolean | undefined;
}

export interface PullRequestResult {
  readonly push: PushResult;
  readonly via: 'gh' | 'compare' | 'none';
  /** The PR's page (gh) or the host's compare page; null when the remote is not a known host and gh could not help. */
  readonly url: string | null;
  readonly number: number | null;
  readonly state: string | null;
  readonly draft: boolean;
  readonly checks: { readonly passing: number; readonly failing: number; readonly pending: number } | null;
  readonly title: string;
  readonly message: string;
}

export async function createPullRequest(paths: AppPaths, id: string, options: PullRequestOptions = {}): Promise<PullRequestResult> {
  const context = await openSession(paths, id);
  const { record, commonDir } = context;
  if (record.baseBranch === null) {
    throw new FactoryError(
      'MERGE_TARGET_REQUIRED',
      `Session ${record.id} started on a detached HEAD, so there is no base branch for a pull request. Push it with \`mlx-factory sessions push ${record.id}\` and open the request by hand.`,
    );
  }
  const push = await pushOpened(context, options);
  const draft = options.draft === true;
  const title = pullRequestTitle(record);
  // The base as the remote names it: the base branch's upstream, when it tracks one on this remote.
  const upstreamRemote = await configGet(commonDir, `branch.${record.baseBranch}.remote`);
  const upstreamMerge = upstreamRemote === push.remote ? await configGet(commonDir, `branch.${record.baseBranch}.merge`) : null;
  const base = upstreamMerge?.replace(/^refs\/heads\//, '') ?? record.baseBranch;
  const rawUrl = (await configGet(commonDir, `remote.${push.remote}.url`)) ?? push.url;
  const hosted = parseRemote(rawUrl);
  const cwd = record.repo;
  if (hosted?.kind === 'github' && (await ghSignedIn(hosted.host, cwd))) {
    const repo = `${hosted.host}/${hosted.path}`;
    const url = await ghPrCreate({ repo, base, head: record.branch, title, body: pullRequestBody(record), draft, cwd });
    const status = await ghPrView(url, repo, cwd);
    appendEvent(paths, record.id, {
      type: 'pr',
      via: 'gh',
      url: status?.url ?? url,
      base,
      branch: record.branch,
      draft: status?.draft ?? draft,
      number: status?.number ?? null,
      state: status?.state ?? null,
      checks: status?.checks ?? null,
    });
    const shown = status === null ? '' : ` #${status.number} (${status.state.toLowerCase()}${status.draft ? ', draft' : ''})`;
    return {
      push,
      via: 'gh',
      url: status?.url ?? url,
      number: status?.number ?? null,
      state: status?.state ?? null,
      draft: status?.draft ?? draft,
      checks: status?.checks ?? null,
      title,
      message: `${push.message}\nOpened pull request${shown}: ${status?.url ?? url}\n${HOOKS_NOTICE}`,
    };
  }
  if (hosted === null) {
    return {
      push,
      via: 'none',
      url: null,
      number: null,
      state: null,
      draft,
      checks: null,
      title,
      message: `${push.message}\n${push.url} is not a GitHub, GitLab or Bitbucket remote, so there is no page to open a pull request on; open it on your host from ${record.branch} into ${base}.\n${HOOKS_NOTICE}`,
    };
  }
  const url = compareUrl(hosted, base, record.branch);
  appendEvent(paths, record.id, {
    type: 'pr',
    via: 'compare',
    url,
    base,
    branch: record.branch,
    draft,
    number: null,
    state: null,
    checks: null,
  });
  const why = hosted.kind === 'github' ? 'The GitHub CLI (gh) is not installed or not signed in' : `This is a ${hosted.kind} remote`;
  return {
    push,
    via: 'compare',
    url,
    number: null,
    state: null,
    draft,
    checks: null,
    title,
    message: `${push.message}\n${why}; open the pull request here${draft ? ' (mark it as a draft there)' : ''}:\n${url}\n${HOOKS_NOTICE}`,
  };
}
