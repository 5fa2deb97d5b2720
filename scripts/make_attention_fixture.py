#!/usr/bin/env python3
"""Make Tests/Fixtures/attention/sdpa-bf16.safetensors: torch's CPU scaled_dot_product_attention
(the kernel behind transformers' default "sdpa" attention; llm-compressor's calibration runs eager
attention instead, see make_eager_attention_fixture.py)
on random bf16 inputs with grouped KV heads, causal.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_attention_fixture.py

Tensors (row-major, as SwiftQuant's attention kernel takes them): q [T, H·D], k and v [T, KV·D]
(bf16), out [T, H·D] (bf16, torch's result), plus shape I32 [T, H, KV, D]. Deterministic: fixed seed,
1 thread.
"""
import os
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T, H, KV, D = 96, 4, 2, 32
torch.manual_seed(0)
torch.set_num_threads(1)
q = (torch.randn(1, H, T, D) * 2).bfloat16()
k = (torch.randn(1, KV, T, D) * 2).bfloat16()
v = torch.randn(1, KV, T, D).bfloat16()
out = F.scaled_dot_product_attention(q, k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1),
                                     is_causal=True)
rows = lambda x: x[0].transpose(0, 1).reshape(T, -1).contiguous()
path = os.path.join(ROOT, "Tests", "Fixtures", "attention", "sdpa-bf16.safetensors")
save_file({"q": rows(q), "k": rows(k), "v": rows(v), "out": rows(out),
           "shape": torch.tensor([T, H, KV, D], dtype=torch.int32)}, path,
          metadata={"torch": torch.__version__})
print(path)
