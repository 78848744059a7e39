#!/usr/bin/env python3
"""Generate a tiny, deterministic qwen2-style model that `mlx_lm.server` can load.

Usage: python make_tiny_model.py OUTDIR

Runs offline (no hub access). Needs numpy, safetensors, tokenizers and transformers, which all
come with mlx-lm. Writes into OUTDIR:

  config.json            qwen2 config (vocab_size == len(tokenizer), eos = <|im_end|>)
  model.safetensors      float32 weights, seeded random values plus a hand-set "bigram" path
  tokenizer.json, tokenizer_config.json, chat_template.jinja, ...  byte-level BPE + ChatML
  tiny_model_info.json   what the model answers, for tests to assert on

Behaviour (greedy or low-temperature decoding): the attention and MLP output projections are
zero, so the hidden state at each position is exactly the embedding of the current token, and
the untied lm_head maps the current token to a fixed next token. The chain is

    any token -> "Hello" -> " from" -> " the" -> " tiny" -> " model" -> "!" -> <|im_end|> (EOS)

so every chat completion answers "Hello from the tiny model!" and stops with finish_reason
"stop" after 7 generated tokens (6 text tokens + EOS). With max_tokens=n < 7 the reply is cut
after n tokens with finish_reason "length". The rest of every weight is random (fixed seed).
"""

import hashlib
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

SEED = 20240601
HIDDEN = 64
LAYERS = 2
HEADS = 4
KV_HEADS = 2
INTERMEDIATE = 128
RMS_EPS = 1e-6

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
EOS = "<|im_end|>"
PAD = "<|endoftext|>"
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# The canned reply, as words; a leading space becomes the byte-level "Ġ".
REPLY_WORDS = ["Hello", " from", " the", " tiny", " model", "!"]


def byte_level_char(text):
    """Map text to the byte-level BPE alphabet (bytes -> printable unicode chars)."""
    table = byte_to_unicode()
    return "".join(table[b] for b in text.encode("utf-8"))


