// `mlx-factory models pull | rm` against a hostile HF_ENDPOINT mirror (#19): the real CLI as a child
// process, the test venv's huggingface_hub, the Hub's default cache location under a fake $HOME
// that holds decoy secrets. Whatever the mirror answers, nothing outside the cache is created,
// changed or deleted, the token goes to no other host, an endless body stops at the planned size,
// and every refusal is one sentence with no "run again".
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/api/format-bytes.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { startStandInHub, type FileFault, type HostileAnswers, type StandInHub } from '../support/stand-in-hub.js';
import { testDeps } from '../support/test-deps.js';

const HOSTILE = 'evil-org/tiny-hostile';
const TOKEN = 'hf_hostile_test_secret';
const WEIGHTS_BYTES = 3 * 1024 * 1024;
const ESCAPE = '../../../../../x/..';
let hub: StandInHub;

beforeAll(async () => {
  // The repo lists files named like the decoys: an escaping snapshot path would land on them.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-repo-'));
  fs.cpSync(testDeps().model, dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.ssh'));
  fs.writeFileSync(path.join(dir, '.ssh', 'id_ed25519'), 'not the real key, longer than the decoy\n');
  fs.mkdirSync(path.join(dir, 'Documents'));
  fs.writeFileSync(path.join(dir, 'Documents', 'thesis.txt'), 'a different thesis\n');
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(WEIGHTS_BYTES, 7));
  hub = await startStandInHub({ [HOSTILE]: { dir } });
});
afterAll(async () => hub.close());

interface Machine {
  readonly root: string;
  readonly home: string;
  readonly appHome: string;
  readonly cache: string;
  readonly env: Record<string, string>;
}

/** A fake $HOME with decoys, the default cache location under it, and our app's home beside it. */
function machine(): Machine {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-hub-'));
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
  fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'DECOY PRIVATE KEY\n', { mode: 0o600 });
  fs.mkdirSync(path.join(home, 'Documents'));
  fs.writeFileSync(path.join(home, 'Documents', 'thesis.txt'), 'four years of work\n');
  fs.writeFileSync(path.join(home, 'Documents', 'big.bin'), Buffer.alloc(2 * 1024 * 1024, 1));
  const appHome = path.join(root, 'app');
  fs.mkdirSync(appHome);
  fs.writeFileSync(path.join(appHome, 'factory.yaml'), `server:\n  python: ${testDeps().python}\n`);
  const cwd = path.join(root, 'cwd');
  fs.mkdirSync(cwd);
  return {
    root,
    home,
    appHome,
    cache: path.join(home, '.cache', 'huggingface', 'hub'),
    env: { HOME: home, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN, HF_HUB_DISABLE_XET: '1' },
  };
}

const UNSET = ['HF_HOME', 'HF_HUB_CACHE', 'HUGGINGFACE_HUB_CACHE', 'XDG_CACHE_HOME', 'HF_HUB_OFFLINE'];

function pull(m: Machine, onSpawn?: (pid: number) => void): Promise<CliRun> {
  return runCli(['models', 'pull', HOSTILE], { cwd: path.join(m.root, 'cwd'), home: m.appHome, env: m.env, unset: UNSET, onSpawn });
}

/**
 * Everything under the fake machine except the cache (and the folders that hold it, which making
 * the cache creates) and our app's home: type, size, mtime, content.
 */
function outsideTheCache(m: Machine): Map<string, string> {
  const seen = new Map<string, string>();
  const skip = new Set([m.cache, m.appHome]);
  const holdsCache = (dir: string): boolean => m.cache.startsWith(`${dir}${path.sep}`);
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (skip.has(full)) continue;
      const stat = fs.lstatSync(full);
      if (entry.isDirectory()) {
        if (!holdsCache(full)) seen.set(full, 'dir');
        walk(full);
      } else if (entry.isSymbolicLink()) seen.set(full, `link ${fs.readlinkSync(full)}`);
      else seen.set(full, `file ${stat.size} ${stat.mtimeMs} ${createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`);
    }
  };
  walk(m.root);
  return seen;
}

/** Every regular file in the cache with its size (nothing may exceed what the plan declared). */
function cacheFiles(m: Machine): Array<{ file: string; size: number }> {
  const out: Array<{ file: string; size: number }> = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ file: path.relative(m.cache, full), size: fs.lstatSync(full).size });
    }
  };
  walk(m.cache);
  return out;
}

