#!/usr/bin/env python3
"""SwiftQuant's m2 (Outlier Suppression+ scaling) against msModelSlim 26.1.0's legacy m2 output on
stories260K (reference/ascend/legacy_stories_w8a8_m2): the per-channel scales s = g_orig / g_saved
recovered from both outputs' norm weights, per norm: range, channels left at 1, agreement.

    swiftquant quantize --model <stories260K> --recipe <W8A8 static modelslim_v1 recipe, ascendv1_saver> \
        --anti-method m2 --dataset <shared>/reference/ascend/calib_stories.jsonl --output m2
    python scripts/interop/os_plus_vs_legacy.py      # run in the folder holding m2/
"""
import os
import numpy as np, glob
from safetensors.numpy import load_file
ref=os.environ.get("SWIFTQUANT_SHARED", "../shared") + "/reference/ascend/"
orig=load_file(os.environ.get("SWIFTQUANT_SHARED", "../shared") + "/models/stories260K/model.safetensors")
sv=load_file(ref+"legacy_stories_w8a8_m2/ascendV1/quant_model_weight_w8a8.safetensors")
ours={}
for f in glob.glob("m2/*.safetensors"): ours.update(load_file(f))
for i in range(5):
  for nm in ("input_layernorm","post_attention_layernorm"):
    k=f"model.layers.{i}.{nm}.weight"
    g=orig[k].astype(np.float64); sr=g/sv[k]; so=g/ours[k]
    one_r=sr<1+1e-6; one_o=so<1+1e-6
    print(f"{i} {nm[:5]}: ref s in [{sr.min():.3f},{sr.max():.3f}] ones {one_r.sum():2d} | ours [{so.min():.3f},{so.max():.3f}] ones {one_o.sum():2d} | both-one {(one_r&one_o).sum():2d} corr(log s) {np.corrcoef(np.log(sr),np.log(so))[0,1] if sr.std()>0 and so.std()>0 else float('nan'):.3f} median|log ratio| {np.median(np.abs(np.log(sr/so))):.3f} | both scaled {(~one_r&~one_o).sum():2d}, max rel diff there {np.max(np.abs(so/sr-1)[~one_r&~one_o]) if (~one_r&~one_o).any() else 0:.1e}")
