/**
 * The Python side of a model pull, run with `python -c` in the runtime that serves models (mlx-lm
 * depends on huggingface_hub, so every usable runtime has it). huggingface_hub's own client speaks
 * the Hub's protocol and writes its cache layout; this bridge only turns it into JSON lines:
 *
 *   argv[1]: {"repo": ID, "revision": REV}
 *   stdout:  {"type":"plan","commit","gated","hasToken","endpoint","cacheDir","files":[{"path","size","blobId","lfsSha256"}]}
 *   stdin:   "go\n" to download (EOF or anything else: exit without downloading)
 *   stdout:  {"type":"done","snapshot": PATH}
 *   on error {"type":"error","kind": gated|not-found|revision-not-found|network|no-space|refused|other,"message"}
 *            ("refused": the Hub answered something that would steer a write; the message is a clause
 *            that follows "The Hub at ENDPOINT …")
 *
 * Resume across runs is ours: huggingface_hub ≥ 1.x downloads each file to a process-unique temp
 * file and resumes only within one process, so a quit or a cancelled pull would start a 4 GB file
 * over. Before snapshot_download, the bridge fetches every file itself with huggingface_hub's own
 * metadata call and http_get into the stable `blobs/<planned blob id>.incomplete`, resuming it with
 * a Range request, under the cache's own lock, and never past the file's planned size; then
 * snapshot_download(revision=<the planned commit>) finds those blobs present and only links them.
 * Xet-backed files are left to snapshot_download (hf_xet has its own cache).
 *
 * The endpoint is not trusted (HF_ENDPOINT may be a mirror): huggingface_hub turns its answers into
 * paths (snapshots/<commit>, blobs/<etag>, .no_exist/<commit>/…). So after the plan, every answer
 * must repeat it — the same commit, the same files, ETags that are planned blob ids — or the pull is
 * refused before the answer is used; the token goes only to the endpoint's own host; and the bridge
 * exits when its parent's end of stdin closes (a killed CLI leaves no download running).
 *
 * Kept as a string so a packaged app needs no loose .py file an outside interpreter must read.
 * Progress is measured by the Node side from the files on disk, not from tqdm's internals.
 */
