#!/usr/bin/env python3
"""Compares a SwiftQuant AscendV1 output with a real msModelSlim 26.1.0 output (e.g.
../shared/reference/ascend/v1_stories_w8a8_static), tensor by tensor.

usage: compare_ascend.py REFERENCE OURS [--json OUT] [--scale-rtol 0.01] [--exact-first N]

Checks (each line PASS/FAIL, exit 1 when any FAIL):
  - the same files (weights, index, description, config.json, side files; recipe copy aside);
  - the same tensor names, dtypes and shapes, and the same description entries in the same order;
  - int8 weights bit-identical; FLOAT tensors bit-identical;
  - deq_scale == f32(input_scale * weight_scale) and quant_bias == rne(bias/deq - offset*sum(Wq))
    exactly in OUR file (the documented relations; weight_scale recomputed from the source weight is
    not stored for W8A8, so it is derived as deq/input_scale of the reference for the report only);
  - input_scale / input_offset: identical for the first --exact-first quantized Linears (default 1:
    layer 0's first Linear), within --scale-rtol relative (default 1 %) for all others.
Needs numpy and safetensors (the interop venv of scripts/python-env.sh)."""
import argparse, glob, json, os, sys
import numpy as np
from safetensors.numpy import load_file

def load_dir(d):
    tensors = {}
    for f in sorted(glob.glob(os.path.join(d, "*.safetensors"))):
        tensors.update(load_file(f))
    with open(os.path.join(d, "quant_model_description.json")) as f:
        desc = json.load(f)
    return tensors, desc

