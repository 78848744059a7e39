// A local stand-in for the Hugging Face Hub's HTTP API, serving model folders from disk the way
// huggingface_hub's snapshot_download asks for them (STACK-NOTES.md, "Hugging Face cache"):
//   GET  /api/models/{id}[/revision/{rev}]          repo info: sha, siblings, gated
//   GET  /api/models/{id}/tree/{rev}?recursive=...  the file list with oids, sizes and lfs info
//   HEAD /{id}/resolve/{rev}/{file}                 X-Repo-Commit, ETag, (LFS: 302 + X-Linked-Etag/Size)
//   GET  /{id}/resolve/{rev}/{file}                 the bytes (small files) or a 302 to the "CDN"
//   GET  /cdn/{sha256}                              LFS bytes, with Range, on a second port: the
//                                                   Hub's CDN is another origin, whose redirect
//                                                   HEAD does not follow (the metadata is on the 302)
// Faults for tests: a stall after N bytes (an interrupted download), corrupt bytes with the
// declared sha256 unchanged, a declared size far beyond the disk, a gated repo. And a hostile
// mirror (HostileAnswers, per-file faults): commit ids and ETags that are paths, a second lookup
// that disagrees with the first, an endless body, a 404 naming a `../` commit, a file list entry
// that fails the schema, LFS redirects to another host.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StandInRepo {
  /** The folder whose files make up the repo (flat or nested). */
  readonly dir: string;
  /** Accessible only with `Authorization: Bearer <token>` for file downloads, as the Hub's gated repos. */
  readonly gatedToken?: string;
  /** Per file (repo path): what to do wrong. */
  readonly faults?: Readonly<Record<string, FileFault>>;
}

export interface FileFault {
  /** Send this many bytes of a GET, then keep the connection open without sending more (until closed). Once. */
  readonly stallAfterBytes?: number;
  /** Serve bytes that differ from the declared sha256 (same size). */
  readonly corrupt?: boolean;
  /** Declare this size in the API (the bytes served stay the real ones). */
  readonly declaredSize?: number;
  /** Serve the bytes at about this rate (a slow link, so a progress bar can be watched). */
  readonly bytesPerSecond?: number;
  /** Send this ETag (and X-Linked-Etag) for the file instead of its blob id. */
  readonly etag?: string;
  /** A GET of the bytes never ends (chunked, no Content-Length). */
  readonly endlessBody?: boolean;
  /** HEAD/GET answer 404 EntryNotFound with this X-Repo-Commit header. */
  readonly notFoundCommit?: string;
  /** Fields merged into the file's tree-listing entry (e.g. an uppercase lfs oid, size -1). */
  readonly treeEntry?: Readonly<Record<string, unknown>>;
}

/** What a hostile or compromised mirror answers for a whole repo. */
export interface HostileAnswers {
  /** The commit id every repo-info answer names. */
  readonly commitId?: string;
  /** The commit id named from the second repo-info answer on (the first is the real one). */
  readonly secondCommitId?: string;
  /** From the second tree listing on, an empty list. */
  readonly emptySecondListing?: boolean;
  /** LFS redirects go to this host name (e.g. "localhost": another host than 127.0.0.1). */
  readonly cdnHost?: string;
}

export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | null;
  readonly authorization: string | null;
  /** Which of the stand-in's two servers got it: the endpoint or the "CDN". */
  readonly server: 'hub' | 'cdn';
}

export interface StandInHub {
  readonly url: string;
  readonly requests: HubRequest[];
  /** The commit every repo's "main" points at. */
  commitOf(repoId: string): string;
  setFaults(repoId: string, faults: Readonly<Record<string, FileFault>>): void;
  setHostile(repoId: string, hostile: HostileAnswers): void;
  close(): Promise<void>;
}

interface RepoFile {
  readonly path: string;
  readonly bytes: Buffer;
  readonly gitOid: string;
  readonly sha256: string;
  readonly lfs: boolean;
}

interface LoadedRepo {
  readonly id: string;
  readonly files: RepoFile[];
  readonly commit: string;
  readonly gatedToken: string | undefined;
  faults: Readonly<Record<string, FileFault>>;
  hostile: HostileAnswers;
  infoAnswers: number;
  treeAnswers: number;
}

const LFS_PATTERN = /\.(safetensors|bin|gguf|npz|pt)$/;
const LFS_MIN_BYTES = 10 * 1024 * 1024;

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