/** The CLI's error: the last line of stderr, which must be one sentence. */
function refusal(run: CliRun): string {
  const line = run.stderr.trim().split('\n').at(-1) ?? '';
  expect(line).toMatch(/^mlx-factory: /);
  const message = line.slice('mlx-factory: '.length);
  expect(message).toMatch(/\.$/);
  expect(message).not.toMatch(/\.\s+[A-Z]/); // a second sentence
  expect(message).not.toMatch(/Traceback|Error:/);
  return message;
}

async function hostilePull(
  hostile: HostileAnswers,
  faults: Readonly<Record<string, FileFault>>,
): Promise<{ m: Machine; run: CliRun; message: string }> {
  const m = machine();
  const before = outsideTheCache(m);
  hub.setHostile(HOSTILE, hostile);
  hub.setFaults(HOSTILE, faults);
  const run = await pull(m);
  hub.setHostile(HOSTILE, {});
  hub.setFaults(HOSTILE, {});
  expect(run.exitCode).not.toBe(0);
  expect(outsideTheCache(m)).toEqual(before);
  const message = refusal(run);
  return { m, run, message };
}

const REFUSED_TAIL = `so ${HOSTILE} was not downloaded and nothing outside the Hugging Face cache was touched.`;

describe('models pull from a hostile Hub mirror', () => {
  it('a commit id that is a path is refused before anything is written', async () => {
    const { m, message } = await hostilePull({ commitId: ESCAPE }, {});
    expect(message).toBe(
      `The Hub at ${hub.url} answered with the commit id "${ESCAPE}", which is not 40 hexadecimal characters, ${REFUSED_TAIL}`,
    );
    expect(message).not.toMatch(/run .*again/);
    expect(fs.existsSync(path.join(m.cache, 'models--evil-org--tiny-hostile'))).toBe(false);
  }, 60_000);

  it('a second lookup naming a `../` commit with an empty file list is refused, and no decoy is touched', async () => {
    const { message } = await hostilePull({ secondCommitId: ESCAPE, emptySecondListing: true }, {});
    expect(message).toMatch(/^The Hub at \S+ sent a second file list for commit [0-9a-f]{40} that differs from the first, so /);
    expect(message).toContain(REFUSED_TAIL);
  }, 60_000);

  it('an ETag that is a `../` path, or an absolute path, is refused before a byte is written there', async () => {
    const relative = await hostilePull({}, { 'weights.bin': { etag: '../../../../.ssh/id_ed25519' } });
    expect(relative.message).toMatch(
      /^The Hub at \S+ sent the ETag "\.\.\/\.\.\/\.\.\/\.\.\/\.ssh\/id_ed25519", which is not a planned blob id, so /,
    );
    const absolute = await hostilePull({}, { 'config.json': { etag: path.join(os.tmpdir(), 'hostile-etag-target') } });
    expect(absolute.message).toMatch(/which is not a planned blob id, so /);
    expect(fs.existsSync(path.join(os.tmpdir(), 'hostile-etag-target'))).toBe(false);
    expect(fs.existsSync(path.join(os.tmpdir(), 'hostile-etag-target.lock'))).toBe(false);
  }, 90_000);

  it('a 404 naming a `../` commit is refused without a folder made outside the cache', async () => {
    const { message } = await hostilePull({}, { 'config.json': { notFoundCommit: ESCAPE } });
    expect(message).toMatch(/^The Hub at \S+ no longer has a planned file at commit [0-9a-f]{40}, so /);
  }, 60_000);

  it('a file list entry that fails the schema ends the pull at once, with the entry named', async () => {
    const upper = await hostilePull(
      {},
      { 'weights.bin': { treeEntry: { lfs: { oid: 'A'.repeat(64), size: WEIGHTS_BYTES, pointerSize: 130 } } } },
    );
    expect(upper.message).toBe(
      `The Hub at ${hub.url} sent the file entry "weights.bin" (lfsSha256: not 64 lowercase hexadecimal characters), which fails mlx-factory's checks, ${REFUSED_TAIL}`,
    );
    const negative = await hostilePull({}, { 'config.json': { treeEntry: { size: -1 } } });
    expect(negative.message).toMatch(/^The Hub at \S+ sent the file entry "config\.json" \(size: too small/);
  }, 90_000);

  it('an endless body stops at the planned size, leaves nothing oversized, and an honest pull then works', async () => {
    const { m, message } = await hostilePull({}, { 'weights.bin': { endlessBody: true } });
    expect(message).toMatch(new RegExp(`^The Hub at \\S+ sent more than the ${WEIGHTS_BYTES} bytes it declared for "weights\\.bin", so `));
    const files = cacheFiles(m);
    expect(files.filter((f) => f.size > WEIGHTS_BYTES)).toEqual([]);
    expect(files.filter((f) => f.file.endsWith('.incomplete'))).toEqual([]);

    const honest = await pull(m);
    expect(honest.stderr).toMatch(/Pulled evil-org\/tiny-hostile .*; verified\./);
    expect(honest.exitCode).toBe(0);
  }, 90_000);

  it('an LFS redirect to another host gets no token; the endpoint does', async () => {
    const m = machine();
    const before = outsideTheCache(m);
    const from = hub.requests.length;
    hub.setHostile(HOSTILE, { cdnHost: 'localhost' });
    const run = await pull(m);
    hub.setHostile(HOSTILE, {});
    expect(run.exitCode).toBe(0);
    const asked = hub.requests.slice(from);
    expect(asked.filter((r) => r.server === 'cdn').length).toBeGreaterThan(0);
    expect(asked.filter((r) => r.server === 'cdn' && r.authorization !== null)).toEqual([]);
    expect(asked.some((r) => r.server === 'hub' && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(outsideTheCache(m)).toEqual(before);
  }, 60_000);

  it('a symbolic link for `.locks` stops the pull, and `models rm` neither follows it nor counts linked files', async () => {
    const m = machine();
    const pulled = await pull(m);
    expect(pulled.exitCode).toBe(0);
    const repoDir = path.join(m.cache, 'models--evil-org--tiny-hostile');
    const blobsBytes = fs
      .readdirSync(path.join(repoDir, 'blobs'))
      .reduce((n, b) => n + fs.statSync(path.join(repoDir, 'blobs', b)).size, 0);

    // Someone made `.locks` a link into Documents, with a folder named like the model's lock folder.
    fs.mkdirSync(path.join(m.home, 'Documents', 'models--evil-org--tiny-hostile'));
    fs.writeFileSync(path.join(m.home, 'Documents', 'models--evil-org--tiny-hostile', 'notes.txt'), 'mine\n');
    fs.rmSync(path.join(m.cache, '.locks'), { recursive: true, force: true });
    fs.symlinkSync(path.join(m.home, 'Documents'), path.join(m.cache, '.locks'));
    fs.symlinkSync(path.join(m.home, 'Documents', 'big.bin'), path.join(repoDir, 'blobs', 'linked-elsewhere'));
    fs.rmSync(path.join(repoDir, 'snapshots'), { recursive: true }); // so the pull must write again
    const before = outsideTheCache(m);

    const again = await pull(m);
    expect(again.exitCode).not.toBe(0);
    expect(refusal(again)).toBe(
      `${path.join(m.cache, '.locks')} is a symbolic link or not a plain folder, and mlx-factory writes nothing through links in the Hugging Face cache, so ${HOSTILE} was not downloaded; remove it and run \`mlx-factory models pull ${HOSTILE}\` again.`,
    );
    expect(outsideTheCache(m)).toEqual(before);

    const removed = await runCli(['models', 'rm', HOSTILE], { cwd: path.join(m.root, 'cwd'), home: m.appHome, env: m.env, unset: UNSET });
    expect(removed.exitCode).toBe(0);
    // big.bin (2 MB, reached through a link) is not counted.
    expect(removed.stderr).toContain(`(${formatBytes(blobsBytes)} freed)`);
    expect(outsideTheCache(m)).toEqual(before);
    expect(fs.existsSync(repoDir)).toBe(false);
  }, 120_000);
});

/** The pids of a process's children (Linux: /proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter((p) => p !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Running (not gone, not a zombie waiting to be reaped). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.runIf(process.platform === 'linux')('killing `models pull`', () => {
  it('SIGKILL of the CLI stops the download helper, and the next pull is not held by its lock', async () => {
    const m = machine();
    // 3 MB at 32 KB/s: the download alone would take over 90 s.
    hub.setFaults(HOSTILE, { 'weights.bin': { bytesPerSecond: 32 * 1024 } });
    const from = hub.requests.length;
    let cli = 0;
    const killed = pull(m, (pid) => (cli = pid));
    await until('the weights to be downloading', () => hub.requests.slice(from).some((r) => r.server === 'cdn' && r.method === 'GET'));
    const helpers = childrenOf(cli);
    expect(helpers.length).toBeGreaterThan(0);
    process.kill(cli, 'SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    await until('the helper to exit', () => helpers.every((pid) => !running(pid)), 20_000);

    hub.setFaults(HOSTILE, {});
    const again = await pull(m);
    expect(again.exitCode).toBe(0);
  }, 90_000);
});
