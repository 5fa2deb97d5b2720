#!/usr/bin/env python3
"""Writes Tests/Fixtures/rowsum/torch_rowsum.safetensors: random fp32 rows of several widths and
torch's CPU sum(dim=-1) and pow(2).sum(dim=-1) of each (the order Tensors.TorchSum reproduces).
Run in the interop venv (scripts/python-env.sh): python scripts/make_rowsum_fixture.py"""
import os
import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "rowsum", "torch_rowsum.safetensors")
g = torch.Generator().manual_seed(0)
tensors = {}
for n in (1, 7, 8, 17, 31, 33, 64, 100, 576, 1000, 1536, 4097):
    x = torch.randn(8, n, generator=g) * 3
    tensors[f"x{n}"] = x
    tensors[f"sum{n}"] = x.sum(-1)
    tensors[f"sq{n}"] = x.pow(2).sum(-1)
os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file(tensors, OUT, metadata={"torch": torch.__version__})
print(OUT)
