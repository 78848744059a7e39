// Push and pull requests (#21) against a real local bare remote: the session branch pushed at the
// session's head and never forced, a remote branch that moved refused, `gh pr create` (a fake `gh`
// first on PATH that records its arguments and stdin) called with the merge subject and a body
// written from the session, `--draft` passed through, the host's compare page printed (and handed to
// the opener) when gh is absent, and the user's local branches unchanged throughout.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareUrl, parseRemote, redactRemoteUrl } from '../../src/api/remote-host.js';
import { git, makeRepo, makeTempDir, removeTempDirs, writeFiles, commitAll } from '../support/git-fixtures.js';
import { runCli } from '../support/run-cli.js';
import { waitFor } from '../support/wait-for.js';
import { addStep, createSessionFixture, finishSession, withLog, type SessionFixture } from '../support/session-fixtures.js';

afterAll(removeTempDirs);

const GITHUB_URL = 'https://github.com/acme/widgets.git';

interface Setup {
  readonly repo: string;
  readonly home: string;
  readonly bare: string;
  readonly session: SessionFixture;
  /** A folder first on PATH holding the fake tools, and the folder they record into. */
  readonly bin: string;
  readonly records: string;
}

/**
 * A repository whose origin says GitHub (so gh and the compare page have a host) while its pushes go,
 * through git's own `pushInsteadOf`, to a local bare repository; main tracks origin/main.
 */
async function setup(): Promise<Setup> {
  const repo = makeRepo({ files: { 'README.md': '# demo\n', 'a.txt': 'one\n' } });
  const bare = path.join(makeTempDir('mlxf-remote-'), 'widgets.git');
  git(path.dirname(bare), 'init', '-q', '--bare', bare);
  git(repo, 'remote', 'add', 'origin', GITHUB_URL);
  git(repo, 'config', `url.${bare}.pushInsteadOf`, GITHUB_URL);
  git(repo, 'push', '-q', 'origin', 'main');
  git(repo, 'config', 'branch.main.remote', 'origin');
  git(repo, 'config', 'branch.main.merge', 'refs/heads/main');
  // A pre-push hook of the user's: it must not run (it would run the session's code outside the sandbox).
  writeFiles(repo, { '.git/hooks/pre-push': '#!/bin/sh\ntouch "$(git rev-parse --git-dir)/PRE_PUSH_RAN"\nexit 1\n' });
  fs.chmodSync(path.join(repo, '.git/hooks/pre-push'), 0o755);
  const home = makeTempDir('mlxf-home-');
  const session = await createSessionFixture({ repo, home, name: 'Add a greeting' });
  await addStep(session, { files: { 'a.txt': 'one\ntwo\n' } });
  withLog(session.paths, session.id, (log) => {
    log.append({ type: 'exec.started', attempt: 1, command: 'true', sandbox: 'none' });
    log.append({
      type: 'exec.finished',
      attempt: 1,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 5,
      output: '',
      totalBytes: 0,
      truncated: false,
    });
    log.append({ type: 'verdict', attempt: 1, verdict: 'PASS', passed: true, feedback: 'ok' });
  });
  finishSession(session);
  const bin = makeTempDir('mlxf-bin-');
  const records = makeTempDir('mlxf-records-');
  // The opener the CLI hands a compare page to: records it instead of starting a browser.
  writeTool(bin, 'xdg-open', `#!/bin/sh\nprintf '%s\\n' "$1" >> "${records}/opened"\n`);
  return { repo, home, bare, session, bin, records };
}

function writeTool(bin: string, name: string, script: string): void {
  fs.writeFileSync(path.join(bin, name), script, { mode: 0o755 });
}

/** A stand-in for the GitHub CLI: each call's arguments (one per line) and stdin in a numbered folder. */
function installFakeGh(s: Setup): void {
  writeTool(
    s.bin,
    'gh',
    `#!/bin/sh
n=$(ls "${s.records}" | grep -c '^gh-')
dir="${s.records}/gh-$n"
mkdir -p "$dir"
for a in "$@"; do printf '%s\\n' "$a" >> "$dir/args"; done
cat > "$dir/stdin"
case "$1 $2" in
  "auth status") exit 0 ;;
  "pr create")
    for a in "$@"; do [ "$a" = "--draft" ] && touch "${s.records}/draft"; done
    echo "https://github.com/acme/widgets/pull/7" ;;
  "pr view")
    draft=false; [ -f "${s.records}/draft" ] && draft=true
    echo "{\\"number\\":7,\\"state\\":\\"OPEN\\",\\"url\\":\\"https://github.com/acme/widgets/pull/7\\",\\"isDraft\\":$draft,\\"statusCheckRollup\\":[{\\"status\\":\\"COMPLETED\\",\\"conclusion\\":\\"SUCCESS\\"},{\\"status\\":\\"IN_PROGRESS\\",\\"conclusion\\":null}]}" ;;
  *) exit 2 ;;
esac
`,
  );
}

