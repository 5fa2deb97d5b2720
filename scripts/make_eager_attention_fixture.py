#!/usr/bin/env python3
"""Make Tests/Fixtures/attention/eager.safetensors: transformers' `eager_attention_forward` (the
attention llm-compressor 0.14 forces for every calibration forward) on random inputs with grouped
KV heads, causal, with the additive finfo.min mask transformers builds for eager attention; once in
bf16 and once in fp32 on the same (bf16-valued) inputs.

usage:  "$(scripts/python-env.sh | tail -n1)" scripts/make_eager_attention_fixture.py

Tensors (row-major, as SwiftQuant's attention kernel takes them): q [T, H·D], k and v [T, KV·D]
(bf16), out_bf16 [T, H·D] (bf16), out_fp32 [T, H·D] (fp32), shape I32 [T, H, KV, D]. T spans several
of SwiftQuant's 64-row query blocks; D = 64 gives scale 1/8 as in SmolLM2. Deterministic: fixed seed,
1 thread.
"""
import os
import types
import torch
from safetensors.torch import save_file
from transformers.models.llama.modeling_llama import eager_attention_forward

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T, H, KV, D = 160, 6, 2, 64
torch.manual_seed(0)
torch.set_num_threads(1)
q = (torch.randn(1, H, T, D) * 1.5).bfloat16()
k = (torch.randn(1, KV, T, D) * 1.5).bfloat16()
v = torch.randn(1, KV, T, D).bfloat16()
module = types.SimpleNamespace(num_key_value_groups=H // KV, training=False)


def eager(dtype):
    mask = torch.full((T, T), torch.finfo(dtype).min, dtype=dtype).triu(1)[None, None]
    out, _ = eager_attention_forward(module, q.to(dtype), k.to(dtype), v.to(dtype), mask, scaling=D ** -0.5)
    return out[0].reshape(T, H * D).contiguous()  # eager returns (B, T, H, D)


rows = lambda x: x[0].transpose(0, 1).reshape(T, -1).contiguous()
path = os.path.join(ROOT, "Tests", "Fixtures", "attention", "eager.safetensors")
save_file({"q": rows(q), "k": rows(k), "v": rows(v), "out_bf16": eager(torch.bfloat16),
           "out_fp32": eager(torch.float32), "shape": torch.tensor([T, H, KV, D], dtype=torch.int32)}, path,
          metadata={"torch": torch.__version__})
print(path)
