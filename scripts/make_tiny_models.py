#!/usr/bin/env python3
"""Make the tiny randomly initialised checkpoints in Tests/Fixtures/tiny/ (see its README.md).

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_tiny_models.py [--out DIR] [--check]

Each fixture <name>/ holds what transformers' save_pretrained(safe_serialization=True)
writes (config.json, generation_config.json, model.safetensors) plus
  golden.safetensors  input_ids int64 [1, 24], logits float32 [1, 24, vocab]: one fp32
                      forward pass from position 0, eager attention, no cache
  golden.json         model_type, versions, seq_len, greedy {prompt_ids (first 8 ids),
                      new_ids (8 argmax ids, full recompute each step)}
The golden outputs are computed from the checkpoint as re-loaded from disk
(from_pretrained(dir, dtype=float32, attn_implementation="eager")), so a bf16
checkpoint's golden logits are those of its bf16 weights upcast to fp32.

--check regenerates nothing: it reloads every fixture in --out and verifies that
transformers reproduces golden.safetensors / golden.json (exit 1 if not).

Deterministic: fixed seeds, fp32, CPU, 1 thread.
"""
import argparse, json, math, os, shutil, sys

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config,
                          Qwen3ForCausalLM)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "Tests", "Fixtures", "tiny")

SEQ_LEN = 24
PROMPT_LEN = 8
NEW_TOKENS = 8
IDS_SEED = 1234
W_STD, EMB_STD, BIAS_STD, NORM_STD = 0.15, 0.2, 0.1, 0.2

# Shared tiny shape: hidden 64, 2 layers, 4 heads, 2 KV heads (GQA), intermediate 128, vocab 256.
COMMON = dict(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
              hidden_act="silu", bos_token_id=1, eos_token_id=2)

LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 32}

# name -> (config class, model class, config kwargs, seed, saved dtype)
FIXTURES = {
    "qwen2": (Qwen2Config, Qwen2ForCausalLM,
              dict(COMMON, rms_norm_eps=1e-6, tie_word_embeddings=True,
                   rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}), 111, torch.float32),
    "qwen3": (Qwen3Config, Qwen3ForCausalLM,
              dict(COMMON, head_dim=32, rms_norm_eps=1e-6, tie_word_embeddings=True,
                   rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}), 112, torch.float32),
    "mistral": (MistralConfig, MistralForCausalLM,
                dict(COMMON, sliding_window=64, rms_norm_eps=1e-5, tie_word_embeddings=False,
                     rope_parameters={"rope_type": "default", "rope_theta": 10000.0}), 113, torch.float32),
    "llama3-rope": (LlamaConfig, LlamaForCausalLM,
                    dict(COMMON, rms_norm_eps=1e-5, tie_word_embeddings=True,
                         rope_parameters=dict(LLAMA3_ROPE)), 104, torch.float32),
    "llama-untied": (LlamaConfig, LlamaForCausalLM,
                     dict(COMMON, rms_norm_eps=1e-5, tie_word_embeddings=False, mlp_bias=True,
                          attention_bias=True,
                          rope_parameters={"rope_type": "default", "rope_theta": 10000.0}), 105, torch.float32),
    # same config and seed as qwen2, weights rounded to bf16 on save
    "qwen2-bf16": (Qwen2Config, Qwen2ForCausalLM,
                   dict(COMMON, rms_norm_eps=1e-6, tie_word_embeddings=True,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}), 111, torch.bfloat16),
}
LEGACY = "llama-rope-legacy"   # llama3-rope with a hand-edited pre-v5 config.json
LEGACY_FROM = "llama3-rope"

# Fields the Swift loader reads, by fixture (checked in the saved config.json).
NEEDED = ["model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size",
          "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "rms_norm_eps",
          "hidden_act", "max_position_embeddings", "tie_word_embeddings"]
NEEDED_EXTRA = {"qwen3": ["head_dim"], "mistral": ["sliding_window"],
                "llama-untied": ["attention_bias", "mlp_bias"], "llama3-rope": ["attention_bias", "mlp_bias"]}


