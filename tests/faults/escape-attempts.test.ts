// A generated program that tries to get out, run the way every generated program runs (the real
// CLI, the check in bubblewrap): open sockets (the host's loopback, the internet, a host daemon's
// Unix socket), read ~/.ssh, write to ../, to the user's repository and to $HOME, read the
// environment's secrets. Each attempt must fail, and nothing outside the worktree may change.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotCheckout } from '../support/git-fixtures.js';
import { summaryOf } from '../support/run-cli.js';
import { CliProcess, expectLogMatchesRepo, FAIL, fileReply, useFaultHarness } from './fault-support.js';

const faults = useFaultHarness();

/** Every file under `root` (path → sha256), skipping the given subtrees. */
function snapshotTree(root: string, skip: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (skip.some((s) => full === s || full.startsWith(`${s}/`))) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) files[path.relative(root, full)] = `symlink:${fs.readlinkSync(full)}`;
      else if (entry.isFile()) files[path.relative(root, full)] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      else files[path.relative(root, full)] = 'special';
    }
  };
  walk(root);
  return files;
}

function listen(server: net.Server, where: number | string): Promise<void> {
  return new Promise((resolve) => {
    if (typeof where === 'number') server.listen(where, '127.0.0.1', resolve);
    else server.listen(where, resolve);
  });
}

