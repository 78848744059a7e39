import { z } from 'zod';

/**
 * Readiness = a 1-token chat completion answers. mlx_lm.server opens its port before the model has
 * loaded and /health says 200 regardless (MLX-SERVER-NOTES.md §1), so nothing cheaper proves that
 * it can generate. No `model` field: any other string than the one it was started with would make
 * it load another model.
 */
export type ProbeResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string; readonly retryable: boolean };

const completionSchema = z.object({ choices: z.array(z.unknown()).min(1) }).loose();

export async function completionProbe(baseUrl: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ProbeResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(options.timeoutMs)));
  const signal = options.signal !== undefined ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      signal,
    });
    const text = await response.text();
    if (!response.ok) {
      // 404 is how mlx_lm.server reports a model that failed to load; 503 (newer versions) a dead
      // generation thread. Both can clear up only by a restart, but a 5xx during load may pass.
      return { ok: false, reason: `HTTP ${response.status}: ${text.slice(0, 300)}`, retryable: response.status >= 500 };
    }
    const parsed = completionSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return { ok: false, reason: 'the answer is not a chat completion', retryable: false };
    return { ok: true, ms: performance.now() - started };
  } catch (error) {
    if (timeout.aborted) return { ok: false, reason: `no answer within ${Math.round(options.timeoutMs / 1000)} s`, retryable: false };
    if (options.signal?.aborted === true) return { ok: false, reason: 'cancelled', retryable: false };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, reason: cause ?? (error instanceof Error ? error.message : String(error)), retryable: true };
  }
}
