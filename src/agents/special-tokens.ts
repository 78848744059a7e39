/**
 * Chat-template tokens that small models sometimes leak into their text (the server strips only the
 * EOS it knows). They would otherwise end up inside files or verdicts. A leak ends the model's turn,
 * so only a token at the start of the reply or at the end of a line is one; a token with text after it
 * on its line is the text's own (a test that builds a chat transcript, a template) and is kept.
 * `</s>` only counts at the very end: elsewhere it is HTML's strikethrough tag.
 */
const TOKEN = String.raw`<\|(?:im_end|im_start|endoftext|eot_id|end_of_text|start_header_id|end_header_id|end)\|>`;
const AT_LINE_END = new RegExp(String.raw`(?:${TOKEN})+(?=[ \t]*(?:\r?\n|$))`, 'g');
// Llama's `<|start_header_id|>assistant<|end_header_id|>` header, leaked whole at the start.
const AT_START = new RegExp(String.raw`^\s*(?:<\|start_header_id\|>\w*<\|end_header_id\|>|${TOKEN})+`);
const CLOSING_S = /<\/s>(?=\s*$)/;

export function stripLeakedSpecialTokens(text: string): string {
  return text.replace(AT_START, '').replace(AT_LINE_END, '').replace(CLOSING_S, '');
}