def die(msg):
    print(f"make_tiny_models.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def randomize(model, seed):
    """Overwrite every parameter: weights N(0, W_STD), embeddings/untied head N(0, EMB_STD),
    biases N(0, BIAS_STD), norm weights 1 + N(0, NORM_STD)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():   # tied lm_head is not listed separately
            r = torch.randn(p.shape, dtype=torch.float32)
            if name.endswith("norm.weight"):
                p.copy_(1.0 + NORM_STD * r)
            elif name.endswith(".bias"):
                p.copy_(BIAS_STD * r)
            elif "embed_tokens" in name or name.startswith("lm_head"):
                p.copy_(EMB_STD * r)
            else:
                p.copy_(W_STD * r)


def golden_ids(vocab):
    g = torch.Generator().manual_seed(IDS_SEED)
    return torch.randint(0, vocab, (1, SEQ_LEN), generator=g, dtype=torch.int64)


def load(d):
    return AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()


def forward(model, ids):
    with torch.no_grad():
        return model(ids, use_cache=False).logits.float().contiguous()


def greedy(model, prompt, margins=None):
    """NEW_TOKENS argmax ids, full recompute each step; appends top1 - top2 logit gaps to margins."""
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(NEW_TOKENS):
            logits = model(torch.tensor([seq]), use_cache=False).logits[0, -1]
            if margins is not None:
                top = torch.topk(logits, 2).values
                margins.append((top[0] - top[1]).item())
            seq.append(int(torch.argmax(logits)))
    return seq[len(prompt):]


def rope_parameters(cfg):
    rp = getattr(cfg, "rope_parameters", None)
    return dict(rp) if rp else None


def check_config(name, path):
    cfg = json.load(open(path))
    missing = [k for k in NEEDED + NEEDED_EXTRA.get(name, []) if k not in cfg]
    theta = cfg.get("rope_theta", (cfg.get("rope_parameters") or {}).get("rope_theta"))
    if theta is None:
        missing.append("rope_theta (top level or rope_parameters)")
    if missing:
        die(f"{name}/config.json lacks {missing}")
    return cfg


def write_golden(name, d, model_type):
    m = load(d)
    ids = golden_ids(m.config.vocab_size)
    logits = forward(m, ids)
    # sanity: not flat, finite, eager == sdpa to float rounding
    if not torch.isfinite(logits).all():
        die(f"{name}: non-finite logits")
    spread = logits.std(dim=-1).mean().item()
    if spread < 0.5:
        die(f"{name}: logits nearly flat (mean std {spread:.3f})")
    sd = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="sdpa").eval()
    sdpa_diff = (forward(sd, ids) - logits).abs().max().item()
    if sdpa_diff > 1e-4:
        die(f"{name}: eager vs sdpa differ by {sdpa_diff}")
    save_file({"input_ids": ids.contiguous(), "logits": logits}, os.path.join(d, "golden.safetensors"),
              metadata={"fixture": name})   # one key: safetensors orders metadata keys randomly
    prompt = ids[0, :PROMPT_LEN].tolist()
    margins = []
    new = greedy(m, prompt, margins)
    if len(set(new)) < 5:
        die(f"{name}: greedy continuation {new} is too repetitive (pick another seed)")
    if min(margins) < 1e-3:
        die(f"{name}: greedy top-2 margin {min(margins):g} too small for a stable test (pick another seed)")
    info = {"fixture": name, "model_type": model_type, "architecture": m.config.architectures[0],
            "checkpoint_dtype": str(json.load(open(os.path.join(d, "config.json"))).get("dtype")),
            "compute_dtype": "float32", "attn_implementation": "eager",
            "transformers": transformers.__version__, "torch": torch.__version__,
            "seq_len": SEQ_LEN, "vocab_size": m.config.vocab_size, "ids_seed": IDS_SEED,
            "logits_abs_max": round(logits.abs().max().item(), 4),
            "logits_mean_std": round(spread, 4), "eager_vs_sdpa_max_abs_diff": sdpa_diff,
            "greedy": {"prompt_ids": prompt, "new_ids": new, "min_top2_margin": round(min(margins), 5)}}
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    return logits, info


def verify(name, d):
    """Reload the fixture and compare with its golden files. Returns (ok, message)."""
    g = load_file(os.path.join(d, "golden.safetensors"))
    info = json.load(open(os.path.join(d, "golden.json")))
    m = load(d)
    diff = (forward(m, g["input_ids"]) - g["logits"]).abs().max().item()
    new = greedy(m, info["greedy"]["prompt_ids"])
    ok = diff == 0.0 and new == info["greedy"]["new_ids"]
    return ok, f"{name}: reload max|dlogits|={diff:g} greedy {'same' if new == info['greedy']['new_ids'] else 'DIFFERENT'}"


def make_legacy(out):
    """llama3-rope's weights with the config.json rewritten to the pre-transformers-5 layout."""
    src, d = os.path.join(out, LEGACY_FROM), os.path.join(out, LEGACY)
    os.makedirs(d, exist_ok=True)
    for f in ["model.safetensors", "generation_config.json"]:
        shutil.copyfile(os.path.join(src, f), os.path.join(d, f))
    cfg = json.load(open(os.path.join(src, "config.json")))
    rp = cfg.pop("rope_parameters")
    legacy = {}
    for k, v in cfg.items():
        if k == "dtype":
            legacy["torch_dtype"] = v
        else:
            legacy[k] = v
    legacy["rope_theta"] = rp.pop("rope_theta")
    legacy["rope_scaling"] = rp   # {"rope_type": "llama3", "factor", "low/high_freq_factor", "original_max_..."}
    legacy["transformers_version"] = "4.45.0"
    legacy = dict(sorted(legacy.items()))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(legacy, f, indent=2)
        f.write("\n")
    # transformers must read it into the same rope parameters as the v5 layout
    a = rope_parameters(transformers.AutoConfig.from_pretrained(d))
    b = rope_parameters(transformers.AutoConfig.from_pretrained(src))
    if a != b:
        die(f"{LEGACY}: legacy config loads as rope_parameters {a}, v5 layout as {b}")
    return legacy


def llama3_regimes(rp, head_dim):
    """Count rotary pairs in the llama3 high / smoothed / low frequency bands."""
    inv = [rp["rope_theta"] ** (-(2 * i) / head_dim) for i in range(head_dim // 2)]
    lo_wl = rp["original_max_position_embeddings"] / rp["low_freq_factor"]
    hi_wl = rp["original_max_position_embeddings"] / rp["high_freq_factor"]
    wl = [2 * math.pi / f for f in inv]
    return (sum(w < hi_wl for w in wl), sum(hi_wl <= w <= lo_wl for w in wl), sum(w > lo_wl for w in wl))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="only verify existing fixtures")
    a = ap.parse_args()
    torch.set_num_threads(1)
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    names = list(FIXTURES) + [LEGACY]

    if a.check:
        bad = 0
        for n in names:
            ok, msg = verify(n, os.path.join(a.out, n))
            print(("ok   " if ok else "FAIL ") + msg)
            bad += not ok
        sys.exit(1 if bad else 0)

    os.makedirs(a.out, exist_ok=True)
    results = {}
    for name, (Cfg, Model, kw, seed, dtype) in FIXTURES.items():
        d = os.path.join(a.out, name)
        shutil.rmtree(d, ignore_errors=True)
        torch.manual_seed(seed)
        cfg = Cfg(**kw)
        model = Model(cfg).eval()
        randomize(model, seed)
        # in-memory fp32 reference (before any dtype change)
        mem_logits = None
        if dtype == torch.float32:
            model.config._attn_implementation = "eager"
            mem_logits = forward(model, golden_ids(cfg.vocab_size))
        model = model.to(dtype)
        model.save_pretrained(d, safe_serialization=True)
        check_config(name, os.path.join(d, "config.json"))
        logits, info = write_golden(name, d, cfg.model_type)
        if mem_logits is not None and not torch.equal(mem_logits, logits):
            die(f"{name}: reloaded checkpoint differs from the in-memory model "
                f"({(mem_logits - logits).abs().max().item()})")
        results[name] = logits
        print(f"{name}: {cfg.model_type} dtype={str(dtype).split('.')[-1]} "
              f"|logits|max={info['logits_abs_max']} std={info['logits_mean_std']} greedy={info['greedy']['new_ids']}")

    # llama3 scaling must really change frequencies at this shape
    rp = FIXTURES[LEGACY_FROM][2]["rope_parameters"]
    reg = llama3_regimes(rp, COMMON["hidden_size"] // COMMON["num_attention_heads"])
    if min(reg) == 0:
        die(f"llama3 rope bands (high, smoothed, low) = {reg}: not all three exercised")
    print(f"llama3-rope: rotary pairs in (unchanged, smoothed, scaled) bands = {reg}")

    make_legacy(a.out)
    d = os.path.join(a.out, LEGACY)
    check_config(LEGACY, os.path.join(d, "config.json"))
    logits, info = write_golden(LEGACY, d, "llama")
    if not torch.equal(logits, results[LEGACY_FROM]):
        die(f"{LEGACY}: logits differ from {LEGACY_FROM} by {(logits - results[LEGACY_FROM]).abs().max().item()}")
    print(f"{LEGACY}: legacy rope_theta/rope_scaling config loads to identical logits as {LEGACY_FROM}")

    # the qwen2-bf16 weights are qwen2's rounded to bf16
    q32 = load_file(os.path.join(a.out, "qwen2", "model.safetensors"))
    q16 = load_file(os.path.join(a.out, "qwen2-bf16", "model.safetensors"))
    if q32.keys() != q16.keys() or any(not torch.equal(q32[k].to(torch.bfloat16), q16[k]) for k in q32):
        die("qwen2-bf16 weights are not qwen2's rounded to bf16")
    print("qwen2-bf16: weights = qwen2 weights rounded to bf16; max|dlogits| vs qwen2 = "
          f"{(results['qwen2-bf16'] - results['qwen2']).abs().max().item():.4g}")

    bad = 0
    for n in names:
        ok, msg = verify(n, os.path.join(a.out, n))
        print(("ok   " if ok else "FAIL ") + msg)
        bad += not ok
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
