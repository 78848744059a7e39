import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { FactoryError } from '../errors/factory-error.js';
import type { ChatMessage, ChatToolCall } from '../agents/chat-message.js';
import type { ChatModel, ChatTurnRequest, ChatTurnResult, ServerIdentity, TokenUsage } from './llm-types.js';
import { ToolCallAccumulator } from './tool-call-deltas.js';
import { readContextLength } from './server-context-length.js';

export interface OpenAiChatModelOptions {
  /** The server's root, e.g. http://127.0.0.1:8080 (with or without /v1). */
  readonly baseUrl: string;
  /** Abort a turn after this long (agent.llm_timeout). */
  readonly timeoutMs: number;
  /**
   * Sent only when set: mlx_lm.server unloads its model and loads another when `model` differs from the
   * string it was started with, so for a server we started we send exactly that string or nothing.
   */
  readonly model?: string | undefined;
  /** For a server that wants one (an external server's key, from an env var or the keychain). */
  readonly apiKey?: string | undefined;
  readonly retryDelayMs?: number;
  /** What this server is, for what is remembered about it (default: a server at `baseUrl`). */
  readonly identity?: ServerIdentity;
}

/** How an LLM_TOOLS_REJECTED message starts; what follows is the server's answer (toolsRefusal reads it). */
const TOOLS_REFUSED = 'The model server refused a request that offered tools: ';

/** The server's answer in an LLM_TOOLS_REJECTED message ("HTTP 400, tools are not supported"). */
export function toolsRefusal(message: string): string {
  return message.startsWith(TOOLS_REFUSED) ? message.slice(TOOLS_REFUSED.length) : message;
}

/** A failure worth one retry (dropped connection, 5xx, stream cut short) vs one that is final. */
class RetryableTurnError extends Error {}

export function normaliseBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

/**
 * Streaming chat completions on the `openai` package: usage captured via stream_options, the turn
 * aborted at llm_timeout, one retry with backoff on a dropped connection or a 5xx, typed errors.
 * The SDK's own retries are off: they would hide a dead server behind minutes of waiting.
 */
export class OpenAiChatModel implements ChatModel {
  private readonly client: OpenAI;
  private contextLength: Promise<number | null> | undefined;

  constructor(private readonly options: OpenAiChatModelOptions) {
    this.client = new OpenAI({
      baseURL: normaliseBaseUrl(options.baseUrl),
      apiKey: options.apiKey ?? 'not-needed-for-local-servers',
      maxRetries: 0,
      timeout: options.timeoutMs,
      logLevel: 'off',
    });
  }

  /** Asked of the server once, then remembered for this model object's life. */
  publishedContextLength(): Promise<number | null> {
    this.contextLength ??= readContextLength({
      baseUrl: this.options.baseUrl,
      model: this.options.model ?? null,
      apiKey: this.options.apiKey,
    });
    return this.contextLength;
  }

  serverIdentity(): ServerIdentity {
    return this.options.identity ?? { kind: 'url', url: this.options.baseUrl, model: this.options.model ?? null };
  }

