#!/usr/bin/env python3
"""Regenerate the golden transformers outputs in Tests/References/ (see its README.md).

usage:  PY="$(scripts/python-env.sh | tail -n1)"
        "$PY" scripts/make_references.py [--model wiki260K|smollm2-135m ...] [--model-dir DIR]
                                         [--out DIR [--replace]] [--threads 2] [--no-long]

Models:
  wiki260K      the test model, Tests/Fixtures/models/wiki260K/ (scripts/make_test_model.py)
  smollm2-135m  SmolLM2-135M-Instruct bf16 (scripts/get-smollm2.sh), looked up as the tests do:
                $SWIFTQUANT_SMOLLM2, then ../shared/models/smollm2-135m (or $SWIFTQUANT_SHARED/models/...),
                then ${SWIFTQUANT_MODELS:-${XDG_CACHE_HOME:-~/.cache}/swiftquant/models}/smollm2-135m
--model-dir overrides the folder of the one model given with --model (e.g. a trial checkpoint).

Protocol (details in Tests/References/README.md): the model's own tokenizer.json read by the
`tokenizers` library, encode(text, add_special_tokens=False), decode(ids, skip_special_tokens=False);
the model in fp32 (from_pretrained(dir, dtype=torch.float32)), torch.set_num_threads(2),
use_cache=False.

Every output is written under a temporary name in the output folder and renamed into place, so an
interrupted run never leaves a half-written reference behind.
"""
import argparse, hashlib, json, math, os, resource, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "References")
CORPORA = {  # name -> path relative to ROOT
    "wiki.test.raw": "data/wikitext-2-raw/wiki.test.raw",
    "mixed": "Tests/Fixtures/tokenizer/mixed.md",
}
WINDOW = 8192      # ids per hashed window of a corpus
HEAD = 2048        # leading ids of each corpus stored explicitly
LOGIT_TOKENS = 64  # length of the one forward pass whose logits are stored

MODELS = {
    # logit_stride: store the logits of every stride-th position (stride-1, 2*stride-1, ..., 63).
    "wiki260K": dict(logit_stride=1, ppl=[(256, 4096), (512, 8192)], prompt="The history of the"),
    "smollm2-135m": dict(logit_stride=8, ppl=[(512, 8192)], long_ppl=[(2048, 20480)],
                         prompt="The capital of France is"),
}

# 42 hard strings: empty, whitespace, CR/LF, digit runs, CJK, emoji/ZWJ, combining marks,
# literal special tokens, U+FFFD, code, ... (the same list as the shared references).
SAMPLES = [
    "", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n ", "hello", " hello", "hello ", "  hello  ",
    "Hello World", "1234567", "3.14159", "12,345 and 2024-01-01", " 42", "  7",
    "don't I'll we're they've she'd it's", "Once upon a time, there was a little girl named Lily.",
    "café naïve résumé Über straße", "e\u0301 a\u0300 n\u0303 (combining marks)", "日本語のテキスト 中文 한국어",
    "emoji 🙂👍🏽 🇫🇷 family 👨‍👩‍👧", "mixed 你好 world 😀 123", "\ufffd", "a\ufffdb",
    "def f(x):\n    if x:\n        return x * 2\n\treturn None\n",
    "<|im_start|>user\nHi<|im_end|>\n", "<|endoftext|>", "<s>hello</s>", "<unk>",
    " = Robert Boulter = \n", " @-@ 1 @,@ 000 @.@ 5 ", "½ ¼ ² ³ Ⅻ ٣",
    "ALL CAPS and MiXeD", "tabs\tand  double  spaces", "trailing newline\n",
    "\u00a0non-breaking\u2009thin\u200bzero-width", "URL https://example.com/a?b=c&d=e#f",
]
assert len(SAMPLES) == 42


def die(message):
    print(f"make_references.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def smollm2_dir():
    """The first existing candidate, in the order of TestAssets.smolLM2() (or the first one, to name it)."""
    env = os.environ
    candidates = []
    if env.get("SWIFTQUANT_SMOLLM2"):
        candidates.append(env["SWIFTQUANT_SMOLLM2"])
    shared = env.get("SWIFTQUANT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
    candidates.append(os.path.join(shared, "models", "smollm2-135m"))
    models = env.get("SWIFTQUANT_MODELS") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "swiftquant", "models")
    candidates.append(os.path.join(models, "smollm2-135m"))
    for c in candidates:
        if os.path.isfile(os.path.join(c, "model.safetensors")):
            return c
    return candidates[-1]


def model_dir(name, override):
    d = override or (os.path.join(ROOT, "Tests", "Fixtures", "models", "wiki260K") if name == "wiki260K"
                     else smollm2_dir())
    missing = [f for f in ("config.json", "model.safetensors", "tokenizer.json")
               if not os.path.isfile(os.path.join(d, f))]
    if missing:
        hint = "scripts/make_test_model.py" if name == "wiki260K" else "scripts/get-smollm2.sh"
        die(f"{name}: model folder {d} lacks {', '.join(missing)} (made by {hint})")
    return os.path.abspath(d)


def display_path(path):
    """A path relative to the repository when it lies inside it, else its last two components
    (e.g. smollm2-135m/tokenizer.json): informational, and the same on every machine."""
    rel = os.path.relpath(path, ROOT)
    return os.path.join(*path.split(os.sep)[-2:]) if rel.startswith("..") else rel


def sha256_bytes(b):
    return hashlib.sha256(b).hexdigest()


def sha256_file(path):
    with open(path, "rb") as f:
        return sha256_bytes(f.read())


def ids_bytes(ids):
    """The ids as little-endian int32, the byte string the Swift tests hash."""
    import numpy as np
    return np.asarray(ids, dtype="<i4").tobytes()


def write_atomic(path, write):
    """Calls write(tmp_path), then renames tmp_path over path."""
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # safetensors creates its file 0600
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path, obj, compact=False):
    """Compact JSON, or (small files) one top-level member per line, for readable diffs."""
    if compact:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    else:
        text = "{\n" + ",\n".join(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                                   for k, v in obj.items()) + "\n}"

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    write_atomic(path, write)


