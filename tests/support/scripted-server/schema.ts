// Zod schemas shared by the scripted server process and its launcher.
// Kept apart from server.ts so importing types never starts a server.
import { z } from 'zod';

export const PERSONAS = ['coder', 'sheriff', 'other'] as const;
export const PersonaSchema = z.enum(PERSONAS);
export type Persona = z.infer<typeof PersonaSchema>;

export const FaultSchema = z.enum(['drop', 'http500', 'hang', 'die', 'garbage']);
export type Fault = z.infer<typeof FaultSchema>;

const count = z.number().int().nonnegative();

/** A tool call to answer with: `arguments` as a JSON object, or as the exact text to send (e.g. broken JSON). */
export const ScriptedToolCallSchema = z.strictObject({
  name: z.string().min(1),
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]),
  id: z.string().min(1).optional(),
});
export type ScriptedToolCall = z.infer<typeof ScriptedToolCallSchema>;

export const ScriptedReplySchema = z.strictObject({
  /** Full assistant reply; streamed as ~4-character tokens. */
  content: z.string(),
  /** 0 or absent = as fast as possible. */
  tokensPerSecond: z.number().nonnegative().optional(),
  /** Wait before the first byte of the response. */
  delayMs: count.optional(),
  /**
   * Answer only once this server has received `count` requests of `persona` (all sessions together):
   * orders sessions by events, not by time (e.g. a best-of sibling waits for another's Sheriff turn).
   */
  afterRequests: z.strictObject({ persona: z.enum(['coder', 'sheriff', 'other']), count: z.number().int().positive() }).optional(),
  fault: FaultSchema.optional(),
  /** Tokens streamed before a drop/die fault fires (drop defaults to 2, die to 0). */
  faultAfterTokens: count.optional(),
  /** Stream the whole reply whatever max_tokens says (a misbehaving server). */
  ignoreMaxTokens: z.boolean().optional(),
  /** Serve this reply N times before moving on in the queue. */
  times: z.number().int().positive().optional(),
  /**
   * Answer with these OpenAI `tool_calls` after `content` (streamed in OpenAI's delta format, or whole in
   * `message.tool_calls`; finish_reason "tool_calls").
   */
  toolCalls: z.array(ScriptedToolCallSchema).optional(),
  /** Write `toolCalls` into the content as Qwen's `<tool_call>{…}</tool_call>` text instead (a server that does not parse them). */
  leakToolCalls: z.boolean().optional(),
  /** Override the reported usage numbers. */
  usage: z.strictObject({ prompt_tokens: count.optional(), completion_tokens: count.optional() }).optional(),
});
export type ScriptedReply = z.infer<typeof ScriptedReplySchema>;

export const ScriptDefaultsSchema = z.strictObject({
  tokensPerSecond: z.number().nonnegative().optional(),
  delayMs: count.optional(),
});

/**
 * A route answers the requests it matches from queues of its own (the first matching route with a
 * queue for the persona wins; the top-level queues answer the rest): one script plays several
 * sessions differently — by the temperature a request asks (best-of-K siblings), or by a text its
 * messages contain (a task's description).
 */
export const ScriptRouteSchema = z.strictObject({
  match: z.strictObject({ temperature: z.number().optional(), contains: z.string().min(1).optional() }),
  coder: z.array(ScriptedReplySchema).optional(),
  sheriff: z.array(ScriptedReplySchema).optional(),
  other: z.array(ScriptedReplySchema).optional(),
});
export type ScriptRoute = z.infer<typeof ScriptRouteSchema>;

export const ScriptSchema = z.strictObject({
  coder: z.array(ScriptedReplySchema).optional(),
  sheriff: z.array(ScriptedReplySchema).optional(),
  other: z.array(ScriptedReplySchema).optional(),
  routes: z.array(ScriptRouteSchema).optional(),
  defaults: ScriptDefaultsSchema.optional(),
  /** `reject`: any request that offers `tools` gets a 400, as servers without tool support answer (default: accepted). */
  tools: z.enum(['accept', 'reject']).optional(),
});
export type Script = z.infer<typeof ScriptSchema>;

/** An OpenAI chat message as received; content may be text, null or content parts. */
export const ChatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.null(), z.array(z.unknown())]).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const RecordedRequestSchema = z.strictObject({
  persona: PersonaSchema,
  messages: z.array(ChatMessageSchema),
  stream: z.boolean(),
  max_tokens: count.nullable(),
  model: z.string().nullable(),
  /** The names of the OpenAI `tools` the request offered (null: none). */
  tools: z.array(z.string()).nullable(),
  /** The temperature the request asked (null: none sent). */
  temperature: z.number().nullable(),
  /** The prompt's tokens as this server counts them (characters / 4). */
  promptTokens: count,
  /**
   * How many of them repeat the start of an earlier prompt (the longest shared prefix with any prompt
   * this server saw before): what a prefix cache such as mlx_lm.server's could reuse. Also reported
   * as `usage.prompt_tokens_details.cached_tokens`.
   */
  sharedPrefixTokens: count,
  /** Epoch milliseconds. */
  receivedAt: z.number(),
});
export type RecordedRequest = z.infer<typeof RecordedRequestSchema>;

export const ServerStatsSchema = z.strictObject({ active: count, maxActive: count });
export type ServerStats = z.infer<typeof ServerStatsSchema>;

/** Validate a script, turning zod issues into one readable message. */
export function parseScript(input: unknown, source = 'script'): Script {
  const result = ScriptSchema.safeParse(input);
  if (!result.success) {
    throw new Error(`Invalid scripted-server ${source}:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}
