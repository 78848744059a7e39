import type { ModelInfo } from '../../api/payloads.js';
import { readSystemMemory } from '../memory/memory-sampler.js';
import { checkFit } from './fit-check.js';
import { listLocalModels, type ListModelsOptions } from './local-models.js';
import { RECOMMENDED_MODELS } from './recommended-models.js';
import { formatBytes } from '../../api/format-bytes.js';

/**
 * The Models table, as `models list` prints it and the Models view draws it: the seed's recommended
 * models, then whatever else is on disk, each with its size on disk and whether it fits this
 * machine's memory (judged on the weights, a KV-cache allowance and the runtime's overhead).
 */
interface CatalogMemory {
  readonly totalBytes: number;
  readonly availableBytes: number;
}

export function buildCatalog(
  local: ReturnType<typeof listLocalModels>,
  memory: CatalogMemory,
  platform: NodeJS.Platform = process.platform,
  configured?: string,
): ModelInfo[] {
  const fitOf = (weightsBytes: number, minMachineBytes?: number): { fit: ModelInfo['fit']; fitMessage: string } => {
    const result = checkFit({
      weightsBytes,
      kvBytes: null,
      totalBytes: memory.totalBytes,
      availableBytes: memory.availableBytes,
      platform,
    });
    // One rule for the row: a model recommended for more memory than this machine has is never
    // "Fits" beside its own "needs 32 GB+" (issue #20) — at best it loads with little room left.
    if (result.verdict === 'fits' && minMachineBytes !== undefined && memory.totalBytes < minMachineBytes) {
      return {
        fit: 'tight',
        fitMessage: `Recommended for ${formatBytes(minMachineBytes)}+ machines; this one has ${formatBytes(memory.totalBytes)}. ${result.message} Expect little room for anything else.`,
      };
    }
    return { fit: result.verdict, fitMessage: result.message };
  };
  const models: ModelInfo[] = RECOMMENDED_MODELS.map((r) => {
    const found = local.find((m) => m.id === r.id);
    return {
      id: r.id,
      label: r.label,
      recommended: true,
      isDefault: r.isDefault,
      onDisk: found?.loadable === true,
      sizeBytes: found?.sizeBytes ?? r.weightsBytes,
      diskBytes: found?.sizeBytes ?? null,
      note: `${r.note}; ~${formatBytes(r.weightsBytes)}, for ${formatBytes(r.minMachineBytes)}+ ${platform === 'darwin' ? 'Macs' : 'machines'}`,
      problem: found?.problem ?? null,
      ...(found ? { where: found.source } : {}),
      ...(r.draft !== undefined ? { draft: r.draft } : {}),
      ...fitOf(found?.loadable === true ? found.sizeBytes : r.weightsBytes, r.minMachineBytes),
    };
  });
  for (const m of local) {
    if (models.some((x) => x.id === m.id)) continue;
    models.push({
      id: m.id,
      label: m.source === 'hf-cache' ? m.id : m.path,
      recommended: false,
      isDefault: false,
      onDisk: m.loadable,
      sizeBytes: m.sizeBytes,
      diskBytes: m.sizeBytes,
      note: m.loadable ? `on disk (${WHERE[m.source]}${m.source === 'hf-cache' ? '' : `, ${m.path}`})` : `cannot load: ${m.problem ?? '?'}`,
      where: m.source,
      problem: m.problem,
      ...fitOf(m.sizeBytes),
    });
  }
  // The configured model (server.model) is listed even before it is downloaded, to offer the pull.
  if (configured !== undefined && REPO_ID.test(configured) && !models.some((m) => m.id === configured)) {
    models.push({
      id: configured,
      label: configured,
      recommended: false,
      isDefault: false,
      onDisk: false,
      sizeBytes: null,
      diskBytes: null,
      note: 'server.model in factory.yaml; not downloaded yet',
      problem: null,
    });
  }
  return models;
}

const WHERE = { 'hf-cache': 'Hugging Face cache', 'lm-studio': "LM Studio's folder", folder: 'a folder from server.model_dirs' } as const;

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export async function modelCatalog(options: ListModelsOptions & { configured?: string } = {}): Promise<ModelInfo[]> {
  const memory = await readSystemMemory();
  return buildCatalog(listLocalModels(options), memory, process.platform, options.configured);
}
