// A stand-in for `mlx_lm.server` that answers chat requests from a script.
// Run: node --import tsx tests/support/scripted-server/server.ts [--port 0] [--script FILE]
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  ChatMessageSchema,
  parseScript,
  type ChatMessage,
  type Persona,
  type RecordedRequest,
  type Script,
  type ScriptedReply,
} from './schema.js';
import {
  CHARS_PER_TOKEN,
  countPromptTokens,
  detectPersona,
  fallbackReply,
  longestSharedPrefix,
  renderPrompt,
  ReplyQueues,
  replyText,
  tokenize,
  wireToolCalls,
  type WireToolCall,
} from './replies.js';

// ---------------------------------------------------------------- CLI flags

interface CliOptions {
  host: string;
  port: number;
  model: string | undefined;
  maxTokens: number | undefined;
  scriptPath: string | undefined;
  /** Exit when this process disappears, so a crashed test run leaves no orphan. */
  parentPid: number | undefined;
  /**
   * `--context-length N`: published in /v1/models (`context_length`, `max_model_len`), and a longer
   * prompt is cut to it silently, as Ollama does (its usage then reports N prompt tokens).
   */
  contextLength: number | undefined;
}

/** `--flag value`, `--flag=value` and bare boolean `--flag`; anything unknown is kept and ignored. */
function parseFlags(argv: readonly string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next);
      i++;
    } else {
      flags.set(arg.slice(2), true);
    }
  }
  return flags;
}

function stringFlag(flags: Map<string, string | true>, name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function intFlag(flags: Map<string, string | true>, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(flags, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`--${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function readCliOptions(argv: readonly string[]): CliOptions {
  const flags = parseFlags(argv);
  return {
    host: stringFlag(flags, 'host') ?? '127.0.0.1',
    port: intFlag(flags, 'port', 0, 65535) ?? 8080,
    model: stringFlag(flags, 'model'),
    maxTokens: intFlag(flags, 'max-tokens', 0, Number.MAX_SAFE_INTEGER),
    scriptPath: stringFlag(flags, 'script'),
    parentPid: intFlag(flags, 'parent-pid', 1, Number.MAX_SAFE_INTEGER),
    contextLength: intFlag(flags, 'context-length', 1, Number.MAX_SAFE_INTEGER),
  };
}

function loadScriptFile(path: string): Script {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read script ${path}: ${errorMessage(err)}`);
  }
  return parseScript(json, `script file ${path}`);
}

// ---------------------------------------------------------------- state

interface ServerState {
  readonly options: CliOptions;
  script: Script;
  queues: ReplyQueues;
  requests: RecordedRequest[];
  /** Every prompt seen, rendered, for the prefix-cache count (kept across clearRequests, as a cache is). */
  prompts: string[];
  active: number;
  maxActive: number;
}

function setScript(state: ServerState, script: Script): void {
  state.script = script;
  state.queues = new ReplyQueues(script);
}

