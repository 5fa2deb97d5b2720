#!/usr/bin/env python3
"""Probes msModelSlim 26.1.0's compiled m2 scaling (`anti_utils.os_ln_fcs`) on stories260K.

msModelSlim's legacy AntiOutlier(anti_method="m2") is run on stories260K with the 16 calibration
texts of reference/ascend (its statistics captured on the way); the smoothed norm weights are
compared with reference/ascend/legacy_stories_w8a8_m2 (the real run). Then os_ln_fcs is called on
each subgraph with one statistic changed at a time, and the scaled channels are fitted.

Needs msModelSlim's Python tree (e.g. `git archive` of Ascend/msmodelslim at its 26.1.0 tag into
MSMODELSLIM_SRC) plus einops and easydict (MSMODELSLIM_DEPS, e.g. `pip install --target`).
Findings (torch 2.13, transformers 5.17): the harness reproduces the reference norms within 6e-7;
os_ln_fcs depends on thres_c, shift, std, the first sample's tensor and the weights, not on max/min/smooth_scale/thres_t or os_k; every scaled channel has
s = sqrt(thres_c / max|W|) (fit: exponents 0.5000 / -0.5000, residual 1.5e-7); the scaled channels
are those of largest thres_c; no shift is applied (norm biases zero).
"""
import copy, json, os, sys
sys.path.insert(0, os.environ.get("MSMODELSLIM_SRC", "/tmp/msms"))
sys.path.insert(0, os.environ.get("MSMODELSLIM_DEPS", "/tmp/pydeps"))
import numpy as np, torch
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM
import msmodelslim.pytorch.llm_ptq.anti_outlier.anti_outlier as AO
from msmodelslim.pytorch.llm_ptq.anti_outlier import AntiOutlierConfig, AntiOutlier
from msmodelslim.pytorch.llm_ptq.anti_outlier.graph_utils import NormBias

shared = os.environ.get("SWIFTQUANT_SHARED", "../shared")
ref = shared + "/reference/ascend/"
model_dir = shared + "/models/stories260K"
cfg = AntiOutlierConfig(w_bit=8, a_bit=8, anti_method="m2", dev_type="cpu")
ids = json.load(open(ref + "calib_token_ids.json"))["stories260K"]
calib = [[torch.tensor([s]), torch.ones(1, len(s), dtype=torch.long)] for s in ids]

captured, real = [], AO.os_ln_fcs
def spy(c, ln, fcs, stats, os_k=100):
    captured.append({k: (v.clone() if torch.is_tensor(v) else v) for k, v in stats.items()})
    return real(c, ln, fcs, stats, os_k=os_k)
AO.os_ln_fcs = spy
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
AntiOutlier(model, calib_data=calib, cfg=cfg).process()
AO.os_ln_fcs = real
saved = load_file(ref + "legacy_stories_w8a8_m2/ascendV1/quant_model_weight_w8a8.safetensors")
fresh = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()

def subgraph(index):
    layer = fresh.model.layers[index // 2]
    if index % 2 == 0:
        return "input_layernorm", layer.input_layernorm, [layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj]
    return "post_attention_layernorm", layer.post_attention_layernorm, [layer.mlp.gate_proj, layer.mlp.up_proj]

def scales(index, stats):
    _, norm, linears = subgraph(index)
    ln, fcs = NormBias(copy.deepcopy(norm)), [copy.deepcopy(f) for f in linears]
    weight = lambda: (ln.module.weight if hasattr(ln, "module") else ln.weight).detach().clone().double()
    before = weight()
    with torch.no_grad():
        real(cfg, ln, fcs, {k: (v.clone() if torch.is_tensor(v) else v) for k, v in stats.items()})
    return (before / weight()).numpy()

for index, stats in enumerate(captured):
    name, norm, linears = subgraph(index)
    s = scales(index, stats)
    g = norm.weight.detach().double().numpy()
    reference = g / saved[f"model.layers.{index // 2}.{name}.weight"]
    wmax = torch.cat([l.weight for l in linears]).detach().abs().max(0)[0].double().numpy()
    tc = stats["thres_c"].double().numpy()
    scaled = s > 1 + 1e-6
    formula = np.abs(s[scaled] / np.sqrt(tc[scaled] / wmax[scaled]) - 1).max() if scaled.any() else 0.0
    print(f"layer {index // 2} {name}: vs reference max rel {np.abs(s / reference - 1).max():.1e}; scaled {scaled.sum()}/64; "
          f"max |s / sqrt(thres_c / max|W|) - 1| on them {formula:.1e}; "
          f"min thres_c scaled {tc[scaled].min() if scaled.any() else float('nan'):.4f} > max unscaled {tc[~scaled].max() if (~scaled).any() else float('nan'):.4f}")
base = captured[0]
s0 = scales(0, base)
for key in ["max", "min", "shift", "thres_t", "thres_c", "std", "smooth_scale", "tensor"]:
    changed = dict(base)
    changed[key] = base[key] * 1.7
    print(f"layer 0 input_layernorm, {key} x1.7: scales {'unchanged' if np.allclose(scales(0, changed), s0, rtol=1e-6) else 'changed'}")
