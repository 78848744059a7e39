/**
 * Pure functions over a git remote's URL (the renderer may import them): the credentials a URL may
 * carry taken out before it is shown or logged, and the hosted page that opens a pull request from a
 * pushed branch when the GitHub CLI cannot (GitHub, GitLab, Bitbucket).
 */
export interface RemoteRepo {
  readonly kind: 'github' | 'gitlab' | 'bitbucket';
  readonly host: string;
  /** owner/name (GitLab: group/subgroup/name). */
  readonly path: string;
}

/** `https://user:token@host/x` → `https://host/x`: a URL with a secret in it is never shown or logged. */
export function redactRemoteUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The host and repository path of scp-like (`git@host:o/r.git`), ssh:// and http(s):// remotes; null for anything else. */
export function parseRemote(url: string): RemoteRepo | null {
  const clean = redactRemoteUrl(url.trim());
  const match =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/i.exec(clean) ??
    /^(?:[^@/]+@)?([^/:]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(clean);
  if (match === null) return null;
  const host = (match[1] ?? '').toLowerCase();
  const repoPath = match[2] ?? '';
  if (!/^[\w.-]+(\/[\w.-]+)+$/.test(repoPath)) return null;
  const kind = host.includes('github') ? 'github' : host.includes('gitlab') ? 'gitlab' : host.includes('bitbucket') ? 'bitbucket' : null;
  return kind === null ? null : { kind, host, path: repoPath };
}

/** The host's "open a pull (merge) request from BRANCH into BASE" page. */
export function compareUrl(repo: RemoteRepo, base: string, branch: string): string {
  const root = `https://${repo.host}/${repo.path}`;
  const b = encodeURIComponent(branch);
  const t = encodeURIComponent(base);
  switch (repo.kind) {
    case 'github':
      // Branch names may hold '/', which the compare path takes as is.
      return `${root}/compare/${encodeURI(base)}...${encodeURI(branch)}?expand=1`;
    case 'gitlab':
      return `${root}/-/merge_requests/new?merge_request%5Bsource_branch%5D=${b}&merge_request%5Btarget_branch%5D=${t}`;
    case 'bitbucket':
      return `${root}/pull-requests/new?source=${b}&dest=${t}`;
  }
}
