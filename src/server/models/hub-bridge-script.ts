/**
 * The Python side of a model pull, run with `python -c` in the runtime that serves models (mlx-lm
 * depends on huggingface_hub, so every usable runtime has it). huggingface_hub's own client speaks
 * the Hub's protocol and writes its cache layout; this bridge only turns it into JSON lines:
 *
 *   argv[1]: {"repo": ID, "revision": REV}
 *   stdout:  {"type":"plan","commit","gated","hasToken","endpoint","cacheDir","files":[{"path","size","blobId","lfsSha256"}]}
 *   stdin:   "go\n" to download (EOF or anything else: exit without downloading)
 *   stdout:  {"type":"done","snapshot": PATH}
 *   on error {"type":"error","kind": gated|not-found|revision-not-found|network|no-space|other,"message"}
 *
 * Resume across runs is ours: huggingface_hub ≥ 1.x downloads each file to a process-unique temp
 * file and resumes only within one process, so a quit or a cancelled pull would start a 4 GB file
 * over. Before snapshot_download, the bridge fetches each LFS file itself with huggingface_hub's
 * own metadata call and http_get (redirects, auth headers, retries) into the stable
 * `blobs/<sha256>.incomplete`, resuming it with a Range request, under the cache's own lock; then
 * snapshot_download finds those blobs present and only links them, fetches the small files and
 * writes refs/main. Xet-backed files are left to snapshot_download (hf_xet has its own cache).
 *
 * Kept as a string so a packaged app needs no loose .py file an outside interpreter must read.
 * Progress is measured by the Node side from the files on disk, not from tqdm's internals.
 */
export const HUB_BRIDGE_SCRIPT = String.raw`
import contextlib, errno, json, os, sys

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def fail(kind, message):
    emit({"type": "error", "kind": kind, "message": message})
    sys.exit(3)

try:
    import huggingface_hub
    from huggingface_hub import HfApi, snapshot_download, get_token, constants
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError, HfHubHTTPError
except Exception as e:
    fail("other", "huggingface_hub is not importable in this Python: %s" % e)

args = json.loads(sys.argv[1])
repo = args["repo"]
revision = args.get("revision") or "main"

def classify(e):
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

try:
    api = HfApi()
    info = api.model_info(repo, revision=revision)
    commit = info.sha
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
    fail(classify(e), "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else ""))

if sys.stdin.readline().strip() != "go":
    sys.exit(0)

def prefetch_lfs(files):
    from huggingface_hub import hf_hub_url, get_hf_file_metadata
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
    for f in files:
        sha = f["lfsSha256"]
        if sha is None:
            continue
        blob = os.path.join(storage, "blobs", sha)
        if os.path.exists(blob):
            continue
        meta = get_hf_file_metadata(hf_hub_url(repo, f["path"], revision=commit))
        if getattr(meta, "xet_file_data", None) is not None and is_xet_available():
            continue
        if (meta.etag or "").strip('"') != sha:
            continue  # not the layout we expect: let snapshot_download handle it
        os.makedirs(os.path.dirname(blob), exist_ok=True)
        lock_path = os.path.join(constants.HF_HUB_CACHE, ".locks", folder, sha + ".lock")
        os.makedirs(os.path.dirname(lock_path), exist_ok=True)
        lock = WeakFileLock(lock_path) if WeakFileLock is not None else contextlib.nullcontext()
        with lock:
            if os.path.exists(blob):
                continue
            partial = blob + ".incomplete"
            with open(partial, "ab") as out:
                http_get(meta.location, out, resume_size=out.tell(), headers=build_hf_headers(), expected_size=meta.size, displayed_filename=f["path"])
            os.chmod(partial, 0o644)
            os.replace(partial, blob)

# Bytes reach the disk one chunk at a time (10 MB by default): 1 MB chunks make the progress
# measured from the files smoother and leave less to fetch again after an interruption.
constants.DOWNLOAD_CHUNK_SIZE = 1024 * 1024

try:
    prefetch_lfs(files)
    path = snapshot_download(repo, revision=revision)
    emit({"type": "done", "snapshot": path})
except Exception as e:
    fail(classify(e), "%s: %s" % (type(e).__name__, " ".join(str(e).split())[:500]))
`;