def deq_f32(a):
    return a.astype(np.int32).view(np.float32) if a.dtype == np.int64 else a

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference"); ap.add_argument("ours")
    ap.add_argument("--json"); ap.add_argument("--scale-rtol", type=float, default=0.01)
    ap.add_argument("--exact-first", type=int, default=1)
    ap.add_argument("--reference-subset", action="store_true",
                    help="the reference folder holds only some tensors (e.g. v1_smol_fp32_w8a8_static_layer0): "
                         "compare those, skip the file list, still compare the whole description")
    a = ap.parse_args()
    ref, rdesc = load_dir(a.reference)
    ours, odesc = load_dir(a.ours)
    results = []
    def check(name, ok, detail=""):
        results.append({"check": name, "ok": bool(ok), "detail": detail})
        print(("PASS " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    skip = {"default_best_practice.yaml", "recipe.yaml", ".swiftquant-output.json"}
    rf = sorted(set(os.listdir(a.reference)) - skip); of = sorted(set(os.listdir(a.ours)) - skip)
    if not a.reference_subset:
        check("same files", rf == of, "" if rf == of else f"reference only {sorted(set(rf)-set(of))}, ours only {sorted(set(of)-set(rf))}")
    rk, ok_ = list(ref), list(ours)
    same_names = set(rk) <= set(ok_) if a.reference_subset else set(rk) == set(ok_)
    check("same tensor names", same_names, "" if same_names else f"reference only {sorted(set(rk)-set(ok_))[:5]}, ours only {sorted(set(ok_)-set(rk))[:5]}")
    common = [k for k in rk if k in ours]
    bad = [k for k in common if ref[k].dtype != ours[k].dtype or ref[k].shape != ours[k].shape]
    check("same dtypes and shapes", not bad, ", ".join(f"{k}: {ref[k].dtype}{list(ref[k].shape)} vs {ours[k].dtype}{list(ours[k].shape)}" for k in bad[:5]))
    check("same description entries, same order", list(rdesc.items()) == list(odesc.items()),
          "" if list(rdesc.items()) == list(odesc.items()) else
          f"differ: {[k for k in set(rdesc)|set(odesc) if rdesc.get(k) != odesc.get(k)][:5]}, order equal: {list(rdesc) == list(odesc)}")
    w8 = [k for k in common if k.endswith(".weight") and ref[k].dtype == np.int8]
    wdiff = [k for k in w8 if not np.array_equal(ref[k], ours[k])]
    check("int8 weights bit-identical", not wdiff, f"{len(w8) - len(wdiff)}/{len(w8)} identical" + (f"; first differing {wdiff[0]}: {int((ref[wdiff[0]] != ours[wdiff[0]]).sum())} values" if wdiff else ""))
    fl = [k for k in common if rdesc.get(k) == "FLOAT"]
    fdiff = [k for k in fl if ref[k].tobytes() != ours[k].tobytes()]
    check("FLOAT tensors bit-identical", not fdiff, f"{len(fl) - len(fdiff)}/{len(fl)}" + (f"; differ {fdiff[:3]}" if fdiff else ""))
    for kind in ("weight_scale", "weight_offset"):
        ks = [k for k in common if k.endswith("." + kind)]
        if ks:
            d = [k for k in ks if ref[k].tobytes() != ours[k].tobytes()]
            worst = max((float(np.max(np.abs(ours[k] - ref[k]) / np.maximum(np.abs(ref[k]), 1e-30))) for k in d), default=0.0)
            check(f"{kind} bit-identical", not d, f"{len(ks) - len(d)}/{len(ks)}" + (f"; max rel {worst:.3g}" if d else ""))
    # in description (= module) order, so "first" means layer 0's first Linear
    prefixes = [k[: -len(".input_scale")] for k in rdesc if k.endswith(".input_scale") and k in ref]
    if os.environ.get("VERBOSE"):
        for p in prefixes:
            print(f"   {p}: scale {ours[p + '.input_scale'][0]:.9g} vs {ref[p + '.input_scale'][0]:.9g}, offset {ours[p + '.input_offset'][0]:.0f} vs {ref[p + '.input_offset'][0]:.0f}")
    if prefixes:
        rel_ok = True; exact = 0; worst = 0.0; first_bad = []
        for i, p in enumerate(prefixes):
            s, o = ours[p + ".input_scale"], ours[p + ".input_offset"]
            deq = deq_f32(ours[p + ".deq_scale"]); qb = ours[p + ".quant_bias"]; wq = ours[p + ".weight"].astype(np.float32)
            # relations in our own file: deq = f32(input_scale * ws) <=> ws = deq / input_scale within 1 ulp;
            # quant_bias = rne(bias/deq - offset * sum(Wq)) with f32 arithmetic
            bias = ours.get(p + ".bias", np.zeros(wq.shape[0], np.float32)).astype(np.float32)
            want = np.rint((bias / deq).astype(np.float32) - np.float32(o[0]) * wq.sum(1, dtype=np.float32)).astype(np.int32)
            if not np.array_equal(want, qb): rel_ok = False; first_bad.append(p + ".quant_bias")
            rs, ro = ref[p + ".input_scale"], ref[p + ".input_offset"]
            ident = rs.tobytes() == s.tobytes() and ro.tobytes() == o.tobytes()
            exact += ident
            r = float(abs(s[0] - rs[0]) / rs[0]); worst = max(worst, r)
            if i < a.exact_first and not ident: first_bad.append(p + ".input_scale (must be identical)")
            if r > a.scale_rtol: first_bad.append(f"{p}.input_scale rel {r:.3g}")
        check("quant_bias obeys rne(bias/deq - offset*sum(Wq))", rel_ok, ", ".join(x for x in first_bad if "quant_bias" in x)[:200])
        # deq_scale vs the reference: same weight (bit-identical int8) and same input scale give the same deq
        dq = [p for p in prefixes if ref[p + ".input_scale"].tobytes() == ours[p + ".input_scale"].tobytes()]
        dsame = sum(deq_f32(ref[p + ".deq_scale"]).tobytes() == deq_f32(ours[p + ".deq_scale"]).tobytes() for p in dq)
        check("deq_scale identical where input_scale is", dsame == len(dq), f"{dsame}/{len(dq)}")
        inputs_ok = not [x for x in first_bad if "input_scale" in x]
        check(f"input_scale/offset: first {a.exact_first} identical, all within {a.scale_rtol:g}", inputs_ok,
              f"{exact}/{len(prefixes)} identical, max rel {worst:.3g}" + ("" if inputs_ok else "; " + ", ".join(x for x in first_bad if 'input_scale' in x)[:300]))
    if a.json:
        with open(a.json, "w") as f: json.dump(results, f, indent=2)
    fails = [r for r in results if not r["ok"]]
    print("RESULT:", "FAIL" if fails else "PASS")
    sys.exit(1 if fails else 0)

if __name__ == "__main__":
    main()
