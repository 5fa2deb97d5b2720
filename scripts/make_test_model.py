#!/usr/bin/env python3
"""Train the test suite's small real model, Tests/Fixtures/models/wiki260K/ (see its README.md).

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_test_model.py [--steps N] [--out DIR [--replace]]

wiki260K is a Llama with the shape of llama2.c's stories260K (hidden 64, 5 layers, 8 heads,
4 KV heads, head_dim 8, intermediate 172, vocab 512, 512 positions, tied embeddings, fp32)
and its tokenizer (tok512, the tokenizer.json files already in the fixture folder), trained
here from scratch on WikiText-2 text. The test suite needs a model that was *trained*
(peaked predictions, activation outliers, a perplexity that quantization can hurt), small
enough to run hundreds of times, and that a clone holds without any download; stories260K
itself cannot be fetched from the registries this project may use.

Training text: data/wikitext-2-raw/wiki.test.raw tokenized whole with tokenizer.json (no
special tokens). The first HOLDOUT ids are never trained on: every perplexity the tests
compute (E(ctx, T), T <= 20480) and the default calibration sample windows lie there.

Deterministic on one machine (fixed seed, 2 threads, fp32); across CPUs the float
reductions may differ, which is why the result is committed and not rebuilt by the tests.
"""
import argparse, json, math, os, shutil, sys, tempfile, time

import torch
import transformers
from tokenizers import Tokenizer
from transformers import LlamaConfig, LlamaForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "Fixtures", "models", "wiki260K")
CORPUS = os.path.join(ROOT, "data", "wikitext-2-raw", "wiki.test.raw")
HOLDOUT = 40960
SEQ, BATCH, SEED = 256, 32, 260
OUTPUTS = ("config.json", "generation_config.json", "model.safetensors")

CONFIG = dict(vocab_size=512, hidden_size=64, intermediate_size=172, num_hidden_layers=5,
              num_attention_heads=8, num_key_value_heads=4, head_dim=8, max_position_embeddings=512,
              rms_norm_eps=1e-5, hidden_act="silu", tie_word_embeddings=True, attention_bias=False,
              mlp_bias=False, bos_token_id=1, eos_token_id=2, initializer_range=0.02,
              rope_parameters={"rope_type": "default", "rope_theta": 10000.0})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--replace", action="store_true",
                    help="replace config.json, generation_config.json, model.safetensors in an --out other than the fixture")
    args = ap.parse_args()

    tokenizer_path = os.path.join(args.out, "tokenizer.json")
    if not os.path.isfile(tokenizer_path):
        sys.exit(f"make_test_model.py: error: {tokenizer_path} is missing (the tokenizer is an input)")
    # The fixture folder is versioned; another folder with a tokenizer.json may be someone's model.
    if os.path.realpath(args.out) != os.path.realpath(DEFAULT_OUT) and not args.replace:
        existing = [n for n in OUTPUTS if os.path.exists(os.path.join(args.out, n))]
        if existing:
            sys.exit(f"make_test_model.py: error: {args.out} already holds {', '.join(existing)}: "
                     "not replacing them (--replace to do so)")
    torch.manual_seed(SEED)
    torch.set_num_threads(2)

    with open(CORPUS, encoding="utf-8") as f:
        text = f.read()
    ids = Tokenizer.from_file(tokenizer_path).encode(text, add_special_tokens=False).ids
    train = torch.tensor(ids[HOLDOUT:], dtype=torch.long)
    print(f"corpus {len(ids)} ids; training on ids[{HOLDOUT}:] ({len(train)})", file=sys.stderr)

    model = LlamaForCausalLM(LlamaConfig(**CONFIG)).float()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = max(1, args.steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps)))
    gen = torch.Generator().manual_seed(SEED)
    start = time.time()
    model.train()
    for step in range(args.steps):
        offsets = torch.randint(0, len(train) - SEQ - 1, (BATCH,), generator=gen)
        batch = torch.stack([train[o:o + SEQ] for o in offsets.tolist()])
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.4f} ({time.time() - start:.0f} s)", file=sys.stderr)
    model.eval()

    # Held-out perplexity, E(512, 8192) as docs/evaluation.md defines it.
    with torch.no_grad():
        nll, count = 0.0, 0
        for w in range(16):
            window = torch.tensor([ids[w * 512:(w + 1) * 512]])
            logp = torch.log_softmax(model(input_ids=window).logits.float(), dim=-1)
            nll -= logp[0, :-1].gather(1, window[0, 1:, None]).double().sum().item()
            count += 511
    print(f"held-out E(512, 8192) perplexity {math.exp(nll / count):.6f}", file=sys.stderr)

    # Written beside the tokenizer files, each through a temporary name renamed into place.
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        for name in OUTPUTS:
            os.replace(os.path.join(tmp, name), os.path.join(args.out, name))
    print(f"wrote {args.out} (transformers {transformers.__version__}, torch {torch.__version__}, "
          f"{args.steps} steps, {time.time() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