// ---------------------------------------------------------------- helpers

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function log(message: string): void {
  process.stderr.write(`[scripted-server] ${message}\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<unknown>) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `Invalid JSON body: ${errorMessage(err)}` };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    Connection: 'close',
  });
  res.end(text);
}

/** Resolves once the data is handed to the OS, so a following fault cannot swallow it. */
function write(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    res.write(data, () => resolve());
  });
}

/** Sleep that ends early (returning false) when the client goes away. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- chat completions

const ChatRequestSchema = z.looseObject({
  messages: z.array(ChatMessageSchema),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: z.number().int().nonnegative().nullish(),
  max_completion_tokens: z.number().int().nonnegative().nullish(),
  model: z.string().nullish(),
  temperature: z.number().nullish(),
  tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }).optional() })).nullish(),
});
type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** Everything needed to answer one chat request, resolved from script + request. */
interface ReplyPlan {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly persona: Persona;
  readonly reply: ScriptedReply;
  /** Tokens to send after max_tokens truncation. */
  readonly tokens: string[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  /** Sent as `tool_calls` (empty: none, or they are leaked into the text). */
  readonly toolCalls: WireToolCall[];
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly intervalMs: number;
  readonly delayMs: number;
}

function planReply(state: ServerState, request: ChatRequest, persona: Persona, record: RecordedRequest): ReplyPlan {
  const reply =
    state.queues.next(persona, { temperature: request.temperature ?? null, messages: request.messages }) ?? fallbackReply(persona);
  const defaults = state.script.defaults ?? {};
  const limit =
    reply.ignoreMaxTokens === true ? undefined : (request.max_completion_tokens ?? request.max_tokens ?? state.options.maxTokens);
  const all = tokenize(replyText(reply));
  const tokens = limit === undefined ? all : all.slice(0, limit);
  const toolCalls = reply.leakToolCalls === true ? [] : wireToolCalls(reply.toolCalls ?? []);
  const tokensPerSecond = reply.tokensPerSecond ?? defaults.tokensPerSecond ?? 0;
  return {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: request.model ?? state.options.model ?? 'scripted-model',
    persona,
    reply,
    tokens,
    finishReason: tokens.length < all.length ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'stop',
    toolCalls,
    promptTokens:
      state.options.contextLength === undefined ? record.promptTokens : Math.min(record.promptTokens, state.options.contextLength),
    cachedTokens: record.sharedPrefixTokens,
    intervalMs: tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0,
    delayMs: reply.delayMs ?? defaults.delayMs ?? 0,
  };
}

function usageOf(plan: ReplyPlan, completionTokens: number): Record<string, unknown> {
  const prompt = plan.reply.usage?.prompt_tokens ?? plan.promptTokens;
  const completion = plan.reply.usage?.completion_tokens ?? completionTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: Math.min(plan.cachedTokens, prompt) },
  };
}

function envelope(plan: ReplyPlan, object: string): Record<string, unknown> {
  return { id: plan.id, system_fingerprint: 'scripted', object, model: plan.model, created: plan.created };
}

function chunkEvent(plan: ReplyPlan, content: string, finishReason: string | null): string {
  const choice = { index: 0, delta: { role: 'assistant', content }, finish_reason: finishReason };
  return `data: ${JSON.stringify({ ...envelope(plan, 'chat.completion.chunk'), choices: [choice] })}\n\n`;
}

/**
 * Normal streams say `Connection: close` like mlx_lm's HTTP/1.0 server. fetch
 * (undici) then treats ANY early EOF as a complete body, so a stream the
 * server abandons just ends without [DONE]. The `drop` fault streams with
 * keep-alive chunked framing instead, so its cut surfaces as a client error.
 */
function startEventStream(res: ServerResponse, closeDelimited = true): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    ...(closeDelimited ? { Connection: 'close' } : {}),
  });
  res.flushHeaders();
}

/** Stream tokens [0, count) on the absolute pacing schedule; false if the client left. */
async function streamTokens(res: ServerResponse, plan: ReplyPlan, count: number, signal: AbortSignal): Promise<boolean> {
  const start = Date.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * plan.intervalMs;
    if (!(await pause(due - Date.now(), signal))) return false;
    await write(res, chunkEvent(plan, plan.tokens[i] ?? '', null));
    if (res.destroyed) return false;
  }
  return true;
}

/**
 * Tool calls in OpenAI's delta format: each call opens with its index, id, type and name (empty
 * arguments), then its arguments follow in two pieces, as servers stream them.
 */
function toolCallEvents(plan: ReplyPlan): string[] {
  const events: string[] = [];
  const send = (toolCall: Record<string, unknown>): void => {
    const choice = { index: 0, delta: { tool_calls: [toolCall] }, finish_reason: null };
    events.push(`data: ${JSON.stringify({ ...envelope(plan, 'chat.completion.chunk'), choices: [choice] })}\n\n`);
  };
  plan.toolCalls.forEach((call, index) => {
    send({ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } });
    const half = Math.ceil(call.arguments.length / 2);
    for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)])
      if (piece !== '') send({ index, function: { arguments: piece } });
  });
  return events;
}

async function answerStreaming(res: ServerResponse, plan: ReplyPlan, includeUsage: boolean, signal: AbortSignal): Promise<void> {
  startEventStream(res);
  if (!(await streamTokens(res, plan, plan.tokens.length, signal))) return;
  for (const event of toolCallEvents(plan)) await write(res, event);
  await write(res, chunkEvent(plan, '', plan.finishReason));
  if (includeUsage) {
    const usageEvent = { ...envelope(plan, 'chat.completion'), choices: [], usage: usageOf(plan, plan.tokens.length) };
    await write(res, `data: ${JSON.stringify(usageEvent)}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

async function answerWhole(res: ServerResponse, plan: ReplyPlan, signal: AbortSignal): Promise<void> {
  // Generation time mirrors streaming: one interval between consecutive tokens.
  if (!(await pause(Math.max(0, plan.tokens.length - 1) * plan.intervalMs, signal))) return;
  const choice = {
    index: 0,
    finish_reason: plan.finishReason,
    message: {
      role: 'assistant',
      content: plan.toolCalls.length > 0 && plan.tokens.length === 0 ? null : plan.tokens.join(''),
      ...(plan.toolCalls.length > 0
        ? { tool_calls: plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
        : {}),
    },
  };
  sendJson(res, 200, {
    ...envelope(plan, 'chat.completion'),
    choices: [choice],
    usage: usageOf(plan, plan.tokens.length),
  });
}

/** Fault before/while answering; streaming faults first send some real tokens. */
async function answerFault(
  req: IncomingMessage,
  res: ServerResponse,
  plan: ReplyPlan,
  stream: boolean,
  signal: AbortSignal,
): Promise<void> {
  const { fault, faultAfterTokens } = plan.reply;
  switch (fault) {
    case 'http500':
      return sendJson(res, 500, { error: 'scripted failure' });
    case 'hang':
      log(`hanging ${plan.persona} request (socket stays open)`);
      return;
    case 'garbage':
      return sendGarbage(res, stream);
    case 'drop': {
      if (stream) {
        startEventStream(res, false);
        const sent = Math.min(faultAfterTokens ?? 2, plan.tokens.length);
        if (!(await streamTokens(res, plan, sent, signal))) return;
      }
      log(`dropping ${plan.persona} request`);
      req.socket.destroy();
      return;
    }
    case 'die': {
      // Tokens already sent then end in a FIN; clients see a stream without [DONE].
      if (stream && faultAfterTokens !== undefined) {
        startEventStream(res);
        await streamTokens(res, plan, Math.min(faultAfterTokens, plan.tokens.length), signal);
      }
      log(`dying on ${plan.persona} request (exit 1)`);
      process.exit(1);
    }
    case undefined:
      return;
  }
}

function sendGarbage(res: ServerResponse, stream: boolean): void {
  // Streaming: noise lines then a data event whose payload is not JSON.
  // Non-streaming: claims JSON but is cut off mid-object.
  const body = stream ? 'this is not an event stream\n{{{\ndata: {not json\n\n' : '{"choices": [ this is not json';
  res.writeHead(200, {
    'Content-Type': stream ? 'text/event-stream' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

/** Count the request as in flight until its response finishes or its socket closes. */
function trackActive(state: ServerState, res: ServerResponse): void {
  state.active += 1;
  state.maxActive = Math.max(state.maxActive, state.active);
  let done = false;
  const release = (): void => {
    if (done) return;
    done = true;
    state.active -= 1;
  };
  res.once('finish', release);
  res.once('close', release);
}

async function handleChat(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseJson(await readBody(req));
  if (!body.ok) return sendJson(res, 400, { error: body.error });
  const parsed = ChatRequestSchema.safeParse(body.value);
  if (!parsed.success) return sendJson(res, 400, { error: `Invalid chat request: ${z.prettifyError(parsed.error)}` });
  const request = parsed.data;
  if (state.script.tools === 'reject' && (request.tools?.length ?? 0) > 0) {
    // Recorded like any request (a test asks whether tools were offered), then refused as such servers do.
    state.requests.push(recordOf(state, request, detectPersona(request.messages), request.stream === true));
    return sendJson(res, 400, {
      error: { message: 'tools are not supported by this server', type: 'invalid_request_error', code: 'unsupported' },
    });
  }

  trackActive(state, res);
  const aborter = new AbortController();
  res.once('close', () => aborter.abort());

  const persona = detectPersona(request.messages);
  const stream = request.stream === true;
  const record = recordOf(state, request, persona, stream);
  state.requests.push(record);
  // mlx_lm.server's own line (server.py, on every request): how the host measures the prompt cache.
  // Ours keeps every prompt, 16 KB per token (a stand-in; nothing here is an allocation).
  const cacheBytes = state.requests.reduce((sum, r) => sum + r.promptTokens, 0) * 16_384;
  log(`INFO - Prompt Cache: ${state.requests.length} sequences, ${(cacheBytes / 1e9).toFixed(2)} GB`);
  const plan = planReply(state, request, persona, record);

  const after = plan.reply.afterRequests;
  if (after !== undefined) {
    while (state.requests.filter((r) => r.persona === after.persona).length < after.count) if (!(await pause(20, aborter.signal))) return;
  }
  if (!(await pause(plan.delayMs, aborter.signal))) return;
  if (plan.reply.fault) return answerFault(req, res, plan, stream, aborter.signal);
  if (stream) return answerStreaming(res, plan, request.stream_options?.include_usage === true, aborter.signal);
  return answerWhole(res, plan, aborter.signal);
}

function recordOf(state: ServerState, request: ChatRequest, persona: Persona, stream: boolean): RecordedRequest {
  const messages: ChatMessage[] = request.messages;
  const rendered = renderPrompt(messages);
  const shared = longestSharedPrefix(rendered, state.prompts);
  state.prompts.push(rendered);
  const promptTokens = countPromptTokens(messages);
  return {
    persona,
    messages,
    stream,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? null,
    model: request.model ?? null,
    temperature: request.temperature ?? null,
    tools: (request.tools?.length ?? 0) > 0 ? (request.tools ?? []).map((t) => t.function?.name ?? '') : null,
    promptTokens,
    // Whole tokens only, never more than the prompt has (the role headers are not counted in it).
    sharedPrefixTokens: Math.min(promptTokens, Math.floor(shared / CHARS_PER_TOKEN)),
    receivedAt: Date.now(),
  };
}

// ---------------------------------------------------------------- control + routing

async function handleSetScript(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = parseJson(await readBody(req));
  if (!body.ok) return sendJson(res, 400, { error: body.error });
  try {
    setScript(state, parseScript(body.value, 'script (PUT /__script)'));
  } catch (err) {
    return sendJson(res, 400, { error: errorMessage(err) });
  }
  sendJson(res, 200, { ok: true });
}

async function route(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const key = `${req.method ?? 'GET'} ${path}`;
  switch (key) {
    case 'GET /health':
      return sendJson(res, 200, { status: 'ok' });
    case 'GET /v1/models':
      return sendJson(res, 200, {
        object: 'list',
        data: [
          {
            id: state.options.model ?? 'scripted-model',
            object: 'model',
            created: Math.floor(Date.now() / 1000),
            ...(state.options.contextLength === undefined
              ? {}
              : { context_length: state.options.contextLength, max_model_len: state.options.contextLength }),
          },
        ],
      });
    case 'POST /v1/chat/completions':
    case 'POST /chat/completions':
      return handleChat(state, req, res);
    case 'PUT /__script':
      return handleSetScript(state, req, res);
    case 'GET /__requests':
      return sendJson(res, 200, state.requests);
    case 'DELETE /__requests':
      state.requests = [];
      return sendJson(res, 200, { ok: true });
    case 'GET /__stats':
      return sendJson(res, 200, { active: state.active, maxActive: state.maxActive });
    default:
      return sendJson(res, 404, { error: `Not found: ${key}` });
  }
}

function logResponse(req: IncomingMessage, res: ServerResponse): void {
  const started = Date.now();
  res.once('close', () => {
    const status = res.headersSent ? String(res.statusCode) : '-';
    log(`${req.socket.remoteAddress ?? '-'} "${req.method ?? ''} ${req.url ?? ''}" ${status} ${Date.now() - started}ms`);
  });
}

// ---------------------------------------------------------------- lifecycle

function createServer(state: ServerState): { server: http.Server; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    logResponse(req, res);
    route(state, req, res).catch((err: unknown) => {
      log(`handler error: ${errorMessage(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: errorMessage(err) });
      else res.destroy();
    });
  });
  // Hung requests keep sockets open; remember them so shutdown can end them.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return { server, sockets };
}

function shutdown(server: http.Server, sockets: Set<Socket>, code: number): void {
  server.close();
  for (const socket of sockets) socket.destroy();
  process.exit(code);
}

/** A dead parent shows up as re-parenting (its pid may linger as a zombie) or as a missing pid. */
function parentAlive(pid: number): boolean {
  if (process.ppid !== pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function watchParent(pid: number, onGone: () => void): void {
  const timer = setInterval(() => {
    if (!parentAlive(pid)) onGone();
  }, 1000);
  timer.unref();
}

function main(): void {
  let options: CliOptions;
  let script: Script;
  try {
    options = readCliOptions(process.argv.slice(2));
    script = options.scriptPath ? loadScriptFile(options.scriptPath) : {};
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(2);
  }
  const state: ServerState = { options, script, queues: new ReplyQueues(script), requests: [], prompts: [], active: 0, maxActive: 0 };
  const { server, sockets } = createServer(state);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => shutdown(server, sockets, 0));
  }
  if (options.parentPid !== undefined) watchParent(options.parentPid, () => shutdown(server, sockets, 0));

  server.on('error', (err) => {
    process.stderr.write(`Cannot listen on ${options.host}:${options.port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(options.port, options.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    // The launcher (and anything that starts mlx_lm.server) waits for this exact line.
    process.stdout.write(`Starting httpd at ${options.host} on port ${port}...\n`);
  });
}

main();
