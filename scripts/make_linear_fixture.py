#!/usr/bin/env python3
"""Make Tests/Fixtures/linear/bf16.safetensors: torch's CPU bf16 F.linear (oneDNN; what a bf16 model's
Linear layers compute during llm-compressor's calibration) for SmolLM2's two input widths.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_linear_fixture.py

Inputs are not stored: x [256, K] and w [256, K] are bf16-exact values m · 2^-e from an integer hash
(value(i, k, salt) below; LinearBF16Tests computes the same), the outputs y_K [256, 256] BF16 are.
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def values(rows, cols, salt):
    i = torch.arange(rows, dtype=torch.int64)[:, None]
    k = torch.arange(cols, dtype=torch.int64)[None, :]
    h = (i * 7919 + k * 104729 + salt * 1299709) % 1000003
    m = (h % 255) - 127
    e = (h // 255) % 9
    return (m.double() * torch.pow(2.0, -e.double())).bfloat16()


out = {}
for k in (576, 1536):
    x, w = values(256, k, 1), values(256, k, 2)
    out[f"y_{k}"] = F.linear(x, w)
path = os.path.join(ROOT, "Tests", "Fixtures", "linear", "bf16.safetensors")
save_file(out, path, metadata={"torch": torch.__version__})
print(path)
