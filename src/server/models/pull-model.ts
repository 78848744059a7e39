import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { ModelPullPayload, PullErrorCode, PullPhase } from '../../api/model-pull.js';
import { FactoryError, type ErrorCode } from '../../errors/factory-error.js';
import { blobsDir, bytesOnDisk } from './blob-progress.js';
import { linkInCacheLayout } from './cache-layout.js';
import { freeBytesAt } from './disk-space.js';
import { repoFolderName } from './hf-cache.js';
import { HUB_BRIDGE_SCRIPT } from './hub-bridge-script.js';
import { isPlainRepoPath } from './hub-path.js';
import { pullCommand } from './pull-hint.js';
import { blobName, checkFreeSpace, parseBridgeLine, planTotalBytes, type BridgeMessage, type PullPlan } from './pull-plan.js';
import { TransferRate } from './transfer-rate.js';
import { verifySnapshot } from './verify-snapshot.js';
import { PYTHON_CWD, pythonEnvironment } from '../runtime/python-process.js';

export interface PullOptions {
  /** A Hugging Face repo id, e.g. mlx-community/Qwen2.5-Coder-7B-Instruct-4bit. */
  readonly model: string;
  readonly revision?: string;
  /** A Python with huggingface_hub (the runtime's). */
  readonly python: string;
  /** HF_ENDPOINT, HF_HUB_CACHE / HF_HOME and HF_TOKEN are read from here by huggingface_hub. */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ModelPullPayload) => void;
  /** How often the files on disk are measured (default 250 ms). */
  readonly pollMs?: number;
}

export interface PullResult {
  readonly model: string;
  readonly commit: string;
  readonly snapshot: string;
  readonly totalBytes: number;
  /** Bytes fetched by this pull (not counting what an earlier, interrupted pull left). */
  readonly downloadedBytes: number;
  readonly seconds: number;
}

export const REPO_ID_PATTERN = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

class PullFailure extends FactoryError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly pullCode: PullErrorCode,
  ) {
    super(code, message, { pullCode });
  }
}

function failureFor(
  model: string,
  plan: PullPlan | null,
  kind: Extract<BridgeMessage, { type: 'error' }>['kind'],
  detail: string,
  endpoint: string,
): PullFailure {
  const page = `${(plan?.endpoint ?? endpoint).replace(/\/$/, '')}/${model}`;
  switch (kind) {
    case 'gated':
      return plan?.hasToken === true
        ? new PullFailure(
            'MODEL_GATED',
            `${model} is gated and your Hugging Face token has no access to it. Accept its terms at ${page} with the account the token belongs to, then run \`${pullCommand(model)}\` again.`,
            'gated',
          )
        : new PullFailure(
            'MODEL_GATED',
            `${model} is gated: accept its terms at ${page}, then set HF_TOKEN to an access token of that account (or run \`hf auth login\`) and run \`${pullCommand(model)}\` again.`,
            'gated',
          );
    case 'not-found':
    case 'revision-not-found':
      return new PullFailure(
        'MODEL_NOT_FOUND',
        `${model} was not found on ${plan?.endpoint ?? endpoint} (${detail}). Check the id; a private repo needs HF_TOKEN.`,
        'not-found',
      );
    case 'no-space':
      return new PullFailure(
        'DISK_FULL',
        `The disk filled up while downloading ${model}. Free some space and run \`${pullCommand(model)}\` again; it resumes where it stopped.`,
        'no-space',
      );
    case 'network':
      return new PullFailure(
        'DOWNLOAD_FAILED',
        `Could not download ${model} from ${plan?.endpoint ?? endpoint} (${detail}); check the connection (or HF_ENDPOINT) and run \`${pullCommand(model)}\` again, which resumes where it stopped.`,
        'network',
      );
    case 'refused':
      return refusedAnswer(model, plan?.endpoint ?? endpoint, detail);
    case 'other':
      // Not "run again": nothing says another try would go differently.
      return new PullFailure('DOWNLOAD_FAILED', `Downloading ${model} failed (${detail}).`, 'other');
  }
}

/**
 * The endpoint answered something that would steer a write outside the plan. One sentence, and no
 * "run again": the same endpoint would answer the same.
 */
