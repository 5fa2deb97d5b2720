#!/usr/bin/env python3
"""Peer side of the forward-pass benchmark: perplexity E(ctx, T) with Hugging Face transformers.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/transformers_eval.py \\
            --model DIR --data FILE --ctx N --tokens M [--ids-json FILE] [--threads 2]

Follows ../shared/docs/evaluation.md and ../shared/reference/make_references.py:
- tokens: the whole --data file read as one UTF-8 string and encoded once with the model's
  own tokenizer.json through the `tokenizers` library, encode(text, add_special_tokens=False);
  or, with --ids-json (e.g. shared/reference/<model>.ids.json), the precomputed ids in
  corpora[--corpus-key] (default "wiki.test.raw"), and then --data is not read.
- E(ctx, T): the first T ids in T/ctx non-overlapping windows, each run alone from position 0
  (no cache), next-token NLL of positions 1..ctx-1, log_softmax in fp32, sum in fp64,
  ppl = exp(sum / predictions).
- the model: from_pretrained(DIR, dtype=float32) on CPU, sdpa attention, torch.no_grad(),
  torch.set_num_threads(--threads).

Prints ONE JSON line on stdout:
  {"ppl", "predictions", "eval_seconds", "load_seconds", "tokens_per_second", "peak_rss_mib", ...}
eval_seconds is the wall time of the E() loop only (forward passes + scoring);
tokens_per_second = T / eval_seconds; load_seconds = from_pretrained; peak_rss_mib = ru_maxrss
of this process / 1024 (whole process: tokenizer, model, all windows). Extra keys: model, ctx,
tokens, windows, tokenize_seconds, threads, attn_implementation, ids_source, versions.
Errors go to stderr as one line, exit status 1.
"""
import argparse, contextlib, json, math, os, resource, sys, time


def die(msg):
    print(f"transformers_eval.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="Hugging Face model directory")
    ap.add_argument("--data", help="corpus file (e.g. shared/data/wikitext-2-raw/wiki.test.raw)")
    ap.add_argument("--ctx", type=int, required=True, help="window length")
    ap.add_argument("--tokens", type=int, required=True, help="T: total tokens, a multiple of --ctx")
    ap.add_argument("--ids-json", help="take the ids from this file's corpora[--corpus-key] instead of tokenizing")
    ap.add_argument("--corpus-key", default="wiki.test.raw")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attn", default="sdpa", help="attn_implementation (default sdpa)")
    a = ap.parse_args()

    if a.ctx < 2 or a.tokens <= 0 or a.tokens % a.ctx:
        die(f"--tokens ({a.tokens}) must be a positive multiple of --ctx ({a.ctx}), ctx >= 2")
    if not os.path.isdir(a.model):
        die(f"model directory {a.model} not found")
    if not a.ids_json and not a.data:
        die("give --data FILE (or --ids-json FILE)")

    # keep stdout for the one JSON line: libraries' prints go to stderr
    with contextlib.redirect_stdout(sys.stderr):
        import torch
        import transformers
        import tokenizers
        from transformers import AutoModelForCausalLM
        torch.set_num_threads(a.threads)

        t0 = time.perf_counter()
        if a.ids_json:
            try:
                ids = json.load(open(a.ids_json, encoding="utf-8"))["corpora"][a.corpus_key]
            except (OSError, ValueError, KeyError) as e:
                die(f"cannot read corpora[{a.corpus_key!r}] from {a.ids_json}: {e!r}")
            source = f"{a.ids_json}:corpora[{a.corpus_key}]"
        else:
            tj = os.path.join(a.model, "tokenizer.json")
            if not os.path.isfile(tj):
                die(f"{tj} not found (needed to tokenize --data; or pass --ids-json)")
            try:
                text = open(a.data, "rb").read().decode("utf-8")
            except (OSError, UnicodeDecodeError) as e:
                die(f"cannot read {a.data} as UTF-8: {e}")
            tok = tokenizers.Tokenizer.from_file(tj)
            ids = tok.encode(text, add_special_tokens=False).ids
            source = f"{a.data} via {tj}"
        tokenize_s = time.perf_counter() - t0
        if len(ids) < a.tokens:
            die(f"only {len(ids)} tokens available, {a.tokens} needed")

        t0 = time.perf_counter()
        model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32,
                                                     attn_implementation=a.attn).eval()
        load_s = time.perf_counter() - t0

        nll, n = 0.0, 0
        t0 = time.perf_counter()
        with torch.no_grad():
            for w in range(a.tokens // a.ctx):
                x = torch.tensor([ids[w * a.ctx:(w + 1) * a.ctx]], dtype=torch.long)
                logits = model(x, use_cache=False).logits[0].float()
                lp = torch.log_softmax(logits[:-1], dim=-1)                       # fp32
                nll -= lp.gather(1, x[0, 1:, None])[:, 0].double().sum().item()   # fp64 sum
                n += a.ctx - 1
        eval_s = time.perf_counter() - t0

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out = {"ppl": math.exp(nll / n), "predictions": n, "eval_seconds": round(eval_s, 3),
           "load_seconds": round(load_s, 3), "tokens_per_second": round(a.tokens / eval_s, 2),
           "peak_rss_mib": round(rss, 1),
           "model": os.path.basename(os.path.normpath(a.model)), "ctx": a.ctx, "tokens": a.tokens,
           "windows": a.tokens // a.ctx, "tokenize_seconds": round(tokenize_s, 3), "threads": a.threads,
           "attn_implementation": a.attn, "ids_source": source,
           "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                        "tokenizers": tokenizers.__version__}}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