  async chat(request: ChatTurnRequest): Promise<ChatTurnResult> {
    const started = performance.now();
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const result = await this.streamOnce(request, signal);
          return { ...result, durationMs: performance.now() - started, retries: attempt };
        } catch (error) {
          const typed = this.classify(error, request.signal, timeout.signal, request.tools !== undefined);
          if (!(typed instanceof RetryableTurnError)) throw typed;
          if (attempt >= 1) throw this.finalFailure(typed);
          request.onRetry?.(typed.message);
          await delay(this.options.retryDelayMs ?? 1000, signal);
          if (signal.aborted) throw this.classify(new APIUserAbortError(), request.signal, timeout.signal);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async streamOnce(request: ChatTurnRequest, signal: AbortSignal): Promise<Omit<ChatTurnResult, 'durationMs' | 'retries'>> {
    const params = {
      messages: request.messages.map(wireMessage),
      ...(request.tools !== undefined ? { tools: request.tools as ChatCompletionTool[] } : {}),
      max_tokens: request.maxTokens,
      temperature: request.temperature,
      stream: true,
      // include_usage must be present: mlx_lm.server raises KeyError without it and never sends [DONE].
      stream_options: { include_usage: true },
      ...(this.options.model !== undefined ? { model: this.options.model } : {}),
    } as ChatCompletionCreateParamsStreaming; // `model` is optional for us, required in the SDK's type
    const stream = await this.client.chat.completions.create(params, { signal, maxRetries: 0 });
    let content = '';
    let bytes = 0;
    const maxBytes = replyByteCap(request.maxTokens);
    let usage: TokenUsage | null = null;
    let finishReason: string | null = null;
    const toolCalls = new ToolCallAccumulator();
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      const choice = chunk.choices[0];
      const text = choice?.delta?.content;
      if (typeof text === 'string' && text !== '') {
        bytes += Buffer.byteLength(text);
        if (bytes > maxBytes) {
          // A server that ignores max_tokens must not stream without end into our memory and the log.
          stream.controller.abort();
          throw new FactoryError(
            'REPLY_TOO_LARGE',
            `The model's reply passed ${maxBytes} bytes (16 bytes × ${request.maxTokens} tokens allowed this turn), so it was cut off: the server is not honouring max_tokens.`,
          );
        }
        content += text;
        request.onDelta?.(text);
      }
      if (choice?.delta?.tool_calls) {
        // Counted against the same cap as text: a server streaming arguments without end is the same fault.
        bytes += Buffer.byteLength(JSON.stringify(choice.delta.tool_calls));
        if (bytes > maxBytes) {
          stream.controller.abort();
          throw new FactoryError('REPLY_TOO_LARGE', `The model's tool calls passed ${maxBytes} bytes, so the reply was cut off.`);
        }
        toolCalls.add(choice.delta.tool_calls);
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = usageOf(chunk.usage);
    }
    // The SDK ends the iteration quietly on abort; and a stream cut off cleanly has no finish_reason.
    if (signal.aborted) throw new APIUserAbortError();
    if (finishReason === null) throw new RetryableTurnError('the stream ended before the model finished');
    const calls = toolCalls.calls();
    return { content, usage, finishReason, ...(calls.length > 0 ? { toolCalls: calls } : {}) };
  }

  private classify(error: unknown, cancel: AbortSignal | undefined, timeout: AbortSignal, offeredTools = false): Error {
    if (cancel?.aborted) return new FactoryError('LLM_CANCELLED', 'The model turn was cancelled.');
    if (timeout.aborted) {
      return new FactoryError(
        'LLM_TIMEOUT',
        `The model did not finish within llm_timeout (${Math.round(this.options.timeoutMs / 1000)} s).`,
      );
    }
    if (error instanceof RetryableTurnError) return error;
    // Our own typed failures raised inside the stream (e.g. the session log's DISK_FULL) pass through.
    if (error instanceof FactoryError) return error;
    if (error instanceof APIConnectionError) return new RetryableTurnError(`connection failed: ${describeCause(error)}`);
    if (error instanceof APIError && typeof error.status === 'number') {
      if (error.status >= 500) return new RetryableTurnError(`the server answered ${error.status}`);
      // A server without tool support says so with a 4xx to the request that offered them (#17).
      if (offeredTools && error.status >= 400 && error.status !== 401 && error.status !== 403 && error.status !== 429)
        return new FactoryError(
          'LLM_TOOLS_REJECTED',
          `${TOOLS_REFUSED}HTTP ${error.status}, ${error.message.replace(new RegExp(`^${error.status}\\s*`), '').slice(0, 300) || 'no message'}`,
        );
      return new FactoryError('LLM_BAD_RESPONSE', `The model server refused the request (HTTP ${error.status}): ${error.message}`);
    }
    if (error instanceof SyntaxError)
      return new FactoryError('LLM_BAD_RESPONSE', `The model server sent a malformed response: ${error.message}`);
    // undici reports a socket closed mid-body as a TypeError('terminated').
    if (error instanceof TypeError) return new RetryableTurnError(`the stream was cut off: ${describeCause(error)}`);
    return new FactoryError('LLM_BAD_RESPONSE', error instanceof Error ? error.message : String(error));
  }

  private finalFailure(error: RetryableTurnError): FactoryError {
    if (error.message.startsWith('connection failed')) {
      return new FactoryError('SERVER_UNREACHABLE', `The model server at ${this.options.baseUrl} is unreachable (${error.message}).`);
    }
    return new FactoryError('LLM_BAD_RESPONSE', `The model server failed twice: ${error.message}.`);
  }
}

/** Our message → OpenAI's wire shape (tool calls with their JSON arguments as text, tool answers by call id). */
function wireMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'assistant':
      return message.toolCalls === undefined || message.toolCalls.length === 0
        ? { role: 'assistant', content: message.content }
        : { role: 'assistant', content: message.content, tool_calls: message.toolCalls.map(wireCall) };
    case 'tool':
      return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
    default:
      return { role: message.role, content: message.content };
  }
}

function wireCall(call: ChatToolCall): ChatCompletionMessageToolCall {
  return { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } };
}

/** The server's usage; `cached_tokens` is kept only when the server reports it (mlx_lm.server does). */
function usageOf(raw: {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}): TokenUsage {
  const cached = raw.prompt_tokens_details?.cached_tokens;
  return {
    promptTokens: raw.prompt_tokens,
    completionTokens: raw.completion_tokens,
    ...(typeof cached === 'number' && Number.isInteger(cached) && cached >= 0 ? { cachedTokens: Math.min(cached, raw.prompt_tokens) } : {}),
  };
}

/** No token is longer than 16 bytes of UTF-8 text; a reply longer than this is not what we asked for. */
function replyByteCap(maxTokens: number): number {
  return 16 * maxTokens;
}

function describeCause(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code}` : cause.message;
  }
  return error.message;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