describe('a generated program trying to escape', () => {
  it('cannot reach the network or host daemons, read ~/.ssh or secrets, or write outside its worktree', async () => {
    const ws = faults.workspace('escape');
    const marker = `ESC${crypto.randomInt(1e8, 1e9)}`;
    const fakeHome = path.join(ws.root, 'user-home');
    fs.mkdirSync(path.join(fakeHome, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(fakeHome, '.ssh', 'id_ed25519'), `-----BEGIN OPENSSH PRIVATE KEY----- ${marker}-KEY\n`);
    fs.mkdirSync(path.join(fakeHome, '.aws'));
    fs.writeFileSync(path.join(fakeHome, '.aws', 'credentials'), `aws_secret_access_key = ${marker}-AWS\n`);
    fs.writeFileSync(path.join(fakeHome, 'notes.txt'), 'the user’s own file\n');

    let connections = 0;
    const count = (socket: net.Socket): void => {
      connections++;
      socket.on('error', () => undefined);
      socket.end('hello\n');
    };
    const tcp = net.createServer(count);
    await listen(tcp, 0);
    const tcpPort = (tcp.address() as net.AddressInfo).port;
    const unixPath = path.join(ws.root, 'daemon.sock');
    const daemon = net.createServer(count);
    await listen(daemon, unixPath);

    const secrets = {
      OPENAI_API_KEY: `sk-${marker}-1`,
      GITHUB_TOKEN: `ghp_${marker}-2`,
      AWS_SECRET_ACCESS_KEY: `${marker}-3`,
      DATABASE_URL: `postgres://app:${marker}-4@db.internal/app`,
      HF_TOKEN: `hf_${marker}-5`,
      MY_SERVICE_PASSWORD: `${marker}-6`,
      SSH_AUTH_SOCK: unixPath,
    };
    const program = `import json, os, socket
r = {}
def attempt(name, action):
    try:
        r[name] = 'ALLOWED: ' + str(action())
    except Exception as e:
        r[name] = 'denied: ' + type(e).__name__ + ': ' + str(e)
attempt('tcp_host_loopback', lambda: socket.create_connection(('127.0.0.1', ${tcpPort}), timeout=3).recv(10))
attempt('tcp_internet', lambda: socket.create_connection(('1.1.1.1', 443), timeout=3).close())
attempt('dns', lambda: socket.getaddrinfo('example.com', 443))
def unix():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(${JSON.stringify(unixPath)})
    return s.recv(10)
attempt('unix_host_daemon', unix)
attempt('read_ssh_key', lambda: open(os.path.expanduser('~/.ssh/id_ed25519')).read())
attempt('list_ssh_dir', lambda: os.listdir(os.path.expanduser('~/.ssh')) or (_ for _ in ()).throw(FileNotFoundError('empty')))
attempt('read_aws', lambda: open(os.path.expanduser('~/.aws/credentials')).read())
attempt('write_parent', lambda: open('../escape-${marker}.txt', 'w').write('x'))
attempt('write_user_repo', lambda: open(${JSON.stringify(path.join(ws.repo, `pwned-${marker}.txt`))}, 'w').write('x'))
attempt('write_home', lambda: open(os.path.expanduser('~/pwned-${marker}.txt'), 'w').write('x'))
attempt('edit_user_file', lambda: open(os.path.expanduser('~/notes.txt'), 'a').write('x'))
attempt('write_var_tmp', lambda: open('/var/tmp/pwned-${marker}.txt', 'w').write('x'))
attempt('write_worktree', lambda: open('inside.txt', 'w').write('fine'))
r['env_names'] = sorted(os.environ)
r['env_leaks'] = [k for k, v in os.environ.items() if '${marker}' in v]
print('RESULT ' + json.dumps(r), flush=True)
`;
    const before = snapshotCheckout(ws.repo);
    const worktreesRoot = path.join(ws.home, 'worktrees');
    const outsideBefore = snapshotTree(ws.root, [path.join(ws.repo, '.git'), ws.home]);
    await faults.server.setScript({ coder: [{ content: fileReply(program) }], sheriff: [FAIL] });
    const run = new CliProcess(['run', 'Escape', '--server-url', faults.server.url, '--json', '-n', '1'], {
      cwd: ws.repo,
      home: ws.home,
      env: { ...secrets, HOME: fakeHome },
    });
    const result = await run.done;
    expect(result.stderr).toBe('');
    const summary = summaryOf(result.stdout);
    const worktree = String(summary['worktree']);
    const finished = run.events.find((e) => e.type === 'exec.finished');
    const line = /^RESULT (.*)$/m.exec(String(finished?.['output']))?.[1];
    if (line === undefined) throw new Error(`the program printed no result:\n${String(finished?.['output'])}`);
    const r = JSON.parse(line) as Record<string, string> & { env_names: string[]; env_leaks: string[] };

    // Each attempt failed, for the reason the sandbox gives.
    expect(r['tcp_host_loopback']).toMatch(/^denied: (ConnectionRefusedError|OSError)/);
    expect(r['tcp_internet']).toMatch(/^denied: OSError: \[Errno 101\] Network is unreachable/);
    expect(r['dns']).toMatch(/^denied: gaierror/);
    expect(r['unix_host_daemon']).toMatch(/^denied: PermissionError: \[Errno 1\] Operation not permitted/);
    expect(r['read_ssh_key']).toMatch(/^denied: FileNotFoundError/);
    expect(r['list_ssh_dir']).toMatch(/^denied: FileNotFoundError: empty/);
    expect(r['read_aws']).toMatch(/^denied: FileNotFoundError/);
    for (const write of ['write_parent', 'write_user_repo', 'write_home', 'edit_user_file', 'write_var_tmp']) {
      expect(r[write], write).toMatch(/^denied: OSError: \[Errno 30\] Read-only file system/);
    }
    expect(r['write_worktree']).toBe('ALLOWED: 4');
    expect(connections).toBe(0);

    // The environment: scrubbed names and values, toolchain basics kept.
    expect(r.env_leaks).toEqual([]);
    for (const name of Object.keys(secrets)) expect(r.env_names).not.toContain(name);
    expect(r.env_names).toContain('PATH');
    expect(r.env_names).toContain('HOME');
    // No secret reached the session log either (the log is what the UI and the Sheriff see).
    const logText = fs.readFileSync(path.join(ws.home, 'sessions', String(summary.session), 'events.jsonl'), 'utf8');
    expect(logText).not.toContain(`${marker}-`);

    // Nothing outside the worktree changed: the user's checkout, their home, everything beside.
    expect(snapshotCheckout(ws.repo)).toEqual(before);
    // Our own records in the home (the session's log, what the server answered to tools) are ours to write.
    expect(
      snapshotTree(ws.root, [
        path.join(ws.repo, '.git'),
        path.join(ws.home, 'sessions'),
        path.join(ws.home, 'tool-support.json'),
        worktree,
      ]),
    ).toEqual(outsideBefore);
    expect(fs.readdirSync(path.dirname(worktree))).toEqual([path.basename(worktree)]);
    expect(fs.existsSync(path.join(worktreesRoot, `escape-${marker}.txt`))).toBe(false);
    expect(fs.existsSync(`/var/tmp/pwned-${marker}.txt`)).toBe(false);
    expect(fs.readFileSync(path.join(worktree, 'inside.txt'), 'utf8')).toBe('fine');
    expectLogMatchesRepo(ws, String(summary.session), String(summary['branch']));
    tcp.close();
    daemon.close();
    const attempts = Object.keys(r).filter((k) => !['env_names', 'env_leaks', 'write_worktree'].includes(k));
    console.info(
      `[faults] escape attempts: ${attempts.length} tried, ${attempts.filter((k) => r[k]?.startsWith('denied')).length} denied, ${connections} connections reached the host`,
    );
  });
});