function refusedAnswer(model: string, endpoint: string, clause: string): PullFailure {
  return new PullFailure(
    'DOWNLOAD_FAILED',
    `The Hub at ${endpoint} ${clause.replace(/[.\s]+$/, '')}, so ${model} was not downloaded and nothing outside the Hugging Face cache was touched.`,
    'refused',
  );
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

/**
 * `models pull`: huggingface_hub's snapshot_download in the runtime's Python does the transfer
 * (the Hub's protocol, resume with Range from `.incomplete` files, the cache layout); around it we
 * refuse before downloading when the disk cannot take it, say plainly what a gated repo needs,
 * report progress from the files on disk, and check every file's size and every LFS file's sha256.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const { model } = options;
  const env = options.env ?? process.env;
  const endpoint = env['HF_ENDPOINT'] || 'https://huggingface.co';
  const started = Date.now();
  let phase: PullPhase = 'planning';
  let totalBytes = 0;
  let doneBytes = 0;
  let filesTotal = 0;
  let filesDone = 0;
  const rate = new TransferRate();
  const report = (extra: Partial<ModelPullPayload> = {}): void => {
    const remaining = Math.max(0, totalBytes - doneBytes);
    options.onProgress?.({
      type: 'model.pull',
      model,
      phase,
      totalBytes,
      doneBytes,
      bytesPerSecond: rate.bytesPerSecond(),
      etaSeconds: phase === 'downloading' ? rate.etaSeconds(remaining) : null,
      filesTotal,
      filesDone,
      message: null,
      errorCode: null,
      ...extra,
    });
  };
  const fail = (error: FactoryError, code: PullErrorCode): never => {
    phase = error.code === 'PULL_CANCELLED' ? 'cancelled' : 'failed';
    report({ phase, message: error.message, errorCode: phase === 'cancelled' ? null : code });
    throw error;
  };

  if (!REPO_ID_PATTERN.test(model)) {
    fail(
      new PullFailure(
        'BAD_USAGE',
        `"${model}" is not a Hugging Face repo id (like mlx-community/Qwen2.5-Coder-7B-Instruct-4bit).`,
        'not-found',
      ),
      'not-found',
    );
  }
  if (options.revision !== undefined && !isPlainRepoPath(options.revision)) {
    fail(
      new PullFailure('BAD_USAGE', `"${options.revision}" is not a branch, tag or commit name of a Hugging Face repo.`, 'not-found'),
      'not-found',
    );
  }
  if (isTruthy(env['HF_HUB_OFFLINE'])) {
    fail(
      new PullFailure(
        'DOWNLOAD_FAILED',
        `HF_HUB_OFFLINE is set, so nothing can be downloaded. Unset it and run \`${pullCommand(model)}\` again.`,
        'network',
      ),
      'network',
    );
  }
  report();

  const child = spawn(options.python, ['-c', HUB_BRIDGE_SCRIPT, JSON.stringify({ repo: model, revision: options.revision ?? 'main' })], {
    cwd: PYTHON_CWD,
    env: pythonEnvironment({
      ...env,
      HF_HUB_DISABLE_PROGRESS_BARS: '1',
      HF_HUB_DISABLE_TELEMETRY: '1',
      PYTHONUNBUFFERED: '1',
      PYTHONIOENCODING: 'utf-8',
    }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-8_000);
  });
  child.stdin.on('error', () => undefined); // the bridge may exit before reading "go"
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const onAbort = (): void => kill();
  const aborted = (): boolean => options.signal?.aborted === true;
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const messages: BridgeMessage[] = [];
  let wake: (() => void) | null = null;
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const parsed = parseBridgeLine(line);
    if (parsed === null) return;
    // A line that fails the schema ends the pull (it used to be dropped, and the pull waited for ever).
    messages.push(
      parsed.ok ? parsed.message : { type: 'error', kind: 'refused', message: `sent ${parsed.problem}, which fails mlx-factory's checks` },
    );
    if (!parsed.ok) kill();
    wake?.();
  });
  let closed = false;
  void exited.then(() => {
    closed = true;
    wake?.();
  });
  const next = async (): Promise<BridgeMessage | null> => {
    for (;;) {
      const message = messages.shift();
      if (message !== undefined) return message;
      if (closed) return null;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  };
  const cancelled = (): FactoryError =>
    new FactoryError('PULL_CANCELLED', `Cancelled; what was downloaded is kept, and \`${pullCommand(model)}\` resumes it.`);
  const bridgeDied = (): PullFailure => {
    const said = stderr.trim().split('\n').slice(-3).join(' ').trim();
    return new PullFailure(
      'DOWNLOAD_FAILED',
      `The download helper (${options.python}) stopped unexpectedly${said !== '' ? ` (${said})` : ''}; run \`${pullCommand(model)}\` again to resume.`,
      'other',
    );
  };

  let poll: NodeJS.Timeout | undefined;
  try {
    const first = await next();
    if (aborted()) return fail(cancelled(), 'other');
    if (first === null) return fail(bridgeDied(), 'other');
    if (first.type === 'error') {
      const failure = failureFor(model, null, first.kind, first.message, endpoint);
      return fail(failure, failure.pullCode);
    }
    if (first.type !== 'plan') return fail(bridgeDied(), 'other');
    const plan = first;
    if (plan.gated && !plan.hasToken) {
      const gated = failureFor(model, plan, 'gated', '', endpoint);
      child.stdin.end();
      return fail(gated, 'gated');
    }
    // Every boundary below comes from the cache folder and the vetted plan, never from a path the
    // download hands back.
    const repoFolder = repoFolderName(model);
    const blobs = blobsDir(plan.cacheDir, repoFolder);
    const link = linkInCacheLayout(plan.cacheDir, repoFolder, plan.commit, plan.files.map(blobName));
    if (link !== null) {
      child.stdin.end();
      return fail(
        new PullFailure(
          'DOWNLOAD_FAILED',
          `${link} is a symbolic link or not a plain folder, and mlx-factory writes nothing through links in the Hugging Face cache, so ${model} was not downloaded; remove it and run \`${pullCommand(model)}\` again.`,
          'refused',
        ),
        'refused',
      );
    }
    totalBytes = planTotalBytes(plan.files);
    filesTotal = plan.files.length;
    const before = bytesOnDisk(blobs, plan.files);
    doneBytes = before.bytes;
    filesDone = before.filesDone;
    const space = checkFreeSpace({
      model,
      totalBytes,
      presentBytes: before.bytes,
      availableBytes: await freeBytesAt(plan.cacheDir),
      cacheDir: plan.cacheDir,
    });
    if (!space.ok) {
      child.stdin.end();
      return fail(new PullFailure('DISK_FULL', space.message, 'no-space'), 'no-space');
    }

    phase = 'downloading';
    rate.add(Date.now(), doneBytes);
    report();
    child.stdin.write('go\n');
    const measure = (): void => {
      const now = bytesOnDisk(blobs, plan.files);
      doneBytes = now.bytes;
      filesDone = now.filesDone;
      rate.add(Date.now(), doneBytes);
      report();
    };
    poll = setInterval(measure, options.pollMs ?? 250);
    const outcome = await next();
    clearInterval(poll);
    if (aborted()) return fail(cancelled(), 'other');
    if (outcome === null) return fail(bridgeDied(), 'other');
    if (outcome.type === 'error') {
      const failure = failureFor(model, plan, outcome.kind, outcome.message, endpoint);
      return fail(failure, failure.pullCode);
    }
    if (outcome.type !== 'done') return fail(bridgeDied(), 'other');
    measure();

    const repoDir = path.join(plan.cacheDir, repoFolder);
    const snapshot = path.join(repoDir, 'snapshots', plan.commit);
    if (path.resolve(outcome.snapshot) !== path.resolve(snapshot)) {
      const failure = refusedAnswer(model, plan.endpoint, `led the download to ${JSON.stringify(outcome.snapshot)} instead of ${snapshot}`);
      return fail(failure, failure.pullCode);
    }
    phase = 'verifying';
    report();
    const problems = await verifySnapshot(repoDir, plan.commit, plan.files);
    if (problems.length > 0) {
      const list = problems.map((p) => `${p.path}: ${p.problem}`).join('; ');
      return fail(
        new PullFailure(
          'MODEL_CORRUPT',
          `${model} did not download intact (${list}), so the bad files were removed and \`${pullCommand(model)}\` fetches them anew.`,
          'corrupt',
        ),
        'corrupt',
      );
    }
    phase = 'done';
    doneBytes = totalBytes;
    filesDone = filesTotal;
    report();
    return {
      model,
      commit: plan.commit,
      snapshot,
      totalBytes,
      downloadedBytes: totalBytes - before.bytes,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    if (poll !== undefined) clearInterval(poll);
    options.signal?.removeEventListener('abort', onAbort);
    kill();
    await exited;
    lines.close();
  }
}
