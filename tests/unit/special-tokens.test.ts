import { describe, expect, it } from 'vitest';
import { stripLeakedSpecialTokens } from '../../src/agents/special-tokens.js';

describe('stripLeakedSpecialTokens', () => {
  it('removes chat-template tokens at the start of the reply and at line ends', () => {
    expect(stripLeakedSpecialTokens('<|im_start|>assistant\nhi<|im_end|>\n<|endoftext|>')).toBe('assistant\nhi\n');
    expect(stripLeakedSpecialTokens('a<|eot_id|>\nb<|end_of_text|><|end|>')).toBe('a\nb');
    expect(stripLeakedSpecialTokens('<|start_header_id|>assistant<|end_header_id|>x')).toBe('x');
  });

  it("keeps a token with text after it on its line: it is the text's own (#18 replay)", () => {
    expect(stripLeakedSpecialTokens('a<|eot_id|>b<|end_of_text|>c<|end|>d')).toBe('a<|eot_id|>b<|end_of_text|>c<|end|>d');
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
