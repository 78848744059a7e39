/** A tool call as the model made it: OpenAI's `{id, function: {name, arguments}}`, arguments as the JSON text it wrote. */
export interface ChatToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/**
 * The message shapes the agents produce: plain text roles, as every OpenAI-compatible server takes;
 * and, where the server handles OpenAI `tools` (#17), the assistant's tool calls and the orchestrator's
 * `tool` answers to them.
 */
export type ChatMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ChatToolCall[] }
  | { readonly role: 'tool'; readonly content: string; readonly toolCallId: string };
