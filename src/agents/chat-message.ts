/** The only message shape the agents produce: plain text roles, as every OpenAI-compatible server takes. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}
