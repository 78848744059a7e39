#!/usr/bin/env python3
"""Make a draft model for the tiny test model: the same tokenizer, one layer instead of two.

Usage: python make_draft_model.py TINY_MODEL_DIR OUTDIR

The tiny model's attention and MLP output projections are zero (make_tiny_model.py), so each layer
passes the embedding through unchanged: with its second layer dropped the model predicts exactly the
same next tokens. That makes it a real, distinct draft model sharing the tokenizer, whose drafts
the target accepts — what mlx_lm.server's --draft-model needs. Idempotent: the output depends only
on the input files.
"""

import json
import os
import shutil
import sys

from safetensors.numpy import load_file, save_file


def main(argv):
    if len(argv) != 3:
        print("usage: make_draft_model.py TINY_MODEL_DIR OUTDIR", file=sys.stderr)
        return 2
    src, out = (os.path.abspath(a) for a in argv[1:3])
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(src):
        if name not in ("model.safetensors", "config.json") and os.path.isfile(os.path.join(src, name)):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
    weights = load_file(os.path.join(src, "model.safetensors"))
    kept = {k: v for k, v in weights.items() if not k.startswith("model.layers.1.")}
    save_file(kept, os.path.join(out, "model.safetensors"), metadata={"format": "mlx"})
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    config["num_hidden_layers"] = 1
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print(f"draft model written to {out}: {len(kept)} of {len(weights)} tensors, 1 layer")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
