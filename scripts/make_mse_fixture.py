#!/usr/bin/env python3
"""Make Tests/Fixtures/observers/mse.safetensors: llm-compressor's mse weight observer (grid search of
a shrink factor, tensor-wide patience) on random weights, int4 symmetric group 32.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_mse_fixture.py

Tensors: weight_f32 [48, 128] F32 and its scales scale_f32 [48, 4]; weight_bf16 [48, 128] BF16 and
scale_bf16 [48, 4]; sum_lengths, sum_inputs_{f32,bf16}, sum_results_{f32,bf16}: torch.sum of
contiguous vectors of those lengths. Rows get different magnitudes and a few outliers so that groups stop improving
at different steps. Deterministic: fixed seed, 1 thread.
"""
import os
import torch
from compressed_tensors.quantization import QuantizationArgs
from compressed_tensors.quantization.utils import calculate_qparams
from llmcompressor.observers.mse_quant import _grid_search_mse
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
torch.manual_seed(0)
torch.set_num_threads(1)
args = QuantizationArgs(num_bits=4, type="int", symmetric=True, strategy="group", group_size=32, observer="mse")
token_args = args.model_copy(update={"strategy": "token"})
w = torch.randn(48, 128) * torch.linspace(0.01, 2.0, 48)[:, None]
w[torch.rand(48, 128) < 0.01] *= 8
out = {}
for name, dtype in (("f32", torch.float32), ("bf16", torch.bfloat16)):
    x = w.to(dtype)
    observed = x.reshape(1, 48, 4, 32)           # (observations, rows, groups, group_size)
    lo, hi = _grid_search_mse(observed, args, token_args, 0.20, 5, 100.0, 2.4, 0.30, 1.0)
    scale, _ = calculate_qparams(lo, hi, args)
    out["weight_" + name] = x.contiguous()
    out["scale_" + name] = scale.to(dtype).contiguous()
# torch.sum of contiguous fp32 and bf16 vectors of several lengths (the observer's error sums).
lengths = [8, 24, 64, 100, 576, 1536, 4096]
vectors = [torch.randn(n) for n in lengths]
out["sum_lengths"] = torch.tensor(lengths, dtype=torch.int32)
out["sum_inputs_f32"] = torch.cat(vectors)
out["sum_results_f32"] = torch.stack([v.sum() for v in vectors])
out["sum_inputs_bf16"] = torch.cat(vectors).bfloat16()
out["sum_results_bf16"] = torch.stack([v.bfloat16().sum() for v in vectors])
path = os.path.join(ROOT, "Tests", "Fixtures", "observers", "mse.safetensors")
save_file(out, path)
print(path)
