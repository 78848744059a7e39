import { z } from 'zod';
import type { ChatToolCall } from './chat-message.js';
import { checkToolRequest, type ToolRequest } from './tool-requests.js';

/**
 * READ / SEARCH / LIST offered as OpenAI tools (#17), for servers and models that handle `tools`
 * (src/llm/tool-support.ts decides). Only these three: edits stay in the text formats of DESIGN.md
 * ("What the model writes"), parsed by the orchestrator, never by the model's tool-calling. The
 * arguments a model sends are hostile: parsed with zod under caps, then vetted by the same rules as
 * the text lines (checkToolRequest) before the orchestrator answers them (src/workspace/coder-tools.ts). Pure.
 */
export const NATIVE_TOOL_NAMES = { read: 'read_file', search: 'search_code', list: 'list_files' } as const;

/** The `tools` array of a chat request, in OpenAI's function format. */
export const CODER_TOOLS: readonly unknown[] = [
  {
    type: 'function',
    function: {
      name: NATIVE_TOOL_NAMES.read,
      description: 'Read a file of the repository, or a range of its lines (1-based, inclusive).',
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', description: 'Path relative to the repository root' },
          start_line: { type: 'integer', minimum: 1 },
          end_line: { type: 'integer', minimum: 1 },
        },
        required: ['path'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: NATIVE_TOOL_NAMES.search,
      description: 'Search the tracked files with a regular expression (git grep); optionally only paths matching a glob.',
      parameters: {
        type: 'object',
        properties: { pattern: { type: 'string' }, glob: { type: 'string', description: 'e.g. src/**/*.py' } },
        required: ['pattern'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: NATIVE_TOOL_NAMES.list,
      description: 'List the tracked files under a directory of the repository (default: the root).',
      parameters: { type: 'object', properties: { dir: { type: 'string' } } },
    },
  },
];

/** A call's JSON arguments longer than this are refused unread (no model needs more for a path and a pattern). */
const MAX_ARGUMENT_CHARS = 4096;
const text = (max: number) => z.string().min(1).max(max);
const line = z.int().min(1).max(10_000_000);
// Unknown keys are dropped (models add `reason` and the like); wrong types and sizes are refused.
const readArgs = z.object({ path: text(1024), start_line: line.optional(), end_line: line.optional() });
const searchArgs = z.object({ pattern: text(1000), glob: z.string().max(1024).optional() });
const listArgs = z.object({ dir: z.string().max(1024).optional() });

export type NativeCallParse = { ok: true; request: ToolRequest } | { ok: false; reason: string };

/** One tool call of the model → the request it stands for, vetted; or why it is refused. */
export function parseNativeToolCall(call: Pick<ChatToolCall, 'name' | 'arguments'>): NativeCallParse {
  if (call.arguments.length > MAX_ARGUMENT_CHARS)
    return { ok: false, reason: `the arguments are longer than ${MAX_ARGUMENT_CHARS} characters` };
  let json: unknown;
  try {
    json = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return { ok: false, reason: 'the arguments are not valid JSON' };
  }
  const request = requestOf(call.name, json);
  if (!request.ok) return request;
  return checkToolRequest(request.request);
}

function requestOf(name: string, json: unknown): NativeCallParse {
  switch (name) {
    case NATIVE_TOOL_NAMES.read: {
      const args = readArgs.safeParse(json);
      if (!args.success) return refused(name, args.error);
      const { path, start_line: start, end_line: end } = args.data;
      if (start === undefined && end === undefined) return { ok: true, request: { kind: 'read', path } };
      const from = start ?? 1;
      const to = end ?? from + 199;
      return { ok: true, request: { kind: 'read', path, range: { start: Math.min(from, to), end: Math.max(from, to) } } };
    }
    case NATIVE_TOOL_NAMES.search: {
      const args = searchArgs.safeParse(json);
      if (!args.success) return refused(name, args.error);
      const glob = args.data.glob?.trim();
      return {
        ok: true,
        request: glob ? { kind: 'search', pattern: args.data.pattern, glob } : { kind: 'search', pattern: args.data.pattern },
      };
    }
    case NATIVE_TOOL_NAMES.list: {
      const args = listArgs.safeParse(json);
      if (!args.success) return refused(name, args.error);
      const dir = (args.data.dir ?? '').trim().replace(/\/+$/, '');
      return { ok: true, request: { kind: 'list', dir: dir === '.' || dir === './' ? '' : dir } };
    }
    default:
      return {
        ok: false,
        reason: `there is no tool "${name.slice(0, 60)}" (the tools are ${Object.values(NATIVE_TOOL_NAMES).join(', ')}; edits are written as text)`,
      };
  }
}

function refused(name: string, error: z.ZodError): NativeCallParse {
  const first = error.issues[0];
  const where = first === undefined || first.path.length === 0 ? '' : ` (${first.path.join('.')})`;
  return { ok: false, reason: `the arguments of ${name} are not what it takes${where}: ${first?.message ?? 'invalid'}` };
}

/** At most this many tool calls of one reply are taken, streamed (ToolCallAccumulator) or written as text. */
export const MAX_CALLS_PER_REPLY = 32;

/** Tool calls a model wrote into its text instead of the server's `tool_calls`, and the text without them. */
export interface LeakedToolCalls {
  readonly calls: readonly Pick<ChatToolCall, 'name' | 'arguments'>[];
  readonly rest: string;
}

const LEAK = /<tool_call>\s*([\s\S]*?)\s*(?:<\/tool_call>|$)/g;
const leakShape = z.object({
  name: z.string().min(1).max(200),
  arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Qwen's `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (Hermes style), as a server that does
 * not parse tool calls passes them through; an unclosed last one (the reply ran out) is read to the
 * end. Only calls of our own tools are taken: any other name stays in the text, where the edit parser
 * sees it (and corrects a model that writes files through imagined tools). Past MAX_CALLS_PER_REPLY
 * blocks are left as text unparsed: a reply of thousands of calls costs no more than one of 32.
 */
export function parseLeakedToolCalls(content: string): LeakedToolCalls {
  if (!content.includes('<tool_call>')) return { calls: [], rest: content };
  const calls: Pick<ChatToolCall, 'name' | 'arguments'>[] = [];
  const ours = new Set<string>(Object.values(NATIVE_TOOL_NAMES));
  const rest = content.replace(LEAK, (whole, body: string) => {
    if (calls.length >= MAX_CALLS_PER_REPLY) return whole;
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return whole;
    }
    const shape = leakShape.safeParse(json);
    if (!shape.success || !ours.has(shape.data.name)) return whole;
    const args = shape.data.arguments ?? shape.data.parameters ?? {};
    calls.push({ name: shape.data.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });
    return '';
  });
  return { calls, rest: calls.length === 0 ? content : rest.trim() };
}