def byte_to_unicode():
    # The GPT-2 byte <-> unicode table (same as tokenizers' ByteLevel alphabet).
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def build_tokenizer():
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    assert len(alphabet) == 256
    assert set(alphabet) == set(byte_to_unicode().values())
    vocab = {c: i for i, c in enumerate(alphabet)}
    merges = []
    # Left-to-right merge chains so each reply word is a single token.
    for word in REPLY_WORDS:
        chars = byte_level_char(word)
        if len(chars) < 2:
            continue
        left = chars[0]
        for c in chars[1:]:
            merged = left + c
            if merged not in vocab:
                vocab[merged] = len(vocab)
                merges.append((left, c))
            left = merged
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIAL_TOKENS)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=PAD)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_weights(tokenizer):
    vocab = tokenizer.get_vocab()
    V = len(tokenizer)
    ids = sorted(vocab.values())
    assert ids == list(range(V)), "token ids must be contiguous from 0"
    H, I, nH, nKV = HIDDEN, INTERMEDIATE, HEADS, KV_HEADS
    hd = H // nH
    assert H % nH == 0 and nH % nKV == 0 and hd % 2 == 0

    reply_ids = []
    for word in REPLY_WORDS:
        enc = tokenizer.encode(word, add_special_tokens=False)
        assert len(enc) == 1, f"reply word {word!r} is not a single token: {enc}"
        reply_ids.append(enc[0])
    eos_id = tokenizer.convert_tokens_to_ids(EOS)
    assert tokenizer.decode(reply_ids) == "".join(REPLY_WORDS)

    # Embedding layout: dims [0, K) are one-hot "chain" slots, dim K is the "anything else"
    # slot, dims > K hold small random noise so the embeddings are not degenerate.
    chain = reply_ids  # each chain token gets its own slot
    K = len(chain)
    noise_dims = H - (K + 1)
    assert noise_dims >= 16

    rng = np.random.default_rng(SEED)
    f32 = np.float32

    def rand(*shape, scale=0.02):
        return (rng.standard_normal(shape) * scale).astype(f32)

    embed = np.zeros((V, H), dtype=f32)
    embed[:, K + 1 :] = rand(V, noise_dims, scale=0.05)
    slot = {tid: k for k, tid in enumerate(chain)}
    for tid in range(V):
        embed[tid, slot.get(tid, K)] = 1.0

    # lm_head: row j scores the slot(s) whose successor is j.
    gain = 4.0
    lm_head = rand(V, H, scale=0.02)
    lm_head[:, : K + 1] = 0.0
    lm_head[chain[0], K] = gain  # anything else -> first reply word
    for a, b in zip(chain, chain[1:]):
        lm_head[b, slot[a]] = gain
    lm_head[eos_id, slot[chain[-1]]] = gain  # last reply word -> EOS

    weights = {
        "model.embed_tokens.weight": embed,
        "model.norm.weight": np.ones((H,), dtype=f32),
        "lm_head.weight": lm_head,
    }
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        weights.update(
            {
                p + "self_attn.q_proj.weight": rand(nH * hd, H),
                p + "self_attn.q_proj.bias": rand(nH * hd),
                p + "self_attn.k_proj.weight": rand(nKV * hd, H),
                p + "self_attn.k_proj.bias": rand(nKV * hd),
                p + "self_attn.v_proj.weight": rand(nKV * hd, H),
                p + "self_attn.v_proj.bias": rand(nKV * hd),
                # Zero output projections: the residual stream carries the token embedding
                # through unchanged, which makes the next token a function of the current one.
                p + "self_attn.o_proj.weight": np.zeros((H, nH * hd), dtype=f32),
                p + "mlp.gate_proj.weight": rand(I, H),
                p + "mlp.up_proj.weight": rand(I, H),
                p + "mlp.down_proj.weight": np.zeros((H, I), dtype=f32),
                p + "input_layernorm.weight": np.ones((H,), dtype=f32),
                p + "post_attention_layernorm.weight": np.ones((H,), dtype=f32),
            }
        )

    # Check the intended greedy behaviour with the same math the model does at the last layer.
    def next_token(tid):
        h = embed[tid].astype(np.float64)
        h = h / np.sqrt(np.mean(h * h) + RMS_EPS)
        logits = lm_head.astype(np.float64) @ h
        top2 = np.sort(logits)[-2:]
        return int(np.argmax(logits)), float(top2[1] - top2[0])

    min_margin = float("inf")
    for tid in range(V):
        nxt, margin = next_token(tid)
        if tid in slot:
            k = slot[tid]
            want = chain[k + 1] if k + 1 < K else eos_id
        else:
            want = chain[0]
        assert nxt == want, f"token {tid} -> {nxt}, wanted {want}"
        min_margin = min(min_margin, margin)
    assert min_margin > 20.0, f"logit margin too small: {min_margin}"

    return weights, eos_id, reply_ids, min_margin


def main(argv):
    if len(argv) != 2:
        print("usage: make_tiny_model.py OUTDIR", file=sys.stderr)
        return 2
    out = os.path.abspath(argv[1])
    os.makedirs(out, exist_ok=True)

    tokenizer = build_tokenizer()
    weights, eos_id, reply_ids, margin = build_weights(tokenizer)
    V = len(tokenizer)

    tokenizer.save_pretrained(out)
    save_file(weights, os.path.join(out, "model.safetensors"), metadata={"format": "mlx"})

    config = {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "hidden_size": HIDDEN,
        "num_hidden_layers": LAYERS,
        "intermediate_size": INTERMEDIATE,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "rms_norm_eps": RMS_EPS,
        "vocab_size": V,
        "max_position_embeddings": 4096,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": False,
        "eos_token_id": eos_id,
        "bos_token_id": None,
        "pad_token_id": tokenizer.convert_tokens_to_ids(PAD),
        "torch_dtype": "float32",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    n_params = int(sum(w.size for w in weights.values()))
    reply = "".join(REPLY_WORDS)
    info = {
        "reply": reply,
        "reply_token_ids": reply_ids,
        "completion_tokens": len(reply_ids) + 1,  # mlx_lm counts the EOS token
        "eos_token_id": eos_id,
        "vocab_size": V,
        "parameters": n_params,
        "min_logit_margin": round(margin, 3),
        "seed": SEED,
    }
    with open(os.path.join(out, "tiny_model_info.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")

    digest = hashlib.sha256()
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                digest.update(name.encode() + b"\0" + fh.read())
    print(
        f"tiny model written to {out}: vocab {V}, {n_params} parameters, "
        f"{len(weights)} tensors, reply {reply!r}, eos {eos_id}, "
        f"files sha256 {digest.hexdigest()[:16]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
