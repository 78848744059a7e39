import { FactoryError } from '../errors/factory-error.js';
import { normaliseBaseUrl } from './openai-chat-model.js';

/**
 * Fails fast when nothing listens at a server URL, before a session is created (a connection refused
 * answers in milliseconds; waiting for llm_timeout would waste two minutes). Any HTTP answer counts as
 * "something is there"; whether it can chat is learnt from the first turn.
 */
export async function assertServerReachable(baseUrl: string, timeoutMs = 3000): Promise<void> {
  const url = `${normaliseBaseUrl(baseUrl)}/models`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const why = cause ?? (error instanceof Error ? error.name : String(error));
    throw new FactoryError(
      'SERVER_UNREACHABLE',
      `Nothing answers at ${baseUrl} (${why}). Start a server there, or drop --server-url to let mlx-factory start mlx_lm.server.`,
    );
  }
}