interface GhCall {
  readonly args: string[];
  readonly stdin: string;
}

function ghCalls(s: Setup): GhCall[] {
  return fs
    .readdirSync(s.records)
    .filter((name) => name.startsWith('gh-'))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((name) => ({
      args: fs
        .readFileSync(path.join(s.records, name, 'args'), 'utf8')
        .split('\n')
        .slice(0, -1),
      stdin: fs.readFileSync(path.join(s.records, name, 'stdin'), 'utf8'),
    }));
}

/** PATH with the fake tools first and without any real gh (there is none on these machines' system dirs). */
function cli(s: Setup, ...args: string[]) {
  const PATH = [s.bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
  return runCli(['sessions', ...args], { cwd: s.repo, home: s.home, env: { PATH } });
}

const localBranches = (repo: string): string => git(repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads');
const remoteRef = (bare: string, ref: string): string | null => {
  try {
    return git(bare, 'rev-parse', '--verify', '--quiet', ref).trim();
  } catch {
    return null;
  }
};

describe('sessions push', () => {
  it("pushes the session branch at the session's head to the base branch's upstream remote, hooks off, local branches unchanged", async () => {
    const s = await setup();
    const before = localBranches(s.repo);
    const result = await cli(s, 'push', s.session.id, '--json');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const out = JSON.parse(result.stdout) as { remote: string; commit: string; outcome: string; url: string };
    expect(out).toMatchObject({ remote: 'origin', outcome: 'pushed', url: GITHUB_URL, commit: s.session.commits[0] });
    expect(remoteRef(s.bare, `refs/heads/${s.session.branch}`)).toBe(s.session.commits[0]);
    expect(localBranches(s.repo)).toBe(before);
    expect(fs.existsSync(path.join(s.repo, '.git/PRE_PUSH_RAN'))).toBe(false);
    // The push is in the session's projection.
    const shown = await cli(s, 'show', s.session.id, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ pushes: [{ remote: 'origin', commit: s.session.commits[0], outcome: 'pushed' }] });
    // Text mode says the hooks are off and why.
    const again = await cli(s, 'push', s.session.id);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already has');
    expect(again.stdout).toContain('pre-push hook would run');
  });

  it('refuses, and forces nothing, when the remote branch moved; an unknown remote is named', async () => {
    const s = await setup();
    expect((await cli(s, 'push', s.session.id)).exitCode).toBe(0);
    // Someone else pushes to the session branch on the remote.
    const other = path.join(makeTempDir('mlxf-other-'), 'clone');
    git(path.dirname(other), 'clone', '-q', s.bare, other);
    git(other, 'checkout', '-q', s.session.branch);
    writeFiles(other, { 'theirs.txt': 'theirs\n' });
    const theirs = commitAll(other, 'their commit');
    git(other, 'push', '-q', 'origin', s.session.branch);
    // The session goes on.
    await addStep(s.session, { files: { 'a.txt': 'one\ntwo\nthree\n' }, attempt: 2 });
    const before = localBranches(s.repo);

    const refused = await cli(s, 'push', s.session.id);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/refused the push/);
    expect(refused.stderr).toMatch(/Nothing was forced/);
    expect(remoteRef(s.bare, `refs/heads/${s.session.branch}`)).toBe(theirs);
    expect(localBranches(s.repo)).toBe(before);

    const unknown = await cli(s, 'push', s.session.id, '--remote', 'nowhere');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no remote named "nowhere"');
  });
});

