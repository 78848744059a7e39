import { z } from 'zod';

/**
 * The context length a server publishes, where it publishes one (#17 part 6): vLLM's `/v1/models`
 * `max_model_len`, others' `context_length` / `max_context_length` there, LM Studio's `/api/v0/models`
 * `max_context_length` (loaded) , Ollama's `/api/show` (`num_ctx` in its parameters, else the model's
 * `*.context_length`). null when none says: mlx_lm.server publishes nothing (its limit is the model's).
 * A server that cuts prompts silently (Ollama's 2k default) is caught later from `usage.prompt_tokens`.
 */
const PROBE_TIMEOUT_MS = 3000;

const positive = z.number().int().positive();
const modelEntry = z.looseObject({
  id: z.string().optional(),
  max_model_len: positive.optional(),
  context_length: positive.optional(),
  max_context_length: positive.optional(),
  loaded_context_length: positive.optional(),
});
const modelList = z.looseObject({ data: z.array(z.unknown()) });
const ollamaShow = z.looseObject({
  parameters: z.string().optional(),
  model_info: z.record(z.string(), z.unknown()).optional(),
});

export interface ContextProbe {
  readonly baseUrl: string;
  /** The model as we send it (null: the server's only/default one). */
  readonly model: string | null;
  readonly apiKey?: string | undefined;
}

export async function readContextLength(probe: ContextProbe): Promise<number | null> {
  const root = probe.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const headers = probe.apiKey === undefined ? undefined : { Authorization: `Bearer ${probe.apiKey}` };
  const fromList = (json: unknown): number | null => {
    const list = modelList.safeParse(json);
    if (!list.success) return null;
    const entries = list.data.data.map((e) => modelEntry.safeParse(e)).flatMap((r) => (r.success ? [r.data] : []));
    const entry = entries.find((e) => probe.model !== null && e.id === probe.model) ?? (entries.length === 1 ? entries[0] : undefined);
    if (entry === undefined) return null;
    return entry.loaded_context_length ?? entry.max_model_len ?? entry.context_length ?? entry.max_context_length ?? null;
  };
  const openAi = fromList(await getJson(`${root}/v1/models`, headers));
  if (openAi !== null) return openAi;
  const lmStudio = fromList(await getJson(`${root}/api/v0/models`, headers));
  if (lmStudio !== null) return lmStudio;
  if (probe.model === null) return null;
  return ollamaContext(await getJson(`${root}/api/show`, headers, { model: probe.model }));
}

function ollamaContext(json: unknown): number | null {
  const show = ollamaShow.safeParse(json);
  if (!show.success) return null;
  // num_ctx set on the model (a Modelfile PARAMETER) is what Ollama will actually use.
  const numCtx = /^\s*num_ctx\s+(\d+)\s*$/m.exec(show.data.parameters ?? '')?.[1];
  if (numCtx !== undefined) return Number(numCtx);
  for (const [key, value] of Object.entries(show.data.model_info ?? {})) {
    if (key.endsWith('.context_length') && positive.safeParse(value).success) return value as number;
  }
  return null;
}

async function getJson(url: string, headers: Record<string, string> | undefined, post?: unknown): Promise<unknown> {
  try {
    const response = await fetch(url, {
      method: post === undefined ? 'GET' : 'POST',
      headers: { ...headers, ...(post === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(post === undefined ? {} : { body: JSON.stringify(post) }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    return (await response.json()) as unknown;
  } catch {
    return null; // not published here: the caller tries the next place
  }
}

/**
 * The prompt budget a server with a published context admits: the plan's, or the context minus room
 * for the reply (max_tokens_per_turn, but never more than half the context), whichever is smaller.
 */
export function effectiveMaxPromptTokens(planned: number, contextLength: number | null, maxTokensPerTurn: number): number {
  if (contextLength === null) return planned;
  const margin = Math.min(maxTokensPerTurn, Math.floor(contextLength / 2));
  return Math.max(1, Math.min(planned, contextLength - margin));
}
