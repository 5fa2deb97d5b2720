#!/usr/bin/env python3
"""E(ctx, T) perplexity (../shared/docs/evaluation.md) of a checkpoint with Hugging Face transformers.

usage: python scripts/interop/transformers_ppl.py DIR --data FILE [--ctx 512] [--tokens 8192] [--threads 2]

DIR is a compressed-tensors checkpoint (loaded as ../shared/reference/anchors/eval_ppl.py does:
`from_pretrained(dtype=float32, quantization_config=CompressedTensorsConfig(dequantize=True))` on CPU,
so weights are decompressed to fp32 and quantized input activations — e.g. W8A8's dynamic per-token
int8, FP8's static fp8 — stay simulated in every Linear forward) or an unquantized model folder.
The corpus is read as bytes, decoded as UTF-8 and encoded once with DIR/tokenizer.json by the
`tokenizers` library without special tokens. Windows of ctx tokens, each run alone from position 0;
log-softmax in fp32, NLL summed in fp64 (identical to ../shared/reference/make_references.py).

Prints progress to stderr and ONE JSON line to stdout:
  {"ppl", "ctx", "tokens", "predictions", "seconds" (= "eval_seconds", the E() loop),
   "load_seconds", "total_seconds", "peak_rss_mib", "model", "quantized", "quantized_modules", ...}
"""
import argparse, json, math, os, resource, sys, time

T_START = time.perf_counter()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def perplexity(model, ids, ctx, T):
    import torch
    if T % ctx != 0:
        raise SystemExit(f"--tokens {T} is not a multiple of --ctx {ctx}")
    if len(ids) < T:
        raise SystemExit(f"corpus has {len(ids)} tokens, need {T}")
    nll, n = 0.0, 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for w in range(T // ctx):
            x = torch.tensor([ids[w * ctx:(w + 1) * ctx]], dtype=torch.long)
            logits = model(x, use_cache=False).logits[0].float()
            lp = torch.log_softmax(logits[:-1], dim=-1)                       # fp32
            tgt = x[0, 1:]
            nll -= lp.gather(1, tgt[:, None])[:, 0].double().sum().item()     # fp64 sum
            n += ctx - 1
    return math.exp(nll / n), n, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--data", required=True, help="corpus file (e.g. wiki.test.raw)")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--tokens", type=int, default=8192)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(a.threads)

    tjson = os.path.join(a.dir, "tokenizer.json")
    if not os.path.exists(tjson):
        raise SystemExit(f"{a.dir}: no tokenizer.json")
    text = open(a.data, "rb").read().decode("utf-8")
    ids = Tokenizer.from_file(tjson).encode(text, add_special_tokens=False).ids

    with open(os.path.join(a.dir, "config.json")) as f:
        cfg = json.load(f)
    kw = {}
    quantized = "quantization_config" in cfg
    if quantized:
        from transformers import CompressedTensorsConfig
        kw["quantization_config"] = CompressedTensorsConfig(dequantize=True)
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(a.dir, dtype=torch.float32, **kw).eval()
    load_s = time.perf_counter() - t0
    schemes = {}
    for name, m in model.named_modules():
        s = getattr(m, "quantization_scheme", None)
        if s is not None:
            k = " ".join(str(x) for x in (
                type(m).__name__,
                None if s.weights is None else f"w{s.weights.num_bits}{s.weights.type}/{s.weights.strategy}",
                None if s.input_activations is None else
                f"a{s.input_activations.num_bits}{s.input_activations.type}/{s.input_activations.strategy}"
                f"/dynamic={s.input_activations.dynamic}"))
            schemes[k] = schemes.get(k, 0) + 1
    wdtypes = sorted({str(p.dtype) for p in model.parameters()})
    log(f"loaded {a.dir} in {load_s:.1f}s; quantized modules: {schemes or 'none'}; parameter dtypes: {wdtypes}")

    ppl, n, secs = perplexity(model, ids, a.ctx, a.tokens)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    log(f"E({a.ctx},{a.tokens}) ppl={ppl:.6f} n={n} loop={secs:.1f}s")
    res = {"ppl": ppl, "ctx": a.ctx, "tokens": a.tokens, "predictions": n, "seconds": round(secs, 3),
           "eval_seconds": round(secs, 3), "load_seconds": round(load_s, 3),
           "total_seconds": round(time.perf_counter() - T_START, 3), "peak_rss_mib": round(rss, 1),
           "model": os.path.basename(os.path.normpath(a.dir)), "quantized": quantized,
           "quantized_modules": schemes, "parameter_dtypes": wdtypes, "threads": a.threads,
           "tool": "transformers",
           "versions": {"torch": torch.__version__, "transformers": transformers.__version__}}
    try:
        import compressed_tensors
        res["versions"]["compressed-tensors"] = compressed_tensors.__version__
    except ImportError:
        pass
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
