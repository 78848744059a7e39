import { describe, expect, it } from 'vitest';
import { stripLeakedSpecialTokens } from '../../src/agents/special-tokens.js';

describe('stripLeakedSpecialTokens', () => {
  it('removes chat-template tokens wherever they are', () => {
    expect(stripLeakedSpecialTokens('<|im_start|>assistant\nhi<|im_end|>\n<|endoftext|>')).toBe('assistant\nhi\n');
    expect(stripLeakedSpecialTokens('a<|eot_id|>b<|end_of_text|>c<|end|>d')).toBe('abcd');
    expect(stripLeakedSpecialTokens('<|start_header_id|>assistant<|end_header_id|>x')).toBe('assistantx');
  });

  it('removes a trailing </s> (the EOS of Llama-style templates)', () => {
    expect(stripLeakedSpecialTokens('VERDICT: PASS</s>')).toBe('VERDICT: PASS');
    expect(stripLeakedSpecialTokens('done\n```</s>\n')).toBe('done\n```\n');
  });

  it('keeps HTML strikethrough tags inside code', () => {
    const html = 'index.html\n```html\n<p><s>$20</s> $10</p>\n```';
    expect(stripLeakedSpecialTokens(html)).toBe(html);
  });

  it('leaves ordinary text and look-alikes alone', () => {
    const text = 'if a <| b: pass\n<div></div> <|custom|> |> <|';
    expect(stripLeakedSpecialTokens(text)).toBe(text);
  });
});