def same_safetensors(path, tensors, metadata):
    """Whether the file at path holds exactly these tensors (dtype, shape, values) and metadata."""
    if not os.path.isfile(path):
        return False
    import torch
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        if f.metadata() != metadata or set(f.keys()) != set(tensors):
            return False
        return all(f.get_tensor(k).dtype == v.dtype and torch.equal(f.get_tensor(k), v) for k, v in tensors.items())


def perplexity(model, ids, ctx, T):
    """E(ctx, T): the first T ids in T/ctx separate windows; log_softmax in fp32, NLL summed in fp64."""
    import torch
    assert T % ctx == 0 and len(ids) >= T, (len(ids), T)
    nll, n = 0.0, 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for w in range(T // ctx):
            x = torch.tensor([ids[w * ctx:(w + 1) * ctx]], dtype=torch.long)
            logits = model(x, use_cache=False).logits[0].float()
            lp = torch.log_softmax(logits[:-1], dim=-1)
            nll -= lp.gather(1, x[0, 1:, None])[:, 0].double().sum().item()
            n += ctx - 1
    return math.exp(nll / n), n, time.perf_counter() - t0


def greedy(model, ids, n_new):
    """n_new argmax ids, recomputing the whole sequence each step (no cache), EOS not special."""
    import torch
    seq = list(ids)
    with torch.no_grad():
        for _ in range(n_new):
            logits = model(torch.tensor([seq], dtype=torch.long), use_cache=False).logits[0, -1]
            seq.append(int(torch.argmax(logits)))
    return seq[len(ids):]


def corpus_entry(ids):
    """Count, hash of all ids, hash per WINDOW ids, and the first HEAD ids."""
    return {"count": len(ids), "sha256": sha256_bytes(ids_bytes(ids)),
            "window": WINDOW,
            "window_sha256": [sha256_bytes(ids_bytes(ids[i:i + WINDOW])) for i in range(0, len(ids), WINDOW)],
            "head": ids[:HEAD]}


def run(name, mdir, out, threads, long_ppl):
    import torch
    import tokenizers
    import transformers
    from safetensors.torch import save_file
    from tokenizers import Tokenizer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = MODELS[name]
    tjson = os.path.join(mdir, "tokenizer.json")
    tok = Tokenizer.from_file(tjson)                 # the protocol's tokenizer
    hf_tok = AutoTokenizer.from_pretrained(mdir)     # cross-check only (informational)
    enc = lambda s: tok.encode(s, add_special_tokens=False).ids
    dec = lambda ids: tok.decode(ids, skip_special_tokens=False)
    model_sha = sha256_file(os.path.join(mdir, "model.safetensors"))
    tok_sha = sha256_file(tjson)

    texts = {}
    for cname, rel in CORPORA.items():
        with open(os.path.join(ROOT, rel), "rb") as f:
            texts[cname] = f.read().decode("utf-8")
    ids = {k: enc(v) for k, v in texts.items()}
    roundtrip = {k: dec(ids[k]) == texts[k] for k in texts}
    samples = [{"text": s, "ids": enc(s)} for s in SAMPLES]
    agrees = {k: hf_tok(texts[k], add_special_tokens=False)["input_ids"] == ids[k] for k in texts}
    agrees["tokenize_samples"] = all(hf_tok(s["text"], add_special_tokens=False)["input_ids"] == s["ids"]
                                     for s in samples)
    write_json(os.path.join(out, f"{name}.ids.json"), {
        "model": name, "tokenizer": display_path(tjson), "tokenizer_sha256": tok_sha,
        "ids_encoding": "sha256 of the ids as little-endian int32 bytes; window_sha256[k] covers "
                        "ids[k*window ..< min((k+1)*window, count)]",
        "corpora": {k: corpus_entry(v) for k, v in ids.items()},
        "corpus_path": CORPORA,
        "corpus_sha256": {k: sha256_bytes(v.encode("utf-8")) for k, v in texts.items()},
        "roundtrip": roundtrip,
        "transformers_tokenizer_agrees": agrees,
        "tokenize_samples": samples,
    }, compact=True)
    print(name, {k: len(v) for k, v in ids.items()}, "roundtrip", roundtrip, "transformers agrees", agrees,
          flush=True)

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(mdir, dtype=torch.float32).eval()
    load_s = time.perf_counter() - t0

    # One forward pass over all LOGIT_TOKENS ids; only some positions are stored (every one for
    # wiki260K, every 8th for SmolLM2 to keep the file small). Each stored row still depends on
    # the attention over every earlier token of the 64.
    x = torch.tensor([ids["wiki.test.raw"][:LOGIT_TOKENS]], dtype=torch.long)
    stride = spec["logit_stride"]
    positions = torch.arange(stride - 1, LOGIT_TOKENS, stride, dtype=torch.long)
    with torch.no_grad():
        logits = model(x, use_cache=False).logits.float()
    tensors = {"input_ids": x.contiguous(), "positions": positions.contiguous(),
               "logits": logits[:, positions, :].contiguous()}
    metadata = {"model": name, "tokenizer_sha256": tok_sha, "model_sha256": model_sha,
                "format": "logits[0, k, :] are the logits at input position positions[k] of one "
                          "forward pass over input_ids from position 0, no BOS, fp32"}
    path = os.path.join(out, f"{name}.logits.safetensors")
    # safetensors orders the header's metadata differently from run to run; an unchanged result
    # is left alone so that regenerating does not rewrite the binary file.
    if same_safetensors(path, tensors, metadata):
        print(name, "logits unchanged:", path, flush=True)
    else:
        write_atomic(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))
    kept = tensors["logits"]
    print(name, f"logits: positions {positions.tolist()} of {LOGIT_TOKENS}, shape {list(kept.shape)}", flush=True)

    prompt_ids = enc(spec["prompt"])
    new = greedy(model, prompt_ids, 32)
    write_json(os.path.join(out, f"{name}.greedy.json"),
               {"model": name, "prompt": spec["prompt"], "prompt_ids": prompt_ids, "new_ids": new,
                "text": dec(new), "model_sha256": model_sha})
    print(name, "greedy:", repr(spec["prompt"] + dec(new)), flush=True)

    results = []
    for ctx, T in spec["ppl"] + (spec.get("long_ppl", []) if long_ppl else []):
        ppl, n, secs = perplexity(model, ids["wiki.test.raw"], ctx, T)
        results.append({"ctx": ctx, "tokens": T, "ppl": ppl, "predictions": n,
                        "transformers_seconds": round(secs, 3)})
        print(name, f"E({ctx},{T}) ppl={ppl:.6f} n={n} {secs:.1f}s", flush=True)
    import numpy, safetensors
    write_json(os.path.join(out, f"{name}.perplexity.json"), {
        "model": name, "corpus": "wiki.test.raw", "perplexity": results, "threads": threads,
        "dtype": "float32", "model_sha256": model_sha, "model_load_seconds": round(load_s, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                     "safetensors": safetensors.__version__, "numpy": numpy.__version__},
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=sorted(MODELS), action="append",
                    help="model to regenerate (repeatable; default: all)")
    ap.add_argument("--model-dir", help="use this folder for the (single) --model instead of the default")
    ap.add_argument("--out", default=OUT, help="output folder (default: Tests/References)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-long", dest="long_ppl", action="store_false",
                    help="skip SmolLM2's E(2048,20480) (about 3 minutes on 2 cores)")
    ap.add_argument("--replace", action="store_true",
                    help="replace reference files already in an --out folder other than Tests/References")
    a = ap.parse_args()
    names = a.model or list(MODELS)
    if a.model_dir and len(names) != 1:
        die("--model-dir needs exactly one --model")
    for rel in CORPORA.values():
        if not os.path.isfile(os.path.join(ROOT, rel)):
            die(f"corpus {rel} is missing")
    if not os.path.isdir(a.out):
        die(f"output folder {a.out} does not exist")
    # Tests/References is versioned, so regenerating it replaces nothing that cannot be restored;
    # any other folder may hold files of the same names that this script did not write.
    if os.path.realpath(a.out) != os.path.realpath(OUT) and not a.replace:
        existing = [f"{n}.{kind}" for n in names for kind in ("ids.json", "logits.safetensors", "greedy.json", "perplexity.json")
                    if os.path.exists(os.path.join(a.out, f"{n}.{kind}"))]
        if existing:
            die(f"{a.out} already holds {', '.join(existing)}: not replacing them (--replace to do so)")
    dirs = {n: model_dir(n, a.model_dir) for n in names}   # refuse before any work
    for n in names:
        print(n, "from", dirs[n], flush=True)
        run(n, dirs[n], a.out, a.threads, a.long_ppl)


if __name__ == "__main__":
    main()
