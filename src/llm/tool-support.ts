import type { ChatMessage } from '../agents/chat-message.js';
import { CODER_TOOLS, NATIVE_TOOL_NAMES, parseLeakedToolCalls } from '../agents/native-tools.js';
import { isFactoryError } from '../errors/factory-error.js';
import type { ChatModel } from './llm-types.js';
import { toolsRefusal } from './openai-chat-model.js';
import { readToolSupport, toolSupportKey, writeToolSupport, type ToolProtocol } from './tool-support-cache.js';

/**
 * Does this server and model handle OpenAI `tools` (#17)? Asked once — one short request that offers
 * the Coder's tools and asks for a call — and remembered in the app's home (tool-support-cache.ts):
 * - the server answers with `tool_calls`: native;
 * - the model writes a call of ours as text (`<tool_call>{…}</tool_call>`: the template saw the tools,
 *   the server does not parse them): native, the calls are read from the text;
 * - the server refuses the request (a 4xx): text;
 * - it answers without any call (it ignores `tools`, or the model cannot use them): text.
 * A probe that fails for another reason (timeout, a dead server) decides nothing: this session uses
 * the text protocol and the next one asks again. The text protocol always works beside native calls.
 */
export interface ToolProtocolChoice {
  readonly protocol: ToolProtocol;
  /** In plain words, for the log and the turn details. */
  readonly reason: string;
  readonly source: 'probed' | 'remembered' | 'not-probed';
}

const PROBE_MESSAGES: readonly ChatMessage[] = [
  { role: 'system', content: 'You answer by calling one of the tools you are given; you write no other text.' },
  { role: 'user', content: `Which files are at the root of the repository? Call ${NATIVE_TOOL_NAMES.list} with dir ".".` },
];
const PROBE_MAX_TOKENS = 128;

/** Probes in progress, so sessions started together on one server ask once. */
const inFlight = new Map<string, Promise<ToolProtocolChoice>>();

export async function chooseToolProtocol(model: ChatModel, cacheFile: string | null, signal?: AbortSignal): Promise<ToolProtocolChoice> {
  const identity = model.serverIdentity?.() ?? null;
  if (identity === null || cacheFile === null)
    return { protocol: 'text', reason: 'this model is not served over HTTP, so tools are not offered', source: 'not-probed' };
  const key = toolSupportKey(identity);
  const known = readToolSupport(cacheFile, key);
  if (known !== null) return { protocol: known.protocol, reason: known.reason, source: 'remembered' };
  const flightKey = `${cacheFile}\0${key}`;
  const shared = inFlight.get(flightKey);
  if (shared === undefined) {
    const own = probe(model, cacheFile, key, signal).finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, own);
    return own;
  }
  try {
    return await shared;
  } catch (error) {
    // The session that was asking was cancelled, not this one: ask again, for this one.
    if (signal?.aborted === true || !isFactoryError(error) || error.code !== 'LLM_CANCELLED') throw error;
    return chooseToolProtocol(model, cacheFile, signal);
  }
}

/** A turn with tools was refused after all: the remembered answer is replaced (the server changed). */
export function rememberToolsRefused(model: ChatModel, cacheFile: string | null, reason: string): void {
  const identity = model.serverIdentity?.() ?? null;
  if (identity === null || cacheFile === null) return;
  writeToolSupport(cacheFile, toolSupportKey(identity), { protocol: 'text', reason, probedAt: Date.now() });
}

async function probe(model: ChatModel, cacheFile: string, key: string, signal: AbortSignal | undefined): Promise<ToolProtocolChoice> {
  let answer: { protocol: ToolProtocol; reason: string };
  try {
    const reply = await model.chat({ messages: PROBE_MESSAGES, maxTokens: PROBE_MAX_TOKENS, temperature: 0, signal, tools: CODER_TOOLS });
    answer = classify(reply.toolCalls?.length ?? 0, reply.content);
  } catch (error) {
    if (isFactoryError(error) && error.code === 'LLM_TOOLS_REJECTED')
      answer = {
        protocol: 'text',
        reason: `the server refused a request that offered tools (${toolsRefusal(error.message)})`,
      };
    else if (isFactoryError(error) && error.code === 'LLM_CANCELLED') throw error;
    else {
      const why = error instanceof Error ? error.message : String(error);
      return {
        protocol: 'text',
        reason: `asking the server about tools failed (${why}); it is asked again next session`,
        source: 'not-probed',
      };
    }
  }
  writeToolSupport(cacheFile, key, { ...answer, probedAt: Date.now() });
  return { ...answer, source: 'probed' };
}

function classify(toolCalls: number, content: string): { protocol: ToolProtocol; reason: string } {
  if (toolCalls > 0) return { protocol: 'native', reason: 'the server answered with tool_calls' };
  if (parseLeakedToolCalls(content).calls.length > 0)
    return { protocol: 'native', reason: 'the model wrote its tool call as text (<tool_call>), which is read from the reply' };
  return {
    protocol: 'text',
    reason: 'the server accepted tools but the reply called none (it ignores them, or the model cannot use them)',
  };
}
