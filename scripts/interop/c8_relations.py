#!/usr/bin/env python3
"""Checks an AscendV1 C8 KV cache (msModelSlim's dynamic_cache, formats.md §2.7) against its relations,
with an independent forward: the NumPy AscendV1 runtime (ascend_runtime.py) runs the LAST calibration
sample through the exported W8A8 / W8A16 Linears; for every layer, the RoPE-applied key states (value
states for v) give, per channel c = kv_head·head_dim + d,

    expected kv_cache_scale[c] = max(max(−min(k_c, 0), max(k_c, 0)) / 127, fp32 eps),  kv_cache_offset = 0

which is compared with the stored tensors (F32, shape (kv_heads·head_dim,)), and the description must
say "C8" for each and carry kv_cache_type / kv_quant_type "C8".

usage: python scripts/interop/c8_relations.py ASCEND_DIR --calib-ids IDS.json [--rtol 1e-4]
  IDS.json: a JSON list of token-id lists (the calibration samples in order), e.g.
  ../shared/reference/ascend/calib_token_ids.json (an object keyed by model: --model-key stories260K).
Prints one line per layer and a summary; exit 0 when every relation holds within --rtol.
"""
import argparse, json, os, sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ascend_runtime as rt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--calib-ids", required=True)
    ap.add_argument("--model-key", help="the key of the id lists when IDS.json is an object (default: the folder's model name, "
                    "else its first list-valued key)")
    ap.add_argument("--rtol", type=float, default=1e-4)
    a = ap.parse_args()
    cfg, t, dtypes, desc, linears, kinds = rt.load_ascend(a.folder)
    samples = json.load(open(a.calib_ids))
    if isinstance(samples, dict):
        lists = {k: v for k, v in samples.items() if isinstance(v, list)}
        key = a.model_key or next((k for k in lists if k.lower() in os.path.abspath(a.folder).lower()), None) or next(iter(lists))
        samples = lists[key]
    last = samples[-1]
    model = rt.Llama(cfg, t, linears)
    inputs = {}
    model.capture = lambda path, x: inputs.__setitem__(path, x) if path.endswith(("k_proj", "v_proj")) else None
    model.hidden(last)
    n = len(last)
    cos, sin = model.rope(n)
    eps = np.float32(np.finfo(np.float32).eps)
    failures = []
    for key in ("kv_cache_type", "kv_quant_type"):
        if desc.get(key) != "C8":
            failures.append(f"description {key} = {desc.get(key)!r}, expected 'C8'")
    worst = 0.0
    for i in range(model.L):
        p = f"model.layers.{i}.self_attn."
        k = linears[p + "k_proj"](inputs[p + "k_proj"]).reshape(n, model.nkv, model.hd).transpose(1, 0, 2)
        k = model.rot(k, cos, sin).transpose(1, 0, 2).reshape(n, model.nkv * model.hd)
        v = linears[p + "v_proj"](inputs[p + "v_proj"])
        line = []
        for proj, states in (("k_proj", k), ("v_proj", v)):
            name = p + proj + ".kv_cache_scale"
            if name not in t or desc.get(name) != "C8" or desc.get(p + proj + ".kv_cache_offset") != "C8":
                failures.append(f"{name}: missing or not described C8")
                continue
            stored = rt.f32(t[name])
            offset = rt.f32(t[p + proj + ".kv_cache_offset"])
            if stored.shape != (model.nkv * model.hd,) or dtypes[name] != "F32":
                failures.append(f"{name}: {dtypes[name]} {stored.shape}, expected F32 ({model.nkv * model.hd},)")
                continue
            if np.any(offset != 0):
                failures.append(f"{p + proj}.kv_cache_offset is not all zero")
            lo = np.minimum(states.min(axis=0), 0)
            hi = np.maximum(states.max(axis=0), 0)
            expected = np.maximum(np.maximum(-lo, hi) / np.float32(127), eps).astype(np.float32)
            rel = float(np.max(np.abs(stored - expected) / expected))
            worst = max(worst, rel)
            line.append(f"{proj} max rel {rel:.2e}")
            if rel > a.rtol:
                failures.append(f"{name}: max relative difference {rel:.3e} > {a.rtol}")
        print(f"layer {i}: " + ", ".join(line))
    print(f"C8 relations: {2 * model.L} scale tensors, worst relative difference {worst:.3e} (bound {a.rtol}); "
          f"{'PASS' if not failures else 'FAIL'}")
    for f in failures[:10]:
        print("  " + f)
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