function loadRepo(id: string, repo: StandInRepo): LoadedRepo {
  const files = listFiles(repo.dir).map((rel): RepoFile => {
    const bytes = fs.readFileSync(path.join(repo.dir, rel));
    return {
      path: rel,
      bytes,
      gitOid: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      lfs: LFS_PATTERN.test(rel) || bytes.length >= LFS_MIN_BYTES,
    };
  });
  const commit = createHash('sha1')
    .update(id)
    .update(files.map((f) => `${f.path}:${f.gitOid}`).join('\n'))
    .digest('hex');
  return { id, files, commit, gatedToken: repo.gatedToken, faults: repo.faults ?? {}, hostile: {}, infoAnswers: 0, treeAnswers: 0 };
}

/** An LFS pointer file's size, as git-lfs writes it. */
function pointerSize(file: RepoFile): number {
  return Buffer.byteLength(`version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.bytes.length}\n`);
}

function declaredSize(repo: LoadedRepo, file: RepoFile): number {
  return repo.faults[file.path]?.declaredSize ?? file.bytes.length;
}

function servedBytes(repo: LoadedRepo, file: RepoFile): Buffer {
  if (repo.faults[file.path]?.corrupt !== true) return file.bytes;
  const copy = Buffer.from(file.bytes);
  for (let i = 0; i < copy.length; i += 4096) copy[i] = (copy[i] ?? 0) ^ 0xff;
  return copy;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function hubError(res: http.ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });
}