describe('sessions pr', () => {
  it('with gh signed in: pushes, then gh pr create with the merge subject, a body from the session, and --draft passed through', async () => {
    const s = await setup();
    installFakeGh(s);
    const before = localBranches(s.repo);
    const result = await cli(s, 'pr', s.session.id, '--draft', '--json');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      via: 'gh',
      number: 7,
      state: 'OPEN',
      draft: true,
      url: 'https://github.com/acme/widgets/pull/7',
      checks: { passing: 1, failing: 0, pending: 1 },
    });
    expect(remoteRef(s.bare, `refs/heads/${s.session.branch}`)).toBe(s.session.commits[0]);
    expect(localBranches(s.repo)).toBe(before);

    const create = ghCalls(s).find((c) => c.args[0] === 'pr' && c.args[1] === 'create');
    expect(create).toBeDefined();
    const args = create?.args ?? [];
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(flag('--title')).toBe('Add a greeting');
    expect(flag('--base')).toBe('main');
    expect(flag('--head')).toBe(s.session.branch);
    expect(flag('--repo')).toBe('github.com/acme/widgets');
    expect(flag('--body-file')).toBe('-');
    expect(args).toContain('--draft');
    // The body came through stdin and describes the task, its steps with their check and verdict, and the check.
    expect(create?.stdin).toContain('Do the Add a greeting');
    expect(create?.stdin).toMatch(/Step 1 \(attempt 1\): a\.txt — check exit 0, verdict PASS/);
    expect(create?.stdin).toContain('`true`');
    // The PR is on the session.
    const shown = JSON.parse((await cli(s, 'show', s.session.id, '--json')).stdout) as { pullRequest: unknown };
    expect(shown.pullRequest).toMatchObject({ via: 'gh', number: 7, state: 'OPEN', draft: true });
  });

  it('without --draft, gh is not asked for a draft', async () => {
    const s = await setup();
    installFakeGh(s);
    const result = await cli(s, 'pr', s.session.id);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Opened pull request #7 (open)');
    const create = ghCalls(s).find((c) => c.args[1] === 'create');
    expect(create?.args).not.toContain('--draft');
  });

  it("without gh: pushes, prints the host's compare page and hands it to the opener", async () => {
    const s = await setup();
    const before = localBranches(s.repo);
    const result = await cli(s, 'pr', s.session.id);
    expect(result.exitCode).toBe(0);
    const expected = `https://github.com/acme/widgets/compare/main...${s.session.branch}?expand=1`;
    expect(result.stdout).toContain(expected);
    expect(result.stdout).toContain('gh) is not installed or not signed in');
    expect(remoteRef(s.bare, `refs/heads/${s.session.branch}`)).toBe(s.session.commits[0]);
    expect(localBranches(s.repo)).toBe(before);
    const opened = path.join(s.records, 'opened');
    // The opener is started detached; its record appears when it has run.
    await waitFor('the opener to get the compare page', () => fs.existsSync(opened) && fs.readFileSync(opened, 'utf8').includes(expected));
  });
});

describe('remote hosts (pure)', () => {
  it('parses GitHub, GitLab and Bitbucket remotes and builds their compare pages; credentials never shown', () => {
    expect(parseRemote('git@github.com:acme/widgets.git')).toEqual({ kind: 'github', host: 'github.com', path: 'acme/widgets' });
    expect(parseRemote('ssh://git@gitlab.com/group/sub/proj.git')).toEqual({ kind: 'gitlab', host: 'gitlab.com', path: 'group/sub/proj' });
    const bb = parseRemote('https://user:secret@bitbucket.org/team/repo');
    expect(bb).toEqual({ kind: 'bitbucket', host: 'bitbucket.org', path: 'team/repo' });
    expect(parseRemote('/srv/git/repo.git')).toBeNull();
    expect(redactRemoteUrl('https://user:secret@bitbucket.org/team/repo')).toBe('https://bitbucket.org/team/repo');
    const gl = parseRemote('https://gitlab.com/group/proj.git');
    expect(gl && compareUrl(gl, 'main', 'factory/x-1')).toBe(
      'https://gitlab.com/group/proj/-/merge_requests/new?merge_request%5Bsource_branch%5D=factory%2Fx-1&merge_request%5Btarget_branch%5D=main',
    );
    expect(bb && compareUrl(bb, 'main', 'factory/x-1')).toBe(
      'https://bitbucket.org/team/repo/pull-requests/new?source=factory%2Fx-1&dest=main',
    );
  });
});
