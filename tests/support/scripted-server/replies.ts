// Pure reply logic of the scripted server: tokens, personas, queues.
import type { ChatMessage, Persona, Script, ScriptedReply, ScriptedToolCall, ScriptRoute } from './schema.js';

export const CHARS_PER_TOKEN = 4;

/**
 * Split a reply into deterministic "tokens": consecutive runs of 4 code
 * points (whitespace stays inside the token it falls in). Joining the tokens
 * gives back the exact content, so streamed replies reassemble verbatim.
 */
export function tokenize(content: string): string[] {
  const chars = Array.from(content); // code points, never split a surrogate pair
  const tokens: string[] = [];
  for (let i = 0; i < chars.length; i += CHARS_PER_TOKEN) {
    tokens.push(chars.slice(i, i + CHARS_PER_TOKEN).join(''));
  }
  return tokens;
}

/** Text of a message's content, whether a string or OpenAI content parts. */
export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map(partText).join('');
}

function partText(part: unknown): string {
  if (typeof part !== 'object' || part === null || !('text' in part)) return '';
  return typeof part.text === 'string' ? part.text : '';
}

export function countPromptTokens(messages: readonly ChatMessage[]): number {
  const chars = messages.reduce((sum, m) => sum + Array.from(messageText(m)).length, 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * The persona is named on the first line of the first system message.
 * When both words appear, the earlier one wins.
 */
export function detectPersona(messages: readonly ChatMessage[]): Persona {
  const system = messages.find((m) => m.role === 'system');
  if (!system) return 'other';
  const firstLine = messageText(system).split(/\r?\n/, 1)[0] ?? '';
  const coder = firstLine.search(/\bCoder\b/);
  const sheriff = firstLine.search(/\bSheriff\b/);
  if (coder >= 0 && (sheriff < 0 || coder < sheriff)) return 'coder';
  if (sheriff >= 0) return 'sheriff';
  return 'other';
}

/** What a route may match on in a request. */
export interface RequestFacts {
  readonly temperature: number | null;
  readonly messages: readonly ChatMessage[];
}

/** Per-persona reply queues; an exhausted queue keeps repeating its last reply. */
class PersonaQueues {
  private readonly queues: Record<Persona, ScriptedReply[]>;
  private readonly cursors: Record<Persona, number> = { coder: 0, sheriff: 0, other: 0 };

  constructor(script: Pick<Script, Persona>) {
    this.queues = {
      coder: expandTimes(script.coder ?? []),
      sheriff: expandTimes(script.sheriff ?? []),
      other: expandTimes(script.other ?? []),
    };
  }

  has(persona: Persona): boolean {
    return this.queues[persona].length > 0;
  }

  next(persona: Persona): ScriptedReply | undefined {
    const queue = this.queues[persona];
    const index = Math.min(this.cursors[persona], queue.length - 1);
    this.cursors[persona] += 1;
    return queue[index];
  }
}

function routeMatches(route: ScriptRoute, facts: RequestFacts): boolean {
  const { temperature, contains } = route.match;
  if (temperature !== undefined && (facts.temperature === null || Math.abs(facts.temperature - temperature) > 1e-9)) return false;
  if (contains !== undefined && !facts.messages.some((m) => messageText(m).includes(contains))) return false;
  return true;
}

/** The script's queues: its routes' first, then the top-level ones. */
export class ReplyQueues {
  private readonly main: PersonaQueues;
  private readonly routes: Array<{ route: ScriptRoute; queues: PersonaQueues }>;

  constructor(script: Script) {
    this.main = new PersonaQueues(script);
    this.routes = (script.routes ?? []).map((route) => ({ route, queues: new PersonaQueues(route) }));
  }

  /** The next reply for a persona (and request, when routes are scripted), or undefined when nothing was scripted. */
  next(persona: Persona, facts?: RequestFacts): ScriptedReply | undefined {
    if (facts !== undefined) {
      const routed = this.routes.find((r) => r.queues.has(persona) && routeMatches(r.route, facts));
      if (routed !== undefined) return routed.queues.next(persona);
    }
    return this.main.next(persona);
  }
}

function expandTimes(replies: readonly ScriptedReply[]): ScriptedReply[] {
  return replies.flatMap((reply) => Array.from({ length: reply.times ?? 1 }, () => reply));
}

/** What an unscripted persona gets, so an empty script still yields valid replies. */
export function fallbackReply(persona: Persona): ScriptedReply {
  return { content: `(scripted-server: no reply scripted for persona "${persona}")` };
}

/** A prompt as one string, roughly as a chat template lays it out (role headers, then content). */
export function renderPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `<|${m.role}|>\n${messageText(m)}\n`).join('');
}

/** Characters `text` shares from its start with the one of `earlier` that shares the most. */
export function longestSharedPrefix(text: string, earlier: readonly string[]): number {
  let best = 0;
  for (const other of earlier) {
    const limit = Math.min(text.length, other.length);
    let i = 0;
    while (i < limit && text.charCodeAt(i) === other.charCodeAt(i)) i += 1;
    if (i > best) best = i;
  }
  return best;
}

/** A scripted call as OpenAI sends it: an id, the name, the arguments as JSON text. */
export interface WireToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export function wireToolCalls(calls: readonly ScriptedToolCall[]): WireToolCall[] {
  return calls.map((call, i) => ({
    id: call.id ?? `call_scripted_${i + 1}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
}

/** The reply's text, with its tool calls written into it as Qwen does (`<tool_call>` + JSON) when it leaks them. */
export function replyText(reply: ScriptedReply): string {
  if (reply.leakToolCalls !== true || reply.toolCalls === undefined) return reply.content;
  const leaked = reply.toolCalls.map((call) => {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    return `<tool_call>\n{"name": ${JSON.stringify(call.name)}, "arguments": ${args}}\n</tool_call>`;
  });
  return [reply.content, ...leaked].filter((part) => part !== '').join('\n');
}
