#!/usr/bin/env python3
"""Compares AWQ's grid search step by step: llm-compressor's progress-bar log (its best loss after each
grid point, `Grid search for <smooth>: ... best_error=...`) against SwiftQuant's SWIFTQUANT_AWQ_TRACE
lines (`AWQ <prefix><smooth> ratio R duo D loss L`, one per grid point). For each mapping it prints
both running-best sequences and the grid point at which each settled, so a mapping where the two
searches pick different scales stands out.

usage: python scripts/interop/awq_search_compare.py PEER_LOG OURS_LOG
  PEER_LOG: stdout+stderr of Benchmarks/llmc_oneshot.py with an AWQModifier recipe
  OURS_LOG: stderr of `SWIFTQUANT_AWQ_TRACE=1 swiftquant quantize ...` with the same recipe and data
"""
import re, sys

def peer(path):
    txt = open(path, errors="replace").read()
    out = {}
    for m in re.finditer(r"Grid search for model\.layers\.(\d+)\.(\S+?):\s+\d+%\|[^|]*\|\s*(\d+)/(\d+) \[[^\]]*best_error=([0-9.e+-]+)", txt):
        layer, smooth, step, total, err = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4)), float(m.group(5))
        # tqdm redraws before counting the grid point that set the postfix: a bar at n/total shows
        # the best after n + 1 points (the closing n = total redraw shows the final best)
        out.setdefault((layer, smooth), {})[min(step + 1, total)] = err
    return out

SMOOTH = {"inputLayerNorm": "input_layernorm", "postAttentionLayerNorm": "post_attention_layernorm",
          "upProj": "mlp.up_proj", "vProj": "self_attn.v_proj"}

def ours(path):
    out = {}
    for line in open(path, errors="replace"):
        m = re.match(r"AWQ model\.layers\.(\d+)\.\w+\(Models\.\w+\.(\w+)\) ratio \S+ duo \S+ loss (\S+)", line)
        if not m:
            continue
        key = (int(m.group(1)), SMOOTH.get(m.group(2), m.group(2)))
        seq = out.setdefault(key, [])
        loss = float(m.group(3))
        seq.append(min(loss, seq[-1]) if seq else loss)
    return {k: {i + 1: v for i, v in enumerate(s)} for k, s in out.items()}

def settled(seq):
    last = None
    for step in sorted(seq):
        if last is None or seq[step] < last:
            best_step, last = step, seq[step]
    return best_step

def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    p, o = peer(sys.argv[1]), ours(sys.argv[2])
    same = differ = 0
    for key in sorted(set(p) & set(o)):
        a, b = p[key], o[key]
        sa, sb = settled(a), settled(b)
        common = sorted(set(a) & set(b))
        worst = max(abs(a[s] - b[s]) / max(abs(a[s]), 1e-30) for s in common) if common else float("nan")
        flag = "same" if sa == sb else "DIFFERENT"
        same += sa == sb
        differ += sa != sb
        print(f"layer {key[0]:2d} {key[1]:26s} settles at grid point peer {sa:2d} / ours {sb:2d} ({flag}); "
              f"running best differs by at most {worst * 100:.2f} %")
    only = sorted(set(p) ^ set(o))
    if only:
        print(f"in one log only (an unfinished run?): {only}")
    print(f"{same} mappings settle at the same grid point, {differ} differ")

if __name__ == "__main__":
    main()