export async function startStandInHub(repos: Readonly<Record<string, StandInRepo>>): Promise<StandInHub> {
  const loaded = new Map<string, LoadedRepo>(Object.entries(repos).map(([id, repo]) => [id, loadRepo(id, repo)]));
  const requests: HubRequest[] = [];
  const stalledOnce = new Set<string>();
  const open = new Set<http.ServerResponse>();
  let cdnBase = '';

  const findRepo = (parts: string[]): { repo: LoadedRepo; rest: string[] } | null => {
    const id = `${parts[0] ?? ''}/${parts[1] ?? ''}`;
    const repo = loaded.get(id);
    return repo === undefined ? null : { repo, rest: parts.slice(2) };
  };

  const knownRevision = (repo: LoadedRepo, rev: string): boolean => rev === 'main' || rev === repo.commit;

  const sendBytes = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    repo: LoadedRepo,
    file: RepoFile,
    extra: Record<string, string>,
  ): void => {
    const bytes = servedBytes(repo, file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = bytes.length - 1;
    let status = 200;
    const headers: Record<string, string> = { ...extra, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    if (range !== null) {
      start = Number(range[1]);
      end = range[2] === '' || range[2] === undefined ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
      if (start >= bytes.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` });
        res.end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${bytes.length}`;
    }
    const body = bytes.subarray(start, end + 1);
    if (repo.faults[file.path]?.endlessBody !== true) headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (repo.faults[file.path]?.endlessBody === true) {
      // A body that never ends: as much as the client reads, until it hangs up.
      const piece = Buffer.alloc(256 * 1024, 0x41);
      const pump = (): void => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    const key = `${repo.id}/${file.path}`;
    const stallAt = repo.faults[file.path]?.stallAfterBytes;
    if (stallAt !== undefined && !stalledOnce.has(key) && stallAt < body.length) {
      stalledOnce.add(key);
      res.write(body.subarray(0, stallAt)); // then nothing more: the client sees a download that stopped
      return;
    }
    const rate = repo.faults[file.path]?.bytesPerSecond;
    if (rate === undefined) {
      res.end(body);
      return;
    }
    const piece = 64 * 1024;
    let sent = 0;
    const pump = (): void => {
      if (res.destroyed) return;
      if (sent >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(sent, sent + piece));
      sent += piece;
      setTimeout(pump, (piece / rate) * 1000);
    };
    pump();
  };

  const handler = (server: 'hub' | 'cdn', req: http.IncomingMessage, res: http.ServerResponse): void => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const auth = req.headers.authorization ?? null;
    requests.push({ method: req.method ?? '', path: url.pathname, range: req.headers.range ?? null, authorization: auth, server });
    const parts = url.pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);

    // /cdn/{sha256}: where LFS resolves redirect to (the real Hub sends them to a CDN).
    if (parts[0] === 'cdn' && parts.length === 2) {
      for (const repo of loaded.values()) {
        const file = repo.files.find((f) => f.lfs && f.sha256 === parts[1]);
        if (file !== undefined) return sendBytes(req, res, repo, file, {});
      }
      return hubError(res, 404, 'EntryNotFound', 'No such object.');
    }

    if (parts[0] === 'api' && parts[1] === 'models') {
      const found = findRepo(parts.slice(2));
      if (found === null) return hubError(res, 401, 'RepoNotFound', 'Repository not found');
      const { repo, rest } = found;
      if (rest.length === 0 || (rest[0] === 'revision' && rest.length === 2)) {
        const rev = rest[1] ?? 'main';
        if (!knownRevision(repo, rev)) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
        repo.infoAnswers += 1;
        const { commitId, secondCommitId } = repo.hostile;
        return json(res, 200, {
          _id: repo.commit.slice(0, 24),
          id: repo.id,
          modelId: repo.id,
          sha: commitId ?? (secondCommitId !== undefined && repo.infoAnswers > 1 ? secondCommitId : repo.commit),
          private: false,
          gated: repo.gatedToken === undefined ? false : 'manual',
          disabled: false,
          tags: ['mlx'],
          library_name: 'mlx',
          lastModified: '2026-01-01T00:00:00.000Z',
          siblings: repo.files.map((f) => ({
            rfilename: f.path,
            ...(f.lfs
              ? { size: declaredSize(repo, f), lfs: { sha256: f.sha256, size: declaredSize(repo, f), pointerSize: pointerSize(f) } }
              : {}),
          })),
        });
      }
      if (rest[0] === 'tree' && rest.length >= 2) {
        const rev = rest[1] ?? '';
        if (!knownRevision(repo, rev) && rev !== repo.hostile.commitId)
          return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
        repo.treeAnswers += 1;
        if (repo.hostile.emptySecondListing === true && repo.treeAnswers > 1) return json(res, 200, []);
        return json(
          res,
          200,
          repo.files.map((f) => ({
            type: 'file',
            oid: f.gitOid,
            size: declaredSize(repo, f),
            path: f.path,
            ...(f.lfs ? { lfs: { oid: f.sha256, size: declaredSize(repo, f), pointerSize: pointerSize(f) } } : {}),
            ...repo.faults[f.path]?.treeEntry,
          })),
        );
      }
      return hubError(res, 404, 'EntryNotFound', 'Not found');
    }

    // /{org}/{name}/resolve/{rev}/{file...}
    const found = findRepo(parts);
    if (found === null || found.rest[0] !== 'resolve' || found.rest.length < 3)
      return hubError(res, 404, 'RepoNotFound', 'Repository not found');
    const { repo, rest } = found;
    const rev = rest[1] ?? '';
    if (!knownRevision(repo, rev)) return hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    if (repo.gatedToken !== undefined && auth !== `Bearer ${repo.gatedToken}`) {
      return hubError(
        res,
        auth === null ? 401 : 403,
        'GatedRepo',
        `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    }
    const filePath = rest.slice(2).join('/');
    const file = repo.files.find((f) => f.path === filePath);
    if (file === undefined) return hubError(res, 404, 'EntryNotFound', `${filePath} does not exist on "${rev}"`);
    const fault = repo.faults[file.path];
    if (fault?.notFoundCommit !== undefined) {
      return json(
        res,
        404,
        { error: 'Entry not found' },
        { 'X-Error-Code': 'EntryNotFound', 'X-Error-Message': 'Entry not found', 'X-Repo-Commit': fault.notFoundCommit },
      );
    }
    const common = { 'X-Repo-Commit': repo.hostile.commitId ?? repo.commit };
    if (file.lfs) {
      const etag = fault?.etag ?? file.sha256;
      const cdnOrigin = repo.hostile.cdnHost === undefined ? cdnBase : cdnBase.replace('127.0.0.1', repo.hostile.cdnHost);
      res.writeHead(302, {
        ...common,
        ETag: `"${etag}"`,
        'X-Linked-Etag': `"${etag}"`,
        'X-Linked-Size': String(declaredSize(repo, file)),
        Location: `${cdnOrigin}/cdn/${file.sha256}`,
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    return sendBytes(req, res, repo, file, { ...common, ETag: `"${fault?.etag ?? file.gitOid}"` });
  };
  const server = http.createServer((req, res) => handler('hub', req, res));
  const cdn = http.createServer((req, res) => handler('cdn', req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  cdnBase = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    commitOf: (repoId) => {
      const repo = loaded.get(repoId);
      if (repo === undefined) throw new Error(`no repo ${repoId} in the stand-in`);
      return repo.commit;
    },
    setFaults: (repoId, faults) => {
      const repo = loaded.get(repoId);
      if (repo === undefined) throw new Error(`no repo ${repoId} in the stand-in`);
      repo.faults = faults;
    },
    setHostile: (repoId, hostile) => {
      const repo = loaded.get(repoId);
      if (repo === undefined) throw new Error(`no repo ${repoId} in the stand-in`);
      repo.hostile = hostile;
      repo.infoAnswers = 0;
      repo.treeAnswers = 0;
    },
    close: async () => {
      for (const res of open) res.destroy();
      for (const s of [server, cdn]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
