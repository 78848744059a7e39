import type { ModelPullPayload } from '../api/model-pull.js';
import { FactoryError } from '../errors/factory-error.js';
import { resolveAppHome } from '../home/app-home.js';
import { loadServerConfig } from '../server/load-server-config.js';
import { formatBytes } from '../api/format-bytes.js';
import { hfCacheDir } from '../server/models/hf-cache.js';
import { modelCatalog } from '../server/models/model-catalog.js';
import { pullModel } from '../server/models/pull-model.js';
import { removeModel } from '../server/models/remove-model.js';
import { requireRuntime } from '../server/runtime/discover-runtime.js';
import type { CliOutput } from './cli-output.js';
import { parseCliArgs } from './parse-cli-args.js';

export const MODELS_USAGE = `Usage: mlx-factory models list [--json]
       mlx-factory models pull MODEL_ID [--revision REV] [--json]
       mlx-factory models rm MODEL_ID

  list   the recommended models and those on disk, with size and whether they fit this Mac's memory
  pull   download a model from the Hugging Face Hub into its cache (resumable: run it again after an
         interruption); honours HF_ENDPOINT, HF_HUB_CACHE / HF_HOME and HF_TOKEN (gated models)
  rm     delete a model from the Hugging Face cache`;

const MODELS_OPTIONS = {
  json: { type: 'boolean' },
  revision: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ModelsContext {
  readonly cwd: string;
  readonly output: CliOutput;
  readonly signal: AbortSignal;
  readonly home?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export async function modelsCommand(args: readonly string[], context: ModelsContext): Promise<number> {
  const { values, positionals } = parseCliArgs(args, MODELS_OPTIONS, MODELS_USAGE);
  if (values.help === true) {
    context.output.out(`${MODELS_USAGE}\n`);
    return 0;
  }
  const [action, id, ...extra] = positionals;
  if (extra.length > 0) throw new FactoryError('BAD_USAGE', `Unexpected argument "${extra[0] ?? ''}".\n\n${MODELS_USAGE}`);
  const env = context.env ?? process.env;
  switch (action) {
    case 'list':
    case undefined:
      return list(context, env, values.json === true);
    case 'pull':
      if (id === undefined)
        throw new FactoryError(
          'BAD_USAGE',
          `Say which model to pull, e.g. \`mlx-factory models pull mlx-community/Qwen2.5-Coder-7B-Instruct-4bit\`.\n\n${MODELS_USAGE}`,
        );
      return pull(context, env, id, values.revision, values.json === true);
    case 'rm':
    case 'remove':
      if (id === undefined) throw new FactoryError('BAD_USAGE', `Say which model to delete.\n\n${MODELS_USAGE}`);
      return remove(context, env, id);
    default:
      throw new FactoryError('BAD_USAGE', `Unknown models action "${action}".\n\n${MODELS_USAGE}`);
  }
}

async function list(context: ModelsContext, env: NodeJS.ProcessEnv, json: boolean): Promise<number> {
  const { config } = await loadServerConfig(context.cwd, context.home ?? resolveAppHome());
  const models = await modelCatalog({ env, folders: config.server.model_dirs });
  if (json) {
    context.output.out(`${JSON.stringify({ cache: hfCacheDir(env), models })}\n`);
    return 0;
  }
  const rows = models.map((m) => [
    m.id,
    m.onDisk ? formatBytes(m.diskBytes ?? 0) : m.diskBytes ? `partial ${formatBytes(m.diskBytes)}` : '-',
    m.recommended ? `~${formatBytes(m.sizeBytes ?? 0)}` : '',
    m.fit === 'fits' ? 'fits' : m.fit === 'tight' ? 'tight now' : 'too large',
    `${m.isDefault === true ? '(default) ' : ''}${m.recommended ? m.note : m.problem !== null && m.problem !== undefined ? `cannot load: ${m.problem}` : ''}`,
  ]);
  const header = ['MODEL', 'ON DISK', 'SIZE', 'MEMORY', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  context.output.out(`${[line(header), ...rows.map(line)].join('\n')}\n\nHugging Face cache: ${hfCacheDir(env)}\n`);
  return 0;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.round((seconds % 3600) / 60)}m`;
}

export function progressLine(p: ModelPullPayload): string {
  const pct = p.totalBytes > 0 ? Math.floor((p.doneBytes / p.totalBytes) * 100) : 0;
  const width = 24;
  const filled = Math.round((pct / 100) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const rate = p.bytesPerSecond !== null ? `${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.etaSeconds !== null ? `ETA ${formatDuration(p.etaSeconds)}` : '';
  return `${bar} ${String(pct).padStart(3)}%  ${formatBytes(p.doneBytes)} / ${formatBytes(p.totalBytes)}  ${rate}  ${eta}  (${p.filesDone}/${p.filesTotal} files)`.trimEnd();
}

async function pull(
  context: ModelsContext,
  env: NodeJS.ProcessEnv,
  model: string,
  revision: string | undefined,
  json: boolean,
): Promise<number> {
  const home = context.home ?? resolveAppHome();
  const { config } = await loadServerConfig(context.cwd, home);
  const runtime = await requireRuntime({ home, configPython: config.server.python, env });
  const { output } = context;
  let lastLine = '';
  let lastPrinted = 0;
  const onProgress = (p: ModelPullPayload): void => {
    if (json) {
      output.out(`${JSON.stringify(p)}\n`);
      return;
    }
    if (p.phase === 'planning' && p.totalBytes === 0) {
      output.err(`Pulling ${model} from ${env['HF_ENDPOINT'] || 'https://huggingface.co'}…\n`);
      return;
    }
    if (p.phase !== 'downloading') return;
    const now = Date.now();
    const text = progressLine(p);
    if (output.isTty) {
      if (text !== lastLine) output.err(`\r${text}\x1b[K`);
    } else if (now - lastPrinted >= 2_000) {
      output.err(`${text}\n`);
      lastPrinted = now;
    }
    lastLine = text;
  };
  try {
    const result = await pullModel({ model, revision, python: runtime.python, env, signal: context.signal, onProgress });
    if (output.isTty && lastLine !== '') output.err('\n');
    const fetched =
      result.downloadedBytes === result.totalBytes
        ? formatBytes(result.totalBytes)
        : `${formatBytes(result.downloadedBytes)} of ${formatBytes(result.totalBytes)} (the rest was already on disk)`;
    if (json) output.out(`${JSON.stringify({ type: 'summary', ...result })}\n`);
    else
      output.err(
        `Pulled ${model} (${fetched}) in ${formatDuration(result.seconds)}; verified. Start it with \`mlx-factory server start -m ${model}\`.\n`,
      );
    output.out(json ? '' : `${result.snapshot}\n`);
    return 0;
  } catch (error) {
    if (output.isTty && lastLine !== '') output.err('\n');
    throw error;
  }
}

async function remove(context: ModelsContext, env: NodeJS.ProcessEnv, model: string): Promise<number> {
  const result = removeModel(model, env);
  context.output.err(`Deleted ${model} from the Hugging Face cache (${formatBytes(result.freedBytes)} freed).\n`);
  return 0;
}
