/**
 * Chat-template tokens that small models sometimes leak into their text (the server strips only the
 * EOS it knows). They would otherwise end up inside files or verdicts. `</s>` only counts at the very
 * end: elsewhere it is HTML's strikethrough tag.
 */
const LEAKED_TOKENS = /<\|(?:im_end|im_start|endoftext|eot_id|end_of_text|start_header_id|end_header_id)\|>|<\/s>(?=\s*$)|<\|end\|>/g;

export function stripLeakedSpecialTokens(text: string): string {
  return text.replace(LEAKED_TOKENS, '');
}