export const HUB_BRIDGE_SCRIPT = String.raw`
import contextlib, errno, json, os, re, sys, threading

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def fail(kind, message):
    emit({"type": "error", "kind": kind, "message": message})
    sys.stdout.flush()
    os._exit(3)

try:
    import huggingface_hub
    from huggingface_hub import HfApi, snapshot_download, get_token, constants
    from huggingface_hub import file_download
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError, HfHubHTTPError, EntryNotFoundError
except Exception as e:
    fail("other", "huggingface_hub is not importable in this Python: %s" % e)

args = json.loads(sys.argv[1])
repo = args["repo"]
revision = args.get("revision") or "main"
COMMIT = re.compile(r"[0-9a-f]{40}")
HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

class Refused(Exception):
    """The Hub (or a mirror posing as it) answered something that would steer a write; nothing was written for it."""

def safe_relative(p):
    # A repo path or ref name becomes a path under the repo's cache folder: plain segments only.
    if not isinstance(p, str) or p == "" or len(p) > 1024 or p.startswith("/") or "\\" in p:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in p):
        return False
    return all(seg not in ("", ".", "..") for seg in p.split("/"))

def classify(e):
    if isinstance(e, Refused):
        return "refused"
    if isinstance(e, GatedRepoError):
        return "gated"
    if isinstance(e, RevisionNotFoundError):
        return "revision-not-found"
    if isinstance(e, RepositoryNotFoundError):
        return "not-found"
    if isinstance(e, OSError) and getattr(e, "errno", None) == errno.ENOSPC:
        return "no-space"
    if isinstance(e, HfHubHTTPError):
        return "network"
    name = type(e).__name__
    if "Connect" in name or "Timeout" in name or "Network" in name or "LocalEntryNotFound" in name:
        return "network"
    return "other"

def describe(e):
    if isinstance(e, Refused):
        return str(e)
    return "%s: %s" % (type(e).__name__, " ".join(str(e).split())[:500])

if not safe_relative(revision):
    fail("other", "the revision %s is not a plain branch, tag or commit name" % json.dumps(revision))

# The plan. Node validates it (commit, paths, blob ids, sizes) before it answers "go"; nothing is
# written before then. The values are passed through unconverted so a bad one is seen, not masked.
try:
    api = HfApi()
    info = api.model_info(repo, revision=revision)
    commit = info.sha
    if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
        raise Refused("answered with the commit id %s, which is not 40 hexadecimal characters" % json.dumps(commit)[:100])
    files = []
    for f in api.list_repo_tree(repo, recursive=True, revision=commit):
        if isinstance(f, RepoFile):
            files.append({
                "path": f.path,
                "size": f.lfs.size if f.lfs is not None else f.size,
                "blobId": f.blob_id,
                "lfsSha256": f.lfs.sha256 if f.lfs is not None else None,
            })
    emit({
        "type": "plan",
        "commit": commit,
        "gated": bool(getattr(info, "gated", False)),
        "hasToken": get_token() is not None,
        "endpoint": constants.ENDPOINT,
        "cacheDir": constants.HF_HUB_CACHE,
        "files": files,
    })
except Exception as e:
    fail(classify(e), describe(e))

if sys.stdin.readline().strip() != "go":
    sys.exit(0)

# From here on stdin stays open while the CLI or app lives: its end (a quit, a kill -9) ends us, so
# no download goes on writing (and holding the cache's locks) for a parent that is gone.
def exit_with_parent():
    sys.stdin.read()
    os._exit(4)
threading.Thread(target=exit_with_parent, daemon=True).start()

# Node refused the plan unless every path is plain; checked again here, where the writes happen.
for f in files:
    if not safe_relative(f["path"]):
        fail("refused", "listed the file name %s, which is not a plain relative path" % json.dumps(f["path"])[:200])
planned = {f["path"]: f for f in files}

def blob_name(f):
    return f["lfsSha256"] or f["blobId"]

blob_names = {blob_name(f) for f in files}

# Every later answer of the Hub must repeat the plan: the same commit, the same files, ETags that are
# the planned blob names. huggingface_hub turns these answers into paths (snapshots/<commit>,
# blobs/<etag>, .no_exist/<commit>/…), so a different one is refused before it is used.
original_metadata = file_download.get_hf_file_metadata

def vetted_metadata(url, *a, **kw):
    try:
        meta = original_metadata(url, *a, **kw)
    except EntryNotFoundError:
        # huggingface_hub would record the miss under .no_exist/<the header's commit>/…
        raise Refused("no longer has a planned file at commit %s" % commit)
    if meta.commit_hash is not None and meta.commit_hash != commit:
        raise Refused("named the commit %s for a file instead of %s" % (json.dumps(meta.commit_hash)[:100], commit))
    etag = meta.etag
    if etag is None or not HEX.fullmatch(etag) or etag not in blob_names:
        raise Refused("sent the ETag %s, which is not a planned blob id" % json.dumps(etag)[:100])
    return meta

file_download.get_hf_file_metadata = vetted_metadata

def same_files(listing):
    names = {getattr(x, "path", None) or getattr(x, "rfilename", None) for x in listing}
    names.discard(None)
    return names == set(planned)

original_tree = HfApi.list_repo_tree

def vetted_tree(self, *a, **kw):
    listing = list(original_tree(self, *a, **kw))
    if not same_files([x for x in listing if isinstance(x, RepoFile)]):
        raise Refused("sent a second file list for commit %s that differs from the first" % commit)
    return iter(listing)

HfApi.list_repo_tree = vetted_tree

original_repo_info = HfApi.repo_info

def vetted_repo_info(self, *a, **kw):
    found = original_repo_info(self, *a, **kw)
    if found.sha != commit:
        raise Refused("named the commit %s on a second lookup instead of %s" % (json.dumps(found.sha)[:100], commit))
    if getattr(found, "siblings", None) is not None and not same_files(found.siblings):
        raise Refused("sent a second file list for commit %s that differs from the first" % commit)
    return found

HfApi.repo_info = vetted_repo_info

def origin(url):
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.scheme, (parts.hostname or "").lower(), port)

class CappedFile:
    """Writes at most limit bytes in all: a body longer than the planned size is refused, not stored."""
    def __init__(self, inner, limit, name):
        self._inner, self._limit, self._name = inner, limit, name
    def write(self, chunk):
        room = self._limit - self._inner.tell()
        if len(chunk) > room:
            raise Refused("sent more than the %d bytes it declared for %s" % (self._limit, json.dumps(self._name)))
        return self._inner.write(chunk)
    def __getattr__(self, attr):
        return getattr(self._inner, attr)

def prefetch(files):
    """Every file into blobs/<planned blob name>, resumable across runs, capped at its planned size."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get, repo_folder_name
    from huggingface_hub.utils import build_hf_headers
    try:
        from huggingface_hub.utils import WeakFileLock
    except ImportError:
        WeakFileLock = None
    try:
        from huggingface_hub.utils import is_xet_available
    except ImportError:
        is_xet_available = lambda: False
    folder = repo_folder_name(repo_id=repo, repo_type="model")
    storage = os.path.join(constants.HF_HUB_CACHE, folder)
    endpoint = origin(constants.ENDPOINT)
    for f in files:
        name = blob_name(f)
        blob = os.path.join(storage, "blobs", name)
        if os.path.exists(blob):
            continue
        meta = vetted_metadata(hf_hub_url(repo, f["path"], revision=commit))
        if meta.etag != name:
            raise Refused("sent the ETag %s for %s, which is not its planned blob id" % (json.dumps(meta.etag)[:100], json.dumps(f["path"])))
        if getattr(meta, "xet_file_data", None) is not None and is_xet_available():
            continue  # hf_xet fetches these itself (with its own cache)
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        lock_path = os.path.join(constants.HF_HUB_CACHE, ".locks", folder, name + ".lock")
        os.makedirs(os.path.dirname(lock_path), exist_ok=True)
        lock = WeakFileLock(lock_path) if WeakFileLock is not None else contextlib.nullcontext()
        with lock:
            if os.path.exists(blob):
                continue
            partial = blob + ".incomplete"
            if os.path.exists(partial) and os.path.getsize(partial) > f["size"]:
                os.remove(partial)  # an older, uncapped pull overran it: its bytes cannot be trusted
            headers = build_hf_headers()
            if origin(meta.location) != endpoint:
                # The token is for the endpoint; a redirect to another host (a CDN, or anyone) gets none.
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            with open(partial, "ab") as out:
                done = out.tell()
                try:
                    if done < f["size"]:
                        http_get(meta.location, CappedFile(out, f["size"], f["path"]), resume_size=done, headers=headers, expected_size=f["size"], displayed_filename=f["path"])
                except Refused:
                    out.close()
                    os.remove(partial)
                    raise
            os.chmod(partial, 0o644)
            os.replace(partial, blob)

def write_ref(storage):
    # snapshot_download records no ref when given a commit: record the one the user asked for.
    if revision == commit:
        return
    ref = os.path.join(storage, "refs", *revision.split("/"))
    os.makedirs(os.path.dirname(ref), exist_ok=True)
    tmp = ref + ".tmp"
    with open(tmp, "w") as out:
        out.write(commit)
    os.replace(tmp, ref)

# Bytes reach the disk one chunk at a time (10 MB by default): 1 MB chunks make the progress
# measured from the files smoother and leave less to fetch again after an interruption.
constants.DOWNLOAD_CHUNK_SIZE = 1024 * 1024

try:
    prefetch(files)
    path = snapshot_download(repo, revision=commit)
    write_ref(os.path.join(constants.HF_HUB_CACHE, file_download.repo_folder_name(repo_id=repo, repo_type="model")))
    emit({"type": "done", "snapshot": path})
except Exception as e:
    fail(classify(e), describe(e))
`;
